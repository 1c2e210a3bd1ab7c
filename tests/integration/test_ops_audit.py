"""Audit: the terminal's BCP access log joins the server chain on upload (exactly once, chain
checked), a tampered terminal entry is refused, a tampered server entry is named by
``madoguchi-server audit verify``; the month's SLA figures count the BCP issuances and the
conflicts with their resolutions. SQLite and PostgreSQL, real server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from client.outbox.access_upload import AccessLogRefused, upload_access_log
from client.outbox.store import access_log
from server_stub.audit import chain as audit
from server_stub.clock import JST
from server_stub.db import make_engine, make_sessionmaker
from server_stub.models import AccessLogEntry
from tests.integration.bcp_env import (
    CODE,
    Terminal,
    juminhyo,
    login,
    now_utc,
    plain_subjects,
    protect,
    terminal_env,
)

SERVER_BIN = Path(sys.executable).with_name("madoguchi-server")


@pytest.fixture
def env(db_url: str, server_factory: Any, tmp_path: Path, memory_keyring: Any) -> Iterator[tuple[str, Any, Terminal]]:
    with terminal_env(db_url, server_factory, tmp_path, lease=20) as env:
        yield env


def _bcp_rows(db_url: str) -> list[AccessLogEntry]:
    engine = make_engine(db_url, pool_size=1)
    with make_sessionmaker(engine)() as s:
        rows = list(s.scalars(select(AccessLogEntry).where(AccessLogEntry.municipality_code == CODE,
                                                           AccessLogEntry.mode == "bcp").order_by(AccessLogEntry.seq)))
    engine.dispose()
    return [r for r in rows if "terminal_hash" in json.loads(r.detail_json)]  # not the sync-back entries


def _verify_cli(db_url: str, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SERVER_BIN), "audit", "verify", "--db", db_url, *extra], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "MADOGUCHI_SERVER_HOME": str(tmp_path / "home")})


def test_bcp_access_log_joins_the_chain_and_tampering_is_found(env: Any, tmp_path: Path) -> None:
    db_url, server, t = env
    subjects = plain_subjects(db_url, 3)
    now = now_utc()
    for atena in subjects:
        t.issuer.issue(juminhyo(atena), user_id="clerk1", printer_id="P001", now=now)
    protect(db_url, subjects[1], start=(now - timedelta(days=1)).date())
    assert t.pusher().push(now_utc).stored == 3
    supervisor = login(server.base_url, user="supervisor1", password="supervisor1pass")
    conflicts = supervisor.get("/api/v1/bcp/conflicts")["conflicts"]
    assert len(conflicts) == 1
    supervisor.post(f"/api/v1/bcp/conflicts/{conflicts[0]['id']}/resolve", {"outcome": "no_problem", "note": "確認済"})

    local = t.outbox.access_entries(only_pending_upload=True)
    assert len(local) >= 3
    result = upload_access_log(t.outbox, t.remote, batch_size=2)
    assert (result.appended, result.duplicates, result.last_seq) == (len(local), 0, local[-1]["seq"])
    assert t.outbox.access_entries(only_pending_upload=True) == []
    rows = _bcp_rows(db_url)
    assert [json.loads(r.detail_json)["terminal_hash"] for r in rows] == [e["hash"] for e in local]
    assert [r.terminal_id for r in rows] == ["T001"] * len(local)
    assert {r.subject for r in rows if r.action == "issue"} == set(subjects)
    engine = make_engine(db_url, pool_size=1)
    with make_sessionmaker(engine)() as s:
        assert audit.verify_chain(s, CODE) is None
    # A retried upload (the answer was lost on the line) appends nothing twice.
    again = t.remote.post("/api/v1/bcp/access-log", {"entries": local})
    assert (again["appended"], again["duplicates"]) == (0, len(local))
    assert len(_bcp_rows(db_url)) == len(local)

    # The month's SLA figures count the BCP issuances and the conflict with its resolution.
    month = now.astimezone(JST).strftime("%Y-%m")
    fig = supervisor.get("/api/v1/ops/sla", month=month)
    assert fig["bcp"]["issuances"] == 3 and fig["bcp"]["by_type"] == {"juminhyo": 3}
    assert (fig["conflicts"]["total"], fig["conflicts"]["resolved"]) == (1, 1)
    assert fig["conflicts"]["by_outcome"] == {"no_problem": 1}

    # An entry edited on the terminal before upload is refused, and nothing is marked uploaded.
    t.outbox.log_access({"at": now_utc().isoformat(), "user_id": "clerk1", "action": "view",
                         "subject": subjects[0], "mode": "bcp"})
    t.outbox.log_access({"at": now_utc().isoformat(), "user_id": "clerk1", "action": "view",
                         "subject": subjects[2], "mode": "bcp"})
    pending = t.outbox.access_entries(only_pending_upload=True)
    with t.outbox.engine.begin() as conn:
        conn.execute(update(access_log).where(access_log.c.seq == pending[0]["seq"]).values(subject="0000000000"))
    with pytest.raises(AccessLogRefused) as refused:
        upload_access_log(t.outbox, t.remote)
    assert refused.value.code == "terminal_log_tampered"
    assert len(t.outbox.access_entries(only_pending_upload=True)) == 2
    assert len(_bcp_rows(db_url)) == len(local)

    # An edited entry on the server: `audit verify` names the first broken link.
    ok = _verify_cli(db_url, tmp_path)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    target = rows[1].seq
    with make_sessionmaker(engine)() as s:
        s.execute(update(AccessLogEntry).where(AccessLogEntry.municipality_code == CODE,
                                               AccessLogEntry.seq == target).values(user_id="intruder"))
        s.commit()
    engine.dispose()
    broken = _verify_cli(db_url, tmp_path, "--json")
    assert broken.returncode == 1
    assert f"seq {target} (hash_mismatch)" in broken.stdout
    verdicts = {r["municipality_code"]: r for r in json.loads(broken.stdout.strip().splitlines()[-1])["results"]}
    assert verdicts[CODE]["first_broken_seq"] == target and verdicts[CODE]["reason"] == "hash_mismatch"
    assert all(v["intact"] for code, v in verdicts.items() if code != CODE)
    supervisor.close()
