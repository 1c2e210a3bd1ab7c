"""Bad input and faults: every case gets a specific error in plain words, the previous replica
intact or rebuilt, and the outbox untouched.

Network faults go through a real TCP proxy (tests/faults/proxy.py) in front of the real server.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from client.local.keystore import KeyStore
from client.local.secure_db import CorruptDatabaseError, DiskFullError, MissingKeyError, WrongKeyError
from client.outbox.store import Outbox
from client.remote.errors import GarbledResponseError, LineDownError, TruncatedResponseError
from client.remote.http import DataCentreClient
from client.replica.status import replica_status
from client.replica.store import ReplicaStore
from client.replica.sync import ReplicaSync, SyncHooks
from tests.faults.proxy import FaultProxy
from tests.faults.replica_support import (
    CITY,
    ServerEnv,
    ServerMutator,
    assert_same_state,
    demo_signer,
    replica_state,
    start_env,
)
from tests.keyring_memory import MemoryKeyring


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerEnv]:
    e = start_env(SimpleNamespace(param="sqlite"), tmp_path_factory, residents=300)
    yield e
    e.server.stop()


@pytest.fixture
def proxy(env: ServerEnv) -> Iterator[FaultProxy]:
    p = FaultProxy("127.0.0.1", env.server.port)
    yield p
    p.close()


class Terminal:
    """A terminal's data directory: replica + outbox, keys in the test keyring."""

    def __init__(self, root: Path, backend: MemoryKeyring, url: str, *, timeout: float = 5.0) -> None:
        self.dir = root
        self.keystore = KeyStore(backend)
        self.store = ReplicaStore(root, CITY, self.keystore)
        self.client = DataCentreClient(url, signer=demo_signer(), timeout=timeout, connect_timeout=2.0)
        self.sync = ReplicaSync(self.store, self.client, page_size=100, retries=1)
        root.mkdir(parents=True, exist_ok=True)
        self.outbox_path = root / "outbox.db"
        box = Outbox.open(self.outbox_path, self.keystore.ensure_database_key(f"outbox-{CITY}"))
        box.close()
        self.outbox_digest = self._outbox_digest()

    def _outbox_digest(self) -> str:
        return hashlib.sha256(self.outbox_path.read_bytes()).hexdigest()

    def assert_outbox_untouched(self) -> None:
        assert self._outbox_digest() == self.outbox_digest
        box = Outbox.open(self.outbox_path, self.keystore.database_key(f"outbox-{CITY}"), create=False)
        box.count_pending()
        box.close()


@pytest.fixture
def terminal(env: ServerEnv, tmp_path: Path, memory_keyring: MemoryKeyring) -> Terminal:
    t = Terminal(tmp_path / "client", memory_keyring, env.server.base_url)
    t.sync.bootstrap()
    return t


def _checked_messages(err: Any) -> None:
    assert err.message_ja and err.message_en
    assert any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in err.message_ja)


# -- local files -------------------------------------------------------------------------------


def test_wrong_key_is_told_and_the_replica_rebuilt(env: ServerEnv, terminal: Terminal) -> None:
    terminal.store.close()
    terminal.keystore.create_database_key(f"replica-{CITY}", replace=True)  # keyring now holds another key
    with pytest.raises(WrongKeyError) as info:
        terminal.store.engine()
    _checked_messages(info.value)
    status = replica_status(terminal.store, datetime.now(UTC))
    assert status["state"] == "unusable" and status["error"] == "WrongKeyError"
    result = terminal.sync.pull()
    assert result.action == "repair" and "key" in result.repaired_because
    assert isinstance(terminal.sync.last_error, WrongKeyError)
    assert_same_state(terminal.store, env.db_url)
    terminal.assert_outbox_untouched()


def test_corrupt_replica_file_is_told_and_rebuilt(env: ServerEnv, terminal: Terminal) -> None:
    terminal.store.close()
    path = terminal.store.path
    data = bytearray(path.read_bytes())
    data[100:164] = secrets.token_bytes(64)  # garble page 1
    path.write_bytes(bytes(data))
    with pytest.raises(CorruptDatabaseError) as info:
        terminal.store.engine()
    _checked_messages(info.value)
    result = terminal.sync.pull()
    assert result.action == "repair"
    assert_same_state(terminal.store, env.db_url)
    terminal.assert_outbox_untouched()


