"""SQLCipher databases through SQLAlchemy, opened with a raw 256-bit key.

Shared by the replica and the outbox. ``open_encrypted(path, key)`` returns an Engine whose
every new connection sets ``PRAGMA key = "x'…'"``, WAL and foreign keys, and probes the file
right away so a bad file is reported as one specific error:

* ``PlaintextDatabaseError`` — the file is an unencrypted SQLite database (refused),
* ``WrongKeyError`` — the key does not open the file (every page fails its HMAC, or the
  key-check sidecar disagrees),
* ``CorruptDatabaseError`` — the file is damaged (truncated, some pages fail their HMAC),
* ``DatabaseFileMissingError`` — the file does not exist and ``create`` was not asked for,
* ``DiskFullError`` — the disk (or the page limit) is full while writing.

A small sidecar ``<file>.kcv`` holds HMAC-SHA256(key, label): it tells a wrong key from a
damaged file without decrypting anything, and reveals nothing about the key. It also names the
file's cipher profile (page size and HMAC algorithm, which must be set before the first read):

* profile 1 — SQLCipher 4 defaults: 4 KB pages, HMAC-SHA512 (files made before profile 2; a
  16-byte sidecar);
* profile 2 — 16 KB pages, HMAC-SHA256: a quarter of the per-page cipher and HMAC set-up work,
  and SHA-256 runs on this CPU's SHA extensions. Loading the 400,000-resident replica costs
  about a sixth less CPU than profile 1, index builds a quarter less. New files get profile 2.

A file whose sidecar is missing is opened with whichever profile reads it, and the sidecar is
written again.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlcipher3 import dbapi2

from client.fileswap.ops import replace_file
from client.local.keystore import LocalDataError, MissingKeyError

__all__ = [
    "CorruptDatabaseError",
    "DatabaseFileMissingError",
    "DiskFullError",
    "MissingKeyError",
    "PlaintextDatabaseError",
    "WrongKeyError",
    "classify_error",
    "key_check_value",
    "open_encrypted",
    "raw_connect",
]

SQLITE_HEADER = b"SQLite format 3\x00"
PAGE_SIZE = 4096  # every profile's page size is a multiple of this
# Page cache per connection, in pages: 16 MB with 4 KB pages (profile 1), 64 MB with 16 KB pages
# (profile 2) -- the same number of pages stays decrypted whatever the page size.
CACHE_PAGES = 4096
_KCV_LABEL = b"madoguchi-sqlcipher-key-check-v1"


class WrongKeyError(LocalDataError):
    default_ja = "暗号鍵が一致しないため、端末のデータベースを開けません。"


class CorruptDatabaseError(LocalDataError):
    default_ja = "端末のデータベースファイルが破損しています。"


class PlaintextDatabaseError(LocalDataError):
    default_ja = "端末のデータベースが暗号化されていないため、使用できません。"


class DatabaseFileMissingError(LocalDataError):
    default_ja = "端末のデータベースファイルが見つかりません。"


class DiskFullError(LocalDataError):
    default_ja = "ディスクの空き容量が不足しています。不要なファイルを削除してから再度実行してください。"


# profile → (page size, pragmas after the key); the sidecar's bytes after the key-check value name it
PROFILES: dict[int, tuple[int, tuple[str, ...]]] = {
    1: (4096, ()),
    2: (16384, ("PRAGMA cipher_page_size = 16384", "PRAGMA cipher_hmac_algorithm = HMAC_SHA256")),
}
NEW_PROFILE = 2


def key_check_value(key: bytes) -> bytes:
    return hmac.new(key, _KCV_LABEL, hashlib.sha256).digest()[:16]


def kcv_path(path: Path) -> Path:
    return path.with_name(path.name + ".kcv")


def _write_kcv(path: Path, key: bytes, profile: int) -> None:
    tmp = kcv_path(path).with_suffix(".kcv-tmp")
    tmp.write_bytes(key_check_value(key) + (b"" if profile == 1 else b"p%d" % profile))
    replace_file(tmp, kcv_path(path))  # Windows: waits out a reader's brief open


def _read_kcv(path: Path) -> tuple[bytes, int] | None:
    """(key-check value, profile) from the sidecar, or None if there is none (or it is unreadable)."""
    try:
        data = kcv_path(path).read_bytes()
    except OSError:
        return None
    tail = data[16:]
    if tail == b"":
        return data, 1
    if tail.startswith(b"p") and tail[1:].isdigit() and int(tail[1:]) in PROFILES:
        return data[:16], int(tail[1:])
    return data[:16], 0  # an unknown profile: nothing opens it with certainty


def cipher_profile(path: Path) -> int | None:
    """The file's cipher profile as its sidecar records it (None: no sidecar)."""
    found = _read_kcv(Path(path))
    return found[1] if found is not None else None


