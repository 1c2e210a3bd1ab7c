"""SQLCipher through SQLAlchemy with raw keys: encryption, and each bad-file case told apart."""

from __future__ import annotations

import os
import secrets
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from client.local.secure_db import (
    CorruptDatabaseError,
    DatabaseFileMissingError,
    DiskFullError,
    MissingKeyError,
    PlaintextDatabaseError,
    WrongKeyError,
    classify_error,
    kcv_path,
    open_encrypted,
    remove_database,
)

SECRET = "山田太郎ヤマダタロウ"


def _make(path: Path, key: bytes, rows: int = 500) -> None:
    engine = open_encrypted(path, key, create=True)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT)"))
        for i in range(rows):
            conn.execute(text("INSERT INTO people (name) VALUES (:n)"), {"n": f"{SECRET}{i}"})
    engine.dispose()


def test_roundtrip_and_no_plaintext_on_disk(tmp_path: Path) -> None:
    key = secrets.token_bytes(32)
    path = tmp_path / "a.db"
    _make(path, key)
    engine = open_encrypted(path, key)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM people")).scalar() == 500
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()
    raw = path.read_bytes()
    assert not raw.startswith(b"SQLite format 3")
    assert SECRET.encode() not in raw and "ヤマダ".encode() not in raw
    # the stdlib sqlite3 cannot read it
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(path).execute("SELECT * FROM sqlite_master").fetchall()


