"""Tables of the local replica (one SQLCipher file per municipality).

Each replicated kind keeps the record as received (canonical JSON in ``data``: the checksum is
computed over exactly that text) plus the columns searches and lookups need, indexed.
個人番号 and 住民票コード never arrive here (the server sends None, and the apply step drops
anything else it might send).
"""

from __future__ import annotations

from sqlalchemy import Connection

SCHEMA_VERSION = "3"

TABLES = (
    """CREATE TABLE IF NOT EXISTS meta (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS residents (
        key TEXT PRIMARY KEY,            -- 宛名番号
        household_no TEXT NOT NULL,
        status TEXT NOT NULL,
        kana_key TEXT NOT NULL,          -- kana.name_search_keys(kana)[0]: full name
        given_kana_key TEXT NOT NULL,    -- kana.name_search_keys(kana)[1]: given name only
        name_key TEXT NOT NULL,          -- search_query.name_search_key(氏名)
        alias_key TEXT NOT NULL,         -- 通称 as stored (the server matches it raw)
        address_key TEXT NOT NULL,       -- search_query.address_search_key(住所)
        birth TEXT NOT NULL,             -- PartialDate text, never a DATE
        data TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS households (key TEXT PRIMARY KEY, data TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS seals (
        key TEXT PRIMARY KEY,            -- 登録番号
        atena_no TEXT NOT NULL,
        card_no TEXT NOT NULL,
        active INTEGER NOT NULL,
        data TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS tax (
        key TEXT PRIMARY KEY,            -- 宛名番号:年度
        atena_no TEXT NOT NULL,
        tax_year INTEGER NOT NULL,
        data TEXT NOT NULL
    )""",
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
    "CREATE INDEX IF NOT EXISTS ix_residents_kana ON residents (kana_key, key)",
    "CREATE INDEX IF NOT EXISTS ix_residents_given ON residents (given_kana_key, kana_key, key)",
    "CREATE INDEX IF NOT EXISTS ix_residents_name ON residents (name_key, kana_key, key)",
    "CREATE INDEX IF NOT EXISTS ix_residents_alias ON residents (alias_key, kana_key, key)",
    "CREATE INDEX IF NOT EXISTS ix_residents_address ON residents (address_key, kana_key, key)",
    "CREATE INDEX IF NOT EXISTS ix_residents_birth ON residents (birth, kana_key, key)",
    "CREATE INDEX IF NOT EXISTS ix_residents_household ON residents (household_no)",
    "CREATE INDEX IF NOT EXISTS ix_seals_atena ON seals (atena_no)",
    "CREATE INDEX IF NOT EXISTS ix_seals_card ON seals (card_no)",
    "CREATE INDEX IF NOT EXISTS ix_tax_atena ON tax (atena_no, tax_year)",
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
    conn.exec_driver_sql("INSERT OR IGNORE INTO address_keys (key) SELECT DISTINCT address_key FROM residents")


def create_indexes(conn: Connection) -> None:
    """Create the indexes (idempotent) and fill the distinct-address index from the residents."""
    create_index_ddl(conn)
    fill_address_keys(conn)