def test_truncated_replica_file_is_rebuilt(env: ServerEnv, terminal: Terminal) -> None:
    terminal.store.close()
    with open(terminal.store.path, "r+b") as fh:
        fh.truncate(os.path.getsize(terminal.store.path) // 2 + 123)
    result = terminal.sync.pull()
    assert result.action == "repair" and isinstance(terminal.sync.last_error, CorruptDatabaseError)
    assert_same_state(terminal.store, env.db_url)
    terminal.assert_outbox_untouched()


def test_missing_keyring_entry_is_told_and_the_replica_rebuilt(env: ServerEnv, terminal: Terminal) -> None:
    terminal.store.close()
    terminal.keystore.delete_database_key(f"replica-{CITY}")
    with pytest.raises(MissingKeyError) as info:
        terminal.store.engine()
    _checked_messages(info.value)
    result = terminal.sync.pull()
    assert result.action == "repair" and isinstance(terminal.sync.last_error, MissingKeyError)
    assert terminal.keystore.has_database_key(f"replica-{CITY}")
    assert_same_state(terminal.store, env.db_url)
    terminal.assert_outbox_untouched()


# -- the network -------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["truncate", "garble"])
def test_damaged_change_page_leaves_the_replica_intact(env: ServerEnv, tmp_path: Path, memory_keyring: MemoryKeyring,
                                                        proxy: FaultProxy, mode: str) -> None:
    t = Terminal(tmp_path / "client", memory_keyring, proxy.url)
    t.sync.bootstrap()
    mutator = ServerMutator(env.db_url, seed_value=3)
    mutator.bulk_address_changes(150)  # a big page: gzip-compressed on the wire
    mutator.close()
    before = replica_state(t.store)
    proxy.set_mode(mode)
    with pytest.raises(LineDownError) as info:
        t.sync.pull()
    assert isinstance(info.value, TruncatedResponseError | GarbledResponseError)
    _checked_messages(info.value)
    assert replica_state(t.store) == before
    t.assert_outbox_untouched()
    proxy.set_mode("pass")
    assert t.sync.pull().action == "delta"
    assert_same_state(t.store, env.db_url)


def test_server_going_away_mid_bootstrap_keeps_the_previous_replica(
        env: ServerEnv, tmp_path: Path, memory_keyring: MemoryKeyring, proxy: FaultProxy) -> None:
    t = Terminal(tmp_path / "client", memory_keyring, proxy.url)
    t.sync.bootstrap()
    before = replica_state(t.store)

    class CutAfterTwoPages(SyncHooks):
        def after_commit(self, phase: str, page_no: int) -> None:
            if phase == "snapshot" and page_no == 2:
                proxy.set_mode("cut")

    t.sync.hooks = CutAfterTwoPages()
    with pytest.raises(LineDownError) as info:
        t.sync.bootstrap(fresh=True, reason="test: rebuild")
    _checked_messages(info.value)
    assert replica_state(t.store) == before  # the live replica is still the previous one
    assert t.store.building_path.exists()
    t.assert_outbox_untouched()
    proxy.set_mode("pass")
    t.sync.hooks = SyncHooks()
    result = t.sync.bootstrap()  # resumes the building file
    assert result.pages < 30
    assert_same_state(t.store, env.db_url)


def test_server_going_away_during_first_bootstrap_then_resume(
        env: ServerEnv, tmp_path: Path, memory_keyring: MemoryKeyring, proxy: FaultProxy) -> None:
    t = Terminal(tmp_path / "client", memory_keyring, proxy.url)

    class Cut(SyncHooks):
        def after_commit(self, phase: str, page_no: int) -> None:
            if page_no == 3:
                proxy.set_mode("reset")

    t.sync.hooks = Cut()
    with pytest.raises(LineDownError):
        t.sync.bootstrap()
    assert not t.store.path.exists()
    status = replica_status(t.store, datetime.now(UTC))
    assert status["state"] == "bootstrapping" and status["bootstrap"]["records_done"] == 300
    proxy.set_mode("pass")
    t.sync.hooks = SyncHooks()
    t.sync.pull()  # no replica yet: continues the bootstrap
    assert_same_state(t.store, env.db_url)


def test_half_open_line_times_out_as_line_down(env: ServerEnv, tmp_path: Path, memory_keyring: MemoryKeyring,
                                               proxy: FaultProxy) -> None:
    t = Terminal(tmp_path / "client", memory_keyring, proxy.url, timeout=1.0)
    t.sync.bootstrap()
    before = replica_state(t.store)
    proxy.set_mode("half_open")
    with pytest.raises(LineDownError):
        t.sync.pull()
    assert replica_state(t.store) == before
    t.assert_outbox_untouched()


def test_secondary_endpoint_is_used_when_the_primary_is_cut(env: ServerEnv, tmp_path: Path,
                                                             memory_keyring: MemoryKeyring,
                                                             proxy: FaultProxy) -> None:
    proxy.set_mode("cut")
    client = DataCentreClient(proxy.url, env.server.base_url, signer=demo_signer(), connect_timeout=1.0)
    events: list[tuple[str, bool]] = []
    client.on_line_event = lambda url, ok: events.append((url, ok))
    page = client.replica_changes(0, 3)
    assert len(page["records"]) == 3
    assert events[0] == (proxy.url, False) and events[-1] == (env.server.base_url, True)
    assert client.active_url == env.server.base_url


# -- the disk ----------------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "small"
    mount.mkdir()
    if shutil.which("mount") is None or os.geteuid() != 0:
        pytest.skip("needs root to mount a small tmpfs")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount tmpfs: {done.stderr!r}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_disk_full_during_delta_apply(env: ServerEnv, small_disk: Path, memory_keyring: MemoryKeyring) -> None:
    t = Terminal(small_disk / "client", memory_keyring, env.server.base_url)
    t.sync.bootstrap()
    before = replica_state(t.store)
    filler = small_disk / "filler"
    with open(filler, "wb", buffering=0) as fh:  # fill the disk to the last byte
        for size in (65536, 4096, 512, 1):
            try:
                while True:
                    fh.write(b"\0" * size)
            except OSError:
                pass
    mutator = ServerMutator(env.db_url, seed_value=9)
    mutator.bulk_address_changes(300)
    mutator.close()
    with pytest.raises(DiskFullError) as info:
        t.sync.pull()
    _checked_messages(info.value)
    filler.unlink()
    assert replica_state(t.store) == before  # the page's transaction was rolled back whole
    t.assert_outbox_untouched()
    assert t.sync.pull().action == "delta"
    assert_same_state(t.store, env.db_url)


# -- bad data from the server ------------------------------------------------------------------


def test_my_number_sent_by_mistake_is_never_stored(tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    import json

    from client.replica.apply import apply_records

    store = ReplicaStore(tmp_path, CITY, KeyStore(memory_keyring))
    engine = store.open_building()
    data = {"household_no": "1", "name": "山田\u3000花子", "kana": "ヤマダ ハナコ", "birth": "1990-01-01",
            "address": "東京都桜ヶ丘市", "my_number": "123456789018", "juminhyo_code": "12345678901"}
    page = [{"kind": "resident", "key": "A1", "op": "upsert", "data": json.dumps(data, ensure_ascii=False),
             "index": ["1", "resident", "ヤマダハナコ", "ハナコ", "山田花子", "", "東京都桜ヶ丘市", "1990-01-01"]}]
    with engine.begin() as conn:
        apply_records(conn, page, unique=True)
    with engine.connect() as conn:
        (stored,) = conn.exec_driver_sql("SELECT data FROM residents WHERE key = 'A1'").one()
    engine.dispose()
    assert json.loads(stored)["my_number"] is None and json.loads(stored)["juminhyo_code"] is None
    assert "123456789018" not in stored and "12345678901" not in stored
    store.close()
    assert b"123456789018" not in store.building_path.read_bytes()
