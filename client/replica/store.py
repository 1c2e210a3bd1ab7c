"""The replica files of one municipality: the live replica and the one being built.

``replica-<code>.db`` is the live replica (later generations ``replica-<code>.g<N>.db``, named by
the pointer ``replica-<code>.db.current``); a bootstrap (first one, or a repair) builds
``replica-<code>.building.db`` and, once complete, swaps it in as a new generation
(:mod:`client.fileswap.generations`: no rename over a file that may be open, which Windows
refuses), so a killed bootstrap never leaves a half replica in place and resumes on the same
building file.
Both are SQLCipher files keyed with the raw key ``replica-<code>`` from the keyring.
The outbox lives in another file under another key: nothing here touches it.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from client.fileswap.generations import Generations
from client.fileswap.ops import FileOps, OsFileOps
from client.local.keystore import KeyStore, LocalDataError, MissingKeyError
from client.local.secure_db import (
    CorruptDatabaseError,
    DatabaseFileMissingError,
    classify_error,
    open_encrypted,
    raw_connect,
    remove_database,
)
from client.replica.schema import SCHEMA_VERSION, create_indexes, create_tables

log = logging.getLogger(__name__)

STATE_BUILDING = "building"
STATE_READY = "ready"


class ReplicaNotReadyError(LocalDataError):
    default_ja = "この端末にはまだ住民データの複製がありません。同期(初回取得)を実行してください。"


def replica_key_name(code: str) -> str:
    return f"replica-{code}"


def get_meta(conn: Connection, name: str, default: str | None = None) -> str | None:
    row = conn.exec_driver_sql("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
    return str(row[0]) if row is not None else default


def set_meta(conn: Connection, **values: object) -> None:
    conn.exec_driver_sql(
        "INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)",
        [(k, "" if v is None else str(v)) for k, v in values.items()],
    )


# The building file is loaded by one writer: a rollback journal writes each page once (WAL would
# write it to the log and again at the checkpoint). The live replica is WAL.
BUILDING_JOURNAL = "TRUNCATE"


def _bulk_load_pragmas(dbapi_conn: object) -> None:
    """For the building file only: a kill -9 keeps committed pages (the OS has them) and an
    interrupted page transaction is rolled back from the journal at the next open; a power cut
    may damage the file, which the next bootstrap detects and starts over. The live replica keeps
    synchronous=NORMAL."""
    dbapi_conn.execute("PRAGMA synchronous = OFF")  # type: ignore[attr-defined]
    dbapi_conn.execute("PRAGMA wal_autocheckpoint = 20000")  # type: ignore[attr-defined]
    dbapi_conn.execute("PRAGMA cache_size = -65536")  # type: ignore[attr-defined]


class ReplicaStore:
    """Opens, builds and swaps the replica files of one municipality."""

    def __init__(self, data_dir: Path, municipality_code: str, keystore: KeyStore, *,
                 file_ops: FileOps | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.code = municipality_code
        self.keystore = keystore
        self.file_ops = file_ops or OsFileOps()
        self.generations = Generations(self.data_dir / f"replica-{municipality_code}.db", ops=self.file_ops)
        self.building_path = self.data_dir / f"replica-{municipality_code}.building.db"
        self._engine: Engine | None = None
        self._lock = threading.RLock()

    @property
    def path(self) -> Path:
        """The live replica file (the current generation)."""
        return self.generations.current()

    # -- keys --------------------------------------------------------------------------------

    def key(self, *, create: bool = False) -> bytes:
        name = replica_key_name(self.code)
        if create:
            return self.keystore.ensure_database_key(name)
        return self.keystore.database_key(name)

    # -- the live replica --------------------------------------------------------------------

    def exists(self) -> bool:
        return self.path.exists()

    def engine(self) -> Engine:
        """The live replica's engine (opened on first use). Raises the specific error if unusable."""
        with self._lock:
            if self._engine is None:
                self.finish_pending_swap()
                self.generations.collect()  # generations left open by an earlier swap
                if not self.path.exists():
                    raise ReplicaNotReadyError(message_en=f"no replica file for {self.code} at {self.path}")
                engine = open_encrypted(self.path, self.key())
                try:
                    with engine.connect() as conn:
                        state = get_meta(conn, "state")
                        version = get_meta(conn, "schema_version")
                except DBAPIError as exc:
                    engine.dispose()
                    raise (classify_error(exc, self.path, self.key())
                           or CorruptDatabaseError(message_en=f"replica unreadable: {exc}")) from exc
                if state != STATE_READY:
                    engine.dispose()
                    raise CorruptDatabaseError(message_en=f"replica {self.path.name} is not in the ready state ({state!r})")
                if version != SCHEMA_VERSION:
                    engine.dispose()
                    raise CorruptDatabaseError(
                        "端末の住民データの形式が古いため、作り直します。",
                        f"replica {self.path.name} has schema {version!r}, this version needs {SCHEMA_VERSION}")
                self._engine = engine
            return self._engine

    @contextlib.contextmanager
    def read(self) -> Iterator[Connection]:
        engine = self.engine()
        try:
            with engine.connect() as conn:
                yield conn
        except DBAPIError as exc:
            err = classify_error(exc, self.path, self.key())
            if err is not None:
                raise err from exc
            raise

    @contextlib.contextmanager
    def write(self) -> Iterator[Connection]:
        """One transaction on the live replica; rolled back as a whole on any error."""
        engine = self.engine()
        try:
            with engine.begin() as conn:
                yield conn
        except DBAPIError as exc:
            err = classify_error(exc, self.path, self.key())
            if err is not None:
                raise err from exc
            raise

    def close(self) -> None:
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None

    def discard_live(self) -> None:
        """Remove the live replica (unreadable: wrong key, corrupt); the next sync rebuilds it."""
        with self._lock:
            self.close()
            remove_database(self.path)

    # -- building a new replica --------------------------------------------------------------

    def open_building(self, *, fresh: bool = False) -> Engine:
        """The building file's engine, created if absent (or if ``fresh``, or if unreadable)."""
        key = self.key(create=True)
        if fresh:
            remove_database(self.building_path)
        try:
            engine = open_encrypted(self.building_path, key, create=True, on_connect=_bulk_load_pragmas,
                                    journal_mode=BUILDING_JOURNAL)
            with engine.begin() as conn:
                create_tables(conn)
                if get_meta(conn, "state") is None:
                    # Indexes are built once at the end (finalize_building): sorting once is far
                    # cheaper than maintaining them row by row across a large snapshot.
                    set_meta(conn, state=STATE_BUILDING, municipality_code=self.code, schema_version=SCHEMA_VERSION,
                             snapshot_cursor="", snapshot_done=0, records_done=0)
            return engine
        except (LocalDataError, DBAPIError) as exc:
            if fresh:
                raise
            log.warning("building replica %s unusable (%s); starting over", self.building_path.name, exc)
            return self.open_building(fresh=True)

    def finalize_building(self, engine: Engine, *, as_of: datetime | None = None) -> None:
        with engine.begin() as conn:
            create_indexes(conn)
            set_meta(conn, state=STATE_READY)
        engine.dispose()
        self.swap_in_building()

    def building_progress(self) -> dict[str, int | None] | None:
        """Records done / expected of a bootstrap in progress (read only), or None."""
        if not self.building_path.exists():
            return None
        engine = open_encrypted(self.building_path, self.key(), journal_mode=BUILDING_JOURNAL)
        try:
            with engine.connect() as conn:
                return {"records_done": int(get_meta(conn, "records_done") or 0),
                        "total": int(get_meta(conn, "snapshot_total") or 0) or None}
        finally:
            engine.dispose()

    def building_state(self) -> str | None:
        if not self.building_path.exists():
            return None
        try:
            engine = open_encrypted(self.building_path, self.key(), journal_mode=BUILDING_JOURNAL)
        except (LocalDataError, DatabaseFileMissingError):
            return None
        try:
            with engine.connect() as conn:
                return get_meta(conn, "state")
        except DBAPIError:
            return None
        finally:
            engine.dispose()

    def finish_pending_swap(self) -> None:
        """A kill between 'building complete' and the swap: complete the swap now."""
        with contextlib.suppress(MissingKeyError):
            if self.building_state() == STATE_READY:
                self.swap_in_building()

    def swap_in_building(self) -> None:
        """The complete building file becomes the next generation; the old one is deleted once
        nothing holds it open. Nothing is renamed over, or deleted while, open (Windows)."""
        with self._lock:
            self.close()
            # a WAL left by an older build is checkpointed; a rollback journal left by an
            # interrupted transaction is rolled back by the first read
            conn = raw_connect(self.building_path, self.key())
            try:
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
                if self.building_path.with_name(self.building_path.name + "-wal").exists():
                    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                conn.close()
            for suffix in ("-wal", "-shm", "-journal"):
                leftover = self.building_path.with_name(self.building_path.name + suffix)
                if leftover.exists():
                    self.file_ops.remove(leftover)  # closed above: nothing holds it
            live = self.generations.install(self.building_path)  # with its .kcv sidecar
            log.info("replica %s swapped in", live.name)
