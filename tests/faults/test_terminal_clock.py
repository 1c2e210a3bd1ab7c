"""Issue 15: the replica wrapping-key lease against a clock moved by days, in real processes
under ``faketime`` (the terminal's keys in a file keyring the processes share)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from client.lifecycle.enrollment import enroll
from client.local.keystore import KeyStore
from client.local.wrapping import LEASE_ENTRY, WrappingKeeper
from server_stub.migrate import upgrade
from tests.conftest import REPO_ROOT
from tests.faults.replica_support import FileKeyring
from tests.integration.bcp_env import CODE, juminhyo, plain_subjects, seed

pytestmark = pytest.mark.skipif(shutil.which("faketime") is None, reason="faketime is not installed")


def run_at(offset: str, data: Path, keyring_file: Path) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    out = subprocess.run(["faketime", "-f", offset, sys.executable, "-m", "tests.faults.standing_worker",
                          "--data-dir", str(data), "--keyring-file", str(keyring_file)],
                         capture_output=True, text=True, timeout=120, env=env, cwd=str(REPO_ROOT))
    assert out.returncode == 0, out.stderr
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def test_clock_moved_by_days_in_real_processes(tmp_path: Path, server_factory: Any) -> None:
    db_url = f"sqlite:///{tmp_path / 'server.db'}"
    upgrade(db_url)
    seed(db_url)
    server = server_factory(db_url)
    keyring_file = tmp_path / "keyring.json"
    keystore = KeyStore(FileKeyring(keyring_file))
    data = tmp_path / "home"
    enroll(server_url=server.base_url, municipality_code=CODE, terminal_name="窓口C", admin_user="admin1",
           admin_password="admin1pass", data_dir=data, keystore=keystore, terminal_id="T-C1", page_size=500)
    # one unsynced BCP issuance, so the outbox has something to lose
    from client.continuity.assembly import build_terminal

    rt = build_terminal(data, keystore=keystore)
    rt.refill_leases()
    [atena] = plain_subjects(db_url, 1)
    rt.issuer.issue(juminhyo(atena), user_id="clerk1", printer_id="P001", now=datetime.now(UTC))
    rt.close()

    assert run_at("+0d", data, keyring_file)["replica"] is True
    outage = run_at("+5d", data, keyring_file)  # a realistic outage of days: BCP goes on
    assert outage["replica"] is True and outage["outbox_pending"] == 1
    back = run_at("-3d", data, keyring_file)  # the clock set back: refused, nothing erased
    assert back["replica_error"] == "ClockRolledBackError" and "時計が過去" in back["message_ja"]
    assert back["outbox_pending"] == 1
    assert any(k.endswith("|" + LEASE_ENTRY) for k in json.loads(keyring_file.read_text()))
    late = run_at("+15d", data, keyring_file)  # past the municipality's 14 days: the replica closes
    assert late["replica_error"] == "ReplicaKeyExpiredError" and "利用期限が切れました" in late["message_ja"]
    assert late["outbox_pending"] == 1  # the outbox never depends on the lease
    assert not any(k.endswith("|" + LEASE_ENTRY) for k in json.loads(keyring_file.read_text()))
    assert run_at("+0d", data, keyring_file)["replica_error"] == "ReplicaKeyExpiredError"  # erased, not hidden
    # reaching the data centre again (clock right) renews the same wrapping key: the replica opens
    from client.lifecycle.enrollment import terminal_client

    remote = terminal_client(data, keystore)
    try:
        assert WrappingKeeper(keystore, remote, data).renew() is not None
    finally:
        remote.close()
    again = run_at("+0d", data, keyring_file)
    assert again["replica"] is True and again["outbox_pending"] == 1