def _check_key(key: bytes) -> None:
    if not isinstance(key, bytes | bytearray) or len(key) != 32:
        raise MissingKeyError(message_en="a SQLCipher raw key must be 32 bytes")


def raw_connect(path: Path, key: bytes, *, timeout: float = 30.0, profile: int | None = None) -> dbapi2.Connection:
    """A plain sqlcipher3 connection with the key and the file's cipher profile applied (from
    its sidecar unless ``profile`` is given; without a sidecar, profile 1)."""
    _check_key(key)
    if profile is None:
        profile = cipher_profile(Path(path)) or 1
    conn = dbapi2.connect(str(path), timeout=timeout, check_same_thread=False, isolation_level=None)
    conn.execute(f"PRAGMA key = \"x'{bytes(key).hex()}'\"")
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
    except dbapi2.DatabaseError:
        pass
    for pragma in PROFILES.get(profile, PROFILES[1])[1]:
        conn.execute(pragma)
    return conn


def _apply_pragmas(conn: dbapi2.Connection, journal_mode: str = "WAL") -> None:
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 30000")
    mode = conn.execute(f"PRAGMA journal_mode = {journal_mode}").fetchone()
    if mode is None or str(mode[0]).lower() != journal_mode.lower():
        raise CorruptDatabaseError(message_en=f"cannot switch journal to {journal_mode} (got {mode!r})")
    conn.execute("PRAGMA synchronous = NORMAL")
    # Decrypting a page costs more than reading it from the OS cache: keep more pages decrypted.
    conn.execute(f"PRAGMA cache_size = {CACHE_PAGES}")


