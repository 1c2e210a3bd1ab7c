"""Tables of the local replica (one SQLCipher file per municipality).

Each replicated kind keeps the record as received (canonical JSON in ``data``: the checksum is
computed over exactly that text) plus the columns searches and lookups need, indexed.
個人番号 and 住民票コード never arrive here (the server sends None, and the apply step drops
anything else it might send).
"""

from __future__ import annotations

from sqlalchemy import Connection

SCHEMA_VERSION = "5"  # 5: alias_key is name_search_key(通称); residents carry the 30条の45 items

TABLES = (
    """CREATE TABLE IF NOT EXISTS meta (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )""",
    # the resident as received; searching happens on resident_keys (below), which is narrow so
    # that its seven indexes are built from a table a tenth of the size (schema 4)
    """CREATE TABLE IF NOT EXISTS residents (
        key TEXT PRIMARY KEY,            -- 宛名番号
        data TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS resident_keys (
        key TEXT PRIMARY KEY,            -- 宛名番号
        household_no TEXT NOT NULL,
        status TEXT NOT NULL,
        kana_key TEXT NOT NULL,          -- kana.name_search_keys(kana)[0]: full name
        given_kana_key TEXT NOT NULL,    -- kana.name_search_keys(kana)[1]: given name only
        name_key TEXT NOT NULL,          -- search_query.name_search_key(氏名)
        alias_key TEXT NOT NULL,         -- search_query.name_search_key(通称)
        address_key TEXT NOT NULL,       -- search_query.address_search_key(住所)
        birth TEXT NOT NULL              -- PartialDate text, never a DATE
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS households (key TEXT PRIMARY KEY, data TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS seals (
        key TEXT PRIMARY KEY,            -- 登録番号
        atena_no TEXT NOT NULL,
        card_no TEXT NOT NULL,
        active INTEGER NOT NULL,
        data TEXT NOT NULL
    )""",
    # keyed by "宛名番号:年度", clustered on that key: a person's years are one key range
    """CREATE TABLE IF NOT EXISTS tax (
        key TEXT PRIMARY KEY,            -- 宛名番号:年度
        atena_no TEXT NOT NULL,
        tax_year INTEGER NOT NULL,
        data TEXT NOT NULL
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS support_measures (key TEXT PRIMARY KEY, data TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS support_measure_persons (
        measure_id TEXT NOT NULL,
        atena_no TEXT NOT NULL,
        role TEXT NOT NULL,              -- protected | perpetrator
        PRIMARY KEY (measure_id, atena_no, role)
    )""",
    """CREATE TABLE IF NOT EXISTS suppressions (
        key TEXT PRIMARY KEY,
        atena_no TEXT,
        household_no TEXT,
        data TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS staff (key TEXT PRIMARY KEY, data TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS municipality (key TEXT PRIMARY KEY, data TEXT NOT NULL)""",
    # distinct address keys, with a trigram full-text index for "contains" address search
    """CREATE TABLE IF NOT EXISTS address_keys (key TEXT PRIMARY KEY)""",
    """CREATE VIRTUAL TABLE IF NOT EXISTS address_index USING fts5(address_key, tokenize = 'trigram')""",
    """CREATE TRIGGER IF NOT EXISTS address_keys_ai AFTER INSERT ON address_keys BEGIN
        INSERT INTO address_index (rowid, address_key) VALUES (new.rowid, new.key);
    END""",
    """CREATE TABLE IF NOT EXISTS other_records (
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (kind, key)
    )""",
)

# Search indexes carry (kana_key, key) so that matching, ordering and LIMIT run on the index
# alone; only the page of hits is then read from the table.
INDEXES = (
    "CREATE INDEX IF NOT EXISTS ix_residents_kana ON resident_keys (kana_key, key)",
    "CREATE INDEX IF NOT EXISTS ix_residents_given ON resident_keys (given_kana_key, kana_key, key)",
    "CREATE INDEX IF NOT EXISTS ix_residents_name ON resident_keys (name_key, kana_key, key)",
    # most residents have no 通称: a partial index (the search names the condition)
    "CREATE INDEX IF NOT EXISTS ix_residents_alias ON resident_keys (alias_key, kana_key, key) WHERE alias_key != ''",
    "CREATE INDEX IF NOT EXISTS ix_residents_address ON resident_keys (address_key, kana_key, key)",
    "CREATE INDEX IF NOT EXISTS ix_residents_birth ON resident_keys (birth, kana_key, key)",
    "CREATE INDEX IF NOT EXISTS ix_residents_household ON resident_keys (household_no)",
    "CREATE INDEX IF NOT EXISTS ix_seals_atena ON seals (atena_no)",
    "CREATE INDEX IF NOT EXISTS ix_seals_card ON seals (card_no)",
    "CREATE INDEX IF NOT EXISTS ix_smp_atena ON support_measure_persons (atena_no)",
    "CREATE INDEX IF NOT EXISTS ix_supp_atena ON suppressions (atena_no)",
    "CREATE INDEX IF NOT EXISTS ix_supp_household ON suppressions (household_no)",
)

# kind → table holding it (kinds not listed go to other_records)
KIND_TABLES = {
    "resident": "residents",
    "household": "households",
    "seal": "seals",
    "tax": "tax",
    "support_measure": "support_measures",
    "suppression": "suppressions",
    "staff": "staff",
    "municipality": "municipality",
}
ALL_KINDS = tuple(KIND_TABLES)


def create_tables(conn: Connection) -> None:
    for ddl in TABLES:
        conn.exec_driver_sql(ddl)


def create_index_ddl(conn: Connection) -> None:
    for ddl in INDEXES:
        conn.exec_driver_sql(ddl)


def fill_address_keys(conn: Connection) -> None:
    conn.exec_driver_sql("INSERT OR IGNORE INTO address_keys (key) SELECT DISTINCT address_key FROM resident_keys")


def _index_table(ddl: str) -> str:
    return ddl.split(" ON ", 1)[1].split(" (", 1)[0].strip()


def create_kind_indexes(conn: Connection, kind: str) -> None:
    """The indexes of one kind's tables (a snapshot builds them as soon as that kind is complete,
    while the next kind's pages are still being fetched); residents also fill the address index."""
    table = KIND_TABLES.get(kind)
    tables = {"resident_keys"} if table == "residents" else {table, "support_measure_persons"} \
        if table == "support_measures" else {table}
    for ddl in INDEXES:
        if _index_table(ddl) in tables:
            conn.exec_driver_sql(ddl)
    if table == "residents":
        fill_address_keys(conn)


def create_indexes(conn: Connection) -> None:
    """Create the indexes (idempotent) and fill the distinct-address index from the residents."""
    create_index_ddl(conn)
    fill_address_keys(conn)
