"""kill -9 of the syncing client during bootstrap and during delta apply, then resume.

The client runs in a subprocess (tests/faults/replica_worker.py) against the real server; keys
are shared through a file keyring (test double). After the kill, a fresh sync resumes and the
replica must equal the server row by row.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from client.local.keystore import KeyStore
from client.replica.store import ReplicaStore
from client.replica.sync import ReplicaSync
from tests.faults.replica_support import (
    CITY,
    FileKeyring,
    ServerEnv,
    ServerMutator,
    assert_same_state,
    signed_client,
    start_env,
)

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerEnv]:
    e = start_env(SimpleNamespace(param="sqlite"), tmp_path_factory, residents=300)
    yield e
    e.server.stop()


def _worker(env: ServerEnv, data: Path, action: str, *, kill_at: str | None = None, page_sleep: float = 0.0,
            page_size: int = 100) -> subprocess.Popen[str]:
    cmd = [sys.executable, "-m", "tests.faults.replica_worker", "--data-dir", str(data),
           "--keyring-file", str(data.parent / "keyring.json"), "--server", env.server.base_url,
           "--action", action, "--page-size", str(page_size)]
    if kill_at:
        cmd += ["--kill-at", kill_at]
    if page_sleep:
        cmd += ["--page-sleep", str(page_sleep)]
    envvars = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(cmd, cwd=REPO, env=envvars, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _store(data: Path) -> ReplicaStore:
    return ReplicaStore(data, CITY, KeyStore(FileKeyring(data.parent / "keyring.json")))


def _resume(env: ServerEnv, data: Path, action: str) -> None:
    store = _store(data)
    sync = ReplicaSync(store, signed_client(env.server.base_url), page_size=100)
    result = sync.bootstrap() if action == "bootstrap" else sync.pull()
    assert result.action in ("bootstrap", "delta", "noop")
    assert_same_state(store, env.db_url)
    assert sync.compare_checksums(repair=False).matches
    store.close()


@pytest.mark.parametrize("kill_at", ["snapshot:1:before", "snapshot:3:before", "snapshot:5:after"])
def test_kill_during_bootstrap_then_resume(env: ServerEnv, tmp_path: Path, kill_at: str) -> None:
    data = tmp_path / "client"
    proc = _worker(env, data, "bootstrap", kill_at=kill_at)
    proc.wait(timeout=120)
    assert proc.returncode == -signal.SIGKILL
    assert not (data / f"replica-{CITY}.db").exists()  # no half replica in place
    assert (data / f"replica-{CITY}.building.db").exists()  # the building file to resume
    engine = _store(data).open_building()
    with engine.connect() as conn:  # committed pages are kept: the resume continues from there
        done = int(conn.exec_driver_sql("SELECT value FROM meta WHERE name = 'records_done'").scalar())
    engine.dispose()
    committed_pages = {"snapshot:1:before": 0, "snapshot:3:before": 2, "snapshot:5:after": 5}[kill_at]
    assert done == committed_pages * 100
    mutator = ServerMutator(env.db_url, seed_value=len(kill_at))
    mutator.random_changes(5)  # changes while the client was down: caught up after the snapshot
    mutator.close()
    _resume(env, data, "bootstrap")
    assert not (data / f"replica-{CITY}.building.db").exists()


def test_kill_during_delta_apply_then_resume(env: ServerEnv, tmp_path: Path) -> None:
    data = tmp_path / "client"
    proc = _worker(env, data, "bootstrap")
    proc.wait(timeout=120)
    assert proc.returncode == 0
    mutator = ServerMutator(env.db_url, seed_value=5)
    mutator.random_changes(40)
    mutator.close()
    store = _store(data)
    with store.read() as conn:
        before_seq = int(conn.exec_driver_sql("SELECT value FROM meta WHERE name = 'as_of_seq'").scalar())
    store.close()
    proc = _worker(env, data, "pull", kill_at="delta:2:before", page_size=10)
    proc.wait(timeout=120)
    assert proc.returncode == -signal.SIGKILL
    store = _store(data)
    with store.read() as conn:  # page 1 committed, page 2 rolled back: cursor after page 1
        seq = int(conn.exec_driver_sql("SELECT value FROM meta WHERE name = 'as_of_seq'").scalar())
    store.close()
    assert before_seq < seq < before_seq + 40
    _resume(env, data, "pull")


def test_random_timed_kills_during_bootstrap_converge(env: ServerEnv, tmp_path: Path) -> None:
    data = tmp_path / "client"
    rng = random.Random(20261123)
    kills = 0
    for _ in range(4):
        # ≈ 20 pages of 60 at 0.1 s each: the bootstrap outlasts the kill (the pipeline alone
        # builds this town's replica in well under the 0.4 s a kill may come at)
        proc = _worker(env, data, "bootstrap", page_sleep=0.1, page_size=60)
        time.sleep(rng.uniform(0.4, 1.2))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait(timeout=60)
        if (data / f"replica-{CITY}.db").exists():
            break
    assert kills >= 1
    _resume(env, data, "bootstrap")
