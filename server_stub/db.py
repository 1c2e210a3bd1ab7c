"""Engine and sessions for SQLite (WAL, busy_timeout, BEGIN IMMEDIATE for writers) and PostgreSQL.

Write transactions that allocate numbers (serials, change sequence, access-log chain) must start
with :func:`begin_write`: on SQLite it issues ``BEGIN IMMEDIATE`` so two processes never both read
the same counter; on PostgreSQL the counters are taken with ``UPDATE ... RETURNING`` (a row lock).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

IMMEDIATE_OPTION = "mdg_sqlite_immediate"
SQLITE_BUSY_TIMEOUT_MS = 30_000


def is_sqlite(engine_or_url: Engine | str) -> bool:
    url = engine_or_url if isinstance(engine_or_url, str) else str(engine_or_url.url)
    return url.startswith("sqlite")


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    """Create an engine with the per-backend settings this service relies on."""
    if is_sqlite(url):
        engine = create_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
            pool_size=pool_size,
            max_overflow=20,
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_size=pool_size, max_overflow=20, pool_pre_ping=True)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control away from pysqlite so that we can emit BEGIN IMMEDIATE.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get(IMMEDIATE_OPTION):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions that seal the access-log entries they accepted after each commit (server_stub.audit.chain)."""
    from server_stub.audit.writer import install

    factory = sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)
    install(factory)
    return factory


def begin_write(session: Session) -> None:
    """Start the session's transaction as a writer (BEGIN IMMEDIATE on SQLite).

    Must be the first database use of the transaction; read work done before must be committed
    or rolled back first.
    """
    if session.in_transaction():
        session.commit()
    session.connection(execution_options={IMMEDIATE_OPTION: True})


@contextmanager
def write_session(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose single transaction is a writer; commits on success, rolls back on error."""
    with factory() as session:
        begin_write(session)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