def test_wrong_key_is_reported_as_such(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    _make(path, secrets.token_bytes(32))
    with pytest.raises(WrongKeyError) as info:
        open_encrypted(path, secrets.token_bytes(32))
    assert "暗号鍵" in info.value.message_ja


def test_wrong_key_without_sidecar_uses_page_hmacs(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    _make(path, secrets.token_bytes(32))
    kcv_path(path).unlink()
    with pytest.raises(WrongKeyError):
        open_encrypted(path, secrets.token_bytes(32))


def test_truncated_file_is_corrupt(tmp_path: Path) -> None:
    key = secrets.token_bytes(32)
    path = tmp_path / "a.db"
    _make(path, key)
    with open(path, "r+b") as fh:
        fh.truncate(os.path.getsize(path) - 1000)
    with pytest.raises(CorruptDatabaseError):
        open_encrypted(path, key)


def test_garbled_first_page_is_corrupt_not_wrong_key(tmp_path: Path) -> None:
    key = secrets.token_bytes(32)
    path = tmp_path / "a.db"
    _make(path, key)
    data = bytearray(path.read_bytes())
    data[200:260] = secrets.token_bytes(60)
    path.write_bytes(bytes(data))
    with pytest.raises(CorruptDatabaseError):
        open_encrypted(path, key)


def test_garbled_inner_page_is_found_when_read(tmp_path: Path) -> None:
    key = secrets.token_bytes(32)
    path = tmp_path / "a.db"
    _make(path, key, rows=3000)
    data = bytearray(path.read_bytes())
    data[4096 * 5 + 100 : 4096 * 5 + 200] = secrets.token_bytes(100)
    path.write_bytes(bytes(data))
    engine = open_encrypted(path, key)  # page 1 is fine
    with pytest.raises(DBAPIError) as info, engine.connect() as conn:
        conn.execute(text("SELECT name FROM people")).fetchall()
    err = classify_error(info.value, path, key)
    assert isinstance(err, CorruptDatabaseError)
    engine.dispose()


def test_plaintext_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "plain.db"
    sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(PlaintextDatabaseError):
        open_encrypted(path, secrets.token_bytes(32))


def test_missing_file_and_bad_key_length(tmp_path: Path) -> None:
    with pytest.raises(DatabaseFileMissingError):
        open_encrypted(tmp_path / "none.db", secrets.token_bytes(32))
    assert not (tmp_path / "none.db").exists()
    with pytest.raises(MissingKeyError):
        open_encrypted(tmp_path / "none.db", b"short", create=True)


def test_disk_full_is_a_specific_error_and_keeps_committed_data(tmp_path: Path) -> None:
    key = secrets.token_bytes(32)
    path = tmp_path / "a.db"
    _make(path, key, rows=10)
    engine = open_encrypted(path, key)
    with engine.connect() as conn:
        pages = conn.execute(text("PRAGMA page_count")).scalar()
    with pytest.raises(DBAPIError) as info, engine.begin() as conn:
        conn.exec_driver_sql(f"PRAGMA max_page_count = {pages + 2}")
        for _ in range(200):
            conn.execute(text("INSERT INTO people (name) VALUES (:n)"), {"n": "x" * 3000})
    assert isinstance(classify_error(info.value, path, key), DiskFullError)
    engine.dispose()
    engine = open_encrypted(path, key)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM people")).scalar() == 10
    engine.dispose()


def test_remove_database_removes_sidecars(tmp_path: Path) -> None:
    key = secrets.token_bytes(32)
    path = tmp_path / "a.db"
    _make(path, key)
    remove_database(path)
    assert list(tmp_path.iterdir()) == []


def test_check_integrity_reads_every_page(tmp_path: Path) -> None:
    from client.local.secure_db import check_integrity

    key = secrets.token_bytes(32)
    path = tmp_path / "a.db"
    _make(path, key, rows=3000)
    check_integrity(path, key)
    data = bytearray(path.read_bytes())
    data[4096 * 7 + 50 : 4096 * 7 + 90] = secrets.token_bytes(40)
    path.write_bytes(bytes(data))
    open_encrypted(path, key).dispose()  # page 1 still opens
    with pytest.raises(CorruptDatabaseError):
        check_integrity(path, key)


def test_new_files_use_cipher_profile_2_and_say_so_in_the_sidecar(tmp_path: Path) -> None:
    from client.local.secure_db import cipher_profile

    key = secrets.token_bytes(32)
    path = tmp_path / "p2.db"
    _make(path, key)
    assert cipher_profile(path) == 2 and kcv_path(path).read_bytes().endswith(b"p2")
    engine = open_encrypted(path, key)
    with engine.connect() as conn:
        assert int(conn.execute(text("PRAGMA cipher_page_size")).scalar()) == 16384
        assert conn.execute(text("SELECT count(*) FROM people")).scalar() == 500
    engine.dispose()


def test_profile_1_files_made_before_profile_2_still_open(tmp_path: Path) -> None:
    """An outbox written by an earlier version (SQLCipher defaults, 16-byte sidecar) must stay
    readable: it may hold BCP issuances not yet synced."""
    from sqlcipher3 import dbapi2

    from client.local.secure_db import cipher_profile, key_check_value

    key = secrets.token_bytes(32)
    path = tmp_path / "old.db"
    conn = dbapi2.connect(str(path), isolation_level=None)
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    conn.execute("CREATE TABLE t (v TEXT)")
    conn.execute("INSERT INTO t VALUES (?)", (SECRET,))
    conn.close()
    kcv_path(path).write_bytes(key_check_value(key))
    assert cipher_profile(path) == 1
    engine = open_encrypted(path, key)
    with engine.connect() as conn2:
        assert conn2.execute(text("SELECT v FROM t")).scalar() == SECRET
        assert int(conn2.execute(text("PRAGMA cipher_page_size")).scalar()) == 4096
    engine.dispose()
    with pytest.raises(WrongKeyError):
        open_encrypted(path, secrets.token_bytes(32))


def test_a_lost_sidecar_is_rewritten_with_the_profile_that_reads_the_file(tmp_path: Path) -> None:
    from client.local.secure_db import cipher_profile

    key = secrets.token_bytes(32)
    path = tmp_path / "a.db"
    _make(path, key)
    kcv_path(path).unlink()
    engine = open_encrypted(path, key)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM people")).scalar() == 500
    engine.dispose()
    assert cipher_profile(path) == 2
    kcv_path(path).unlink()
    with pytest.raises(WrongKeyError):
        open_encrypted(path, secrets.token_bytes(32))
    assert not kcv_path(path).exists()  # nothing is written for a key that reads nothing


def test_a_sidecar_naming_an_unknown_profile_is_reported_not_guessed(tmp_path: Path) -> None:
    from client.local.secure_db import key_check_value

    key = secrets.token_bytes(32)
    path = tmp_path / "a.db"
    _make(path, key)
    kcv_path(path).write_bytes(key_check_value(key) + b"p9")
    with pytest.raises(CorruptDatabaseError, match="unknown cipher profile"):
        open_encrypted(path, key)
