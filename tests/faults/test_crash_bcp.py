"""kill -9 at random points during BCP issuance and during sync back: afterwards the terminal and
the server agree exactly — every issuance stored once, every serial used once, the log intact.

The default run kills ``MADOGUCHI_CRASH_TRIALS`` times per phase (default 12 + 10 ≥ 20);
``./run bench --soak`` sets 100 + 100.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from client.local.keystore import KeyStore
from client.outbox.push import OutboxPusher
from client.outbox.store import serials_used
from server_stub.db import make_engine
from server_stub.migrate import upgrade
from server_stub.models import Issuance, IssuedCopy
from tests.faults.replica_support import FileKeyring
from tests.integration.bcp_env import Terminal, login, now_utc, plain_subjects, seed

REPO = Path(__file__).resolve().parents[2]
ISSUE_TRIALS = int(os.environ.get("MADOGUCHI_CRASH_TRIALS_ISSUE", "12"))
PUSH_TRIALS = int(os.environ.get("MADOGUCHI_CRASH_TRIALS_PUSH", "10"))


def run_and_kill(args: list[str], rng: random.Random, lo: float, hi: float) -> str:
    proc = subprocess.Popen([sys.executable, "-m", "tests.faults.bcp_worker", *args, "--mixed-copies"], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(rng.uniform(lo, hi))
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode in (0, -signal.SIGKILL), err[-2000:]
    return out


def reported_issuances(out: str) -> set[str]:
    """The uuids the worker reported as committed: only complete lines count — a kill can cut the
    last line short (seen in CI: a bare ``ISSUED``), and a clerk never saw a number it did not print."""
    complete = out.split("\n")[:-1]
    return {parts[1] for parts in (line.split() for line in complete) if len(parts) == 2 and parts[0] == "ISSUED"}


def local_state(t: Terminal) -> tuple[int, list[int]]:
    records = t.outbox.all_records()
    with t.outbox.engine.connect() as conn:
        used = [s for (s,) in conn.execute(select(serials_used.c.serial))]
    record_serials = sorted(c["serial"] for r in records for c in r.record["copies"])
    assert sorted(used) == record_serials, "a serial is marked used without its record, or the reverse"
    assert len(used) == len(set(used))
    assert t.outbox.verify_access_chain() is None
    return len(records), used


def test_kill_during_issuance_and_sync_back(tmp_path: Path, server_factory) -> None:
    rng = random.Random(int(os.environ.get("MADOGUCHI_CRASH_SEED", "20261123")))
    db_url = f"sqlite:///{tmp_path / 'server.db'}"
    upgrade(db_url)
    seed(db_url)
    server = server_factory(db_url)
    keyring_file = tmp_path / "keyring.json"
    data_dir = tmp_path / "terminal"
    remote = login(server.base_url)
    t = Terminal.build(data_dir, remote, KeyStore(FileKeyring(keyring_file)))
    for _ in range(max(1, -(-ISSUE_TRIALS * 3000 // 10_000))):  # ≤ 10,000 a block; an idle machine issues ~1,000/s
        t.lease(10_000)
    t.bootstrap()
    subjects = plain_subjects(db_url, 8)
    t.outbox.close()
    t.store.close()
    args = [str(data_dir), str(keyring_file), server.base_url, remote.token or "", json.dumps(subjects)]

    issued_seen: set[str] = set()
    for _ in range(ISSUE_TRIALS):
        out = run_and_kill(["issue", *args], rng, 0.8, 2.5)
        issued_seen.update(reported_issuances(out))
        t = Terminal.build(data_dir, remote, KeyStore(FileKeyring(keyring_file)))
        count, _ = local_state(t)
        stored = {r.uuid for r in t.outbox.all_records()}
        assert issued_seen <= stored, "an issuance reported as committed is missing"
        assert count == len(stored)
        t.outbox.close()
        t.store.close()

    for _ in range(PUSH_TRIALS):
        run_and_kill(["push", *args], rng, 0.8, 2.0)

    t = Terminal.build(data_dir, remote, KeyStore(FileKeyring(keyring_file)))
    total, used = local_state(t)
    assert total >= ISSUE_TRIALS // 2, "the workers were killed before issuing anything"
    OutboxPusher(t.outbox, remote).push(now_utc)
    assert t.outbox.count_pending() == 0 and t.outbox.rejected() == []
    engine = make_engine(db_url)
    try:
        with Session(engine) as s:
            uuids = list(s.scalars(select(Issuance.client_uuid).where(Issuance.mode == "bcp")))
            serials = list(s.scalars(select(IssuedCopy.serial)))
            assert s.scalar(select(func.count()).select_from(Issuance)) == total
    finally:
        engine.dispose()
    assert sorted(uuids) == sorted(r.uuid for r in t.outbox.all_records())
    assert sorted(serials) == sorted(used)
    t.close()