def _diagnose(path: Path, key: bytes) -> LocalDataError:
    """Tell a wrong key from a damaged file, as far as the file allows."""
    found = _read_kcv(path)
    if found is not None:
        if not hmac.compare_digest(found[0], key_check_value(key)):
            return WrongKeyError(message_en=f"the key does not match {path.name} (key-check value differs)")
        if found[1] == 0:
            return CorruptDatabaseError(message_en=f"{path.name}: its key-check sidecar names an unknown cipher profile")
    size = path.stat().st_size
    if size % PAGE_SIZE != 0:
        return CorruptDatabaseError(message_en=f"{path.name} is truncated or damaged (size {size} is not a page multiple)")
    try:
        conn = raw_connect(path, key)
        try:
            failures = conn.execute("PRAGMA cipher_integrity_check").fetchall()
        finally:
            conn.close()
    except dbapi2.DatabaseError as exc:
        return CorruptDatabaseError(message_en=f"{path.name} cannot be read: {exc}")
    page_size = PROFILES[found[1]][0] if found is not None else PAGE_SIZE
    pages = max(1, size // page_size)
    if found is not None:
        return CorruptDatabaseError(message_en=f"{path.name} is damaged ({len(failures)} of {pages} pages fail)")
    if len(failures) >= pages:
        return WrongKeyError(message_en=f"the key does not open {path.name} (all {pages} pages fail their HMAC)")
    return CorruptDatabaseError(message_en=f"{path.name} is damaged ({len(failures)} of {pages} pages fail)")


def probe(path: Path, key: bytes, journal_mode: str = "WAL") -> None:
    """Open and read the schema once; raise the specific error if that fails."""
    header = b""
    if path.exists():
        with open(path, "rb") as fh:
            header = fh.read(len(SQLITE_HEADER))
    if header == SQLITE_HEADER:
        raise PlaintextDatabaseError(message_en=f"{path.name} is a plain (unencrypted) SQLite database")
    if path.exists() and path.stat().st_size % PAGE_SIZE != 0:
        raise _diagnose(path, key)
    if cipher_profile(path) is None and path.exists():
        _recover_sidecar(path, key)
    try:
        conn = raw_connect(path, key)
    except dbapi2.DatabaseError as exc:
        raise CorruptDatabaseError(message_en=f"{path.name} cannot be opened: {exc}") from exc
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        _apply_pragmas(conn, journal_mode)
    except dbapi2.DatabaseError as exc:
        conn.close()
        raise _diagnose(path, key) from exc
    conn.close()


def _recover_sidecar(path: Path, key: bytes) -> None:
    """A file without its sidecar: find the profile that reads it and write the sidecar again
    (nothing is written when no profile reads it: the caller then reports the specific error)."""
    for profile in sorted(PROFILES):
        try:
            conn = raw_connect(path, key, profile=profile)
        except dbapi2.DatabaseError:
            continue
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except dbapi2.DatabaseError:
            continue
        finally:
            conn.close()
        _write_kcv(path, key, profile)
        return


def check_integrity(path: Path, key: bytes) -> None:
    """Read every page (HMAC) and the b-tree structure; raise the specific error on damage."""
    probe(path, key)
    conn = raw_connect(path, key)
    try:
        failures = conn.execute("PRAGMA cipher_integrity_check").fetchall()
        if failures:
            raise CorruptDatabaseError(message_en=f"{path.name}: {len(failures)} pages fail their HMAC ({failures[0][0]})")
        result = conn.execute("PRAGMA quick_check").fetchall()
        if result != [("ok",)]:
            raise CorruptDatabaseError(message_en=f"{path.name}: quick_check reports {result[:3]}")
    except dbapi2.DatabaseError as exc:
        raise _diagnose(path, key) from exc
    finally:
        conn.close()


def classify_error(exc: BaseException, path: Path | None = None, key: bytes | None = None) -> LocalDataError | None:
    """Map a database exception met while working to a specific ``LocalDataError`` (or None)."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    if isinstance(orig, LocalDataError):
        return orig
    code = getattr(orig, "sqlite_errorname", "") or ""
    text = str(orig).lower()
    if code == "SQLITE_FULL" or "database or disk is full" in text:
        return DiskFullError(message_en=f"disk full while writing{' ' + path.name if path else ''}: {orig}")
    if code in ("SQLITE_NOTADB", "SQLITE_CORRUPT") or "malformed" in text or "not a database" in text:
        if path is not None and key is not None and path.exists():
            return _diagnose(path, key)
        return CorruptDatabaseError(message_en=f"database damaged: {orig}")
    if code == "SQLITE_IOERR" or "disk i/o error" in text:
        return CorruptDatabaseError(message_en=f"I/O error on the database: {orig}")
    return None


def open_encrypted(
    path: Path,
    key: bytes,
    *,
    create: bool = False,
    on_connect: Callable[[Any], None] | None = None,
    begin_statement: str = "BEGIN",
    journal_mode: str = "WAL",
) -> Engine:
    """An Engine on the SQLCipher file ``path`` keyed with the raw ``key``.

    With ``create`` a missing file is created (and its key-check sidecar written); otherwise a
    missing file is ``DatabaseFileMissingError``. The file is probed before returning.
    ``begin_statement`` may be ``"BEGIN IMMEDIATE"`` for a database with several writers.
    ``journal_mode``: WAL (readers never wait for the writer) except for a file being bulk-loaded
    by one writer, where a rollback journal (``TRUNCATE``) writes every page once instead of twice.
    """
    if journal_mode.upper() not in ("WAL", "TRUNCATE", "DELETE"):
        raise ValueError(f"unsupported journal mode {journal_mode!r}")
    _check_key(key)
    path = Path(path)
    exists = path.exists() and path.stat().st_size > 0
    if not exists:
        if not create:
            raise DatabaseFileMissingError(message_en=f"database file {path} does not exist")
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            path.unlink()
        _write_kcv(path, key, NEW_PROFILE)
    probe(path, key, journal_mode)

    def creator() -> dbapi2.Connection:
        conn = raw_connect(path, key)
        _apply_pragmas(conn, journal_mode)
        return conn

    engine = create_engine("sqlite://", module=dbapi2, creator=creator)

    # Let SQLAlchemy drive transactions explicitly (pysqlite's implicit BEGIN is unreliable).
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        if on_connect is not None:
            on_connect(dbapi_conn)

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql(begin_statement)

    return engine


def remove_database(path: Path) -> None:
    """Delete a database file with its WAL, SHM and key-check sidecars."""
    for suffix in ("", "-wal", "-shm", "-journal", ".kcv"):
        target = path.with_name(path.name + suffix)
        if target.exists():
            target.unlink()
