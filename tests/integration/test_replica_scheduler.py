"""The APScheduler replica job against the real server: periodic pulls, errors to the callback."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from client.remote.errors import LineDownError
from client.remote.http import DataCentreClient
from client.replica.scheduler import ReplicaScheduler
from client.replica.sync import ReplicaSync, SyncResult
from tests.faults.proxy import FaultProxy
from tests.faults.replica_support import (
    ServerEnv,
    ServerMutator,
    assert_same_state,
    demo_signer,
    new_store,
    start_env,
)
from tests.keyring_memory import MemoryKeyring


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerEnv]:
    e = start_env(SimpleNamespace(param="sqlite"), tmp_path_factory, residents=100)
    yield e
    e.server.stop()


def _wait(cond: threading.Event, timeout: float = 15.0) -> None:
    assert cond.wait(timeout), "the scheduled job did not report in time"


def test_scheduled_pulls_apply_changes_and_report_line_errors(env: ServerEnv, tmp_path: Path,
                                                              memory_keyring: MemoryKeyring) -> None:
    proxy = FaultProxy("127.0.0.1", env.server.port)
    store = new_store(tmp_path / "client", memory_keyring)
    client = DataCentreClient(proxy.url, signer=demo_signer(), timeout=3.0, connect_timeout=1.0)
    sync = ReplicaSync(store, client)
    results: list[SyncResult] = []
    errors: list[BaseException] = []
    got_delta, got_error = threading.Event(), threading.Event()
    worker_threads: set[str] = set()

    def on_result(code: str, result: SyncResult) -> None:
        worker_threads.add(threading.current_thread().name)
        results.append(result)
        if result.action == "delta":
            got_delta.set()

    def on_error(code: str, exc: BaseException) -> None:
        errors.append(exc)
        got_error.set()

    scheduler = ReplicaScheduler([sync], interval_seconds=1, on_result=on_result, on_error=on_error)
    scheduler.start()
    try:
        deadline = time.monotonic() + 20
        while not results and time.monotonic() < deadline:  # first run: the bootstrap
            time.sleep(0.05)
        assert results and results[0].action == "bootstrap"
        mutator = ServerMutator(env.db_url)
        mutator.random_changes(3)
        mutator.close()
        _wait(got_delta)
        assert_same_state(store, env.db_url)
        assert threading.current_thread().name not in worker_threads  # never on the caller's thread
        proxy.set_mode("cut")
        _wait(got_error)
        assert isinstance(errors[0], LineDownError)
        proxy.set_mode("pass")
        scheduler.set_interval(2)
    finally:
        scheduler.shutdown()
        proxy.close()
        store.close()
