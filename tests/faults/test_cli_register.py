"""Issue 20, also: the 支援措置責任者 records a 支援措置, an 抑止 and a 異動 at the data centre
(``madoguchi-server register …`` and ``/api/v1/register/…``): audited, refused when the input is
bad or the role is wrong (nothing changed), and carried to the terminal by ``madoguchi sync``."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server_stub.db import make_engine
from server_stub.models import AccessLogEntry, ChangeLogEntry, Resident, SupportMeasure, Suppression
from tests.faults.cli_rig import CliRig, start_rig
from tests.integration.bcp_env import CODE

SERVER = Path(sys.executable).with_name("madoguchi-server")


@pytest.fixture
def rig(tmp_path: Path, inprocess_server_factory: Any) -> Iterator[CliRig]:
    r = start_rig(tmp_path, inprocess_server_factory)
    yield r
    r.close()


def snapshot(db_url: str) -> tuple[int, ...]:
    engine = make_engine(db_url)
    try:
        with Session(engine) as s:
            return tuple(int(s.scalar(select(func.count()).select_from(m)) or 0)
                         for m in (SupportMeasure, Suppression, ChangeLogEntry, AccessLogEntry))
    finally:
        engine.dispose()


def server_cli(rig: CliRig, *args: str, user: str = "supervisor1", password: str = "supervisor1pass"
               ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SERVER), "register", *args, "--db", rig.db_url, "--municipality", CODE,
                           "--user", user, "--password-stdin"], input=password + "\n", env=rig.env,
                          capture_output=True, text=True, timeout=60)


def test_a_support_measure_recorded_at_the_data_centre_reaches_the_terminal(rig: CliRig, tmp_path: Path) -> None:
    rig.enroll()
    protected, other = rig.subjects(2)
    today = date.today()
    before = snapshot(rig.db_url)
    # bad input and a clerk are refused; nothing changes
    for args, user, password in (
        (["support-measure", "--measure-id", "SM-1", "--protected", "99999999999"], "supervisor1", "supervisor1pass"),
        (["support-measure", "--measure-id", "SM-1", "--protected", protected, "--start", today.isoformat(),
          "--end", (today - timedelta(days=1)).isoformat()], "supervisor1", "supervisor1pass"),
        (["support-measure", "--measure-id", "bad id!", "--protected", protected], "supervisor1", "supervisor1pass"),
        (["support-measure", "--measure-id", "SM-1", "--protected", protected], "clerk1", "clerk1pass"),
        (["support-measure", "--measure-id", "SM-1", "--protected", protected], "supervisor1", "wrong"),
        (["suppression", "--suppression-id", "SP-1", "--atena-no", other, "--process", "hakko",
          "--level", "fatal", "--reason", "調査中"], "supervisor1", "supervisor1pass"),
        (["removal", "--atena-no", other, "--status", "deceased",
          "--removed-on", (today + timedelta(days=3)).isoformat()], "supervisor1", "supervisor1pass"),
    ):
        r = server_cli(rig, *args, user=user, password=password)
        assert r.returncode == 1 and "エラー" in r.stderr and "Traceback" not in r.stderr, (args, r.stderr)
    assert snapshot(rig.db_url) == before

    r = server_cli(rig, "support-measure", "--measure-id", "SM-CLI-1", "--protected", protected,
                   "--perpetrator-name", "加害 太郎", "--json")
    assert r.returncode == 0, r.stderr
    r = server_cli(rig, "support-measure", "--measure-id", "SM-CLI-1", "--protected", protected)
    assert r.returncode == 1 and "すでに登録" in r.stderr  # a duplicate id changes nothing
    engine = make_engine(rig.db_url)
    with Session(engine) as s:
        logged = s.scalars(select(AccessLogEntry).where(AccessLogEntry.action == "register_support_measure")).all()
        assert [(e.user_id, e.terminal_id, e.subject) for e in logged] == [("supervisor1", "madoguchi-server",
                                                                             protected)]
        assert "加害" not in logged[0].detail_json  # the audit says who and what, not the perpetrator's name
    engine.dispose()
    walk = subprocess.run([str(SERVER), "audit", "verify", "--db", rig.db_url, "--municipality", CODE],
                          env=rig.env, capture_output=True, text=True, timeout=60)
    assert walk.returncode == 0, walk.stdout + walk.stderr

    # the terminal picks it up with the next sync; in BCP mode the protected person is refused
    code, synced, err = rig.json("sync")
    assert code == 0 and synced["applied"] >= 1, err
    rig.env["MADOGUCHI_BCP_WINDOW_SECONDS"] = "2"
    rig.lines("cut")
    code, body, err = rig.issue(protected, tmp_path / "p.pdf")
    assert code == 1 and "支援措置" in err and not (tmp_path / "p.pdf").exists()


def test_the_api_records_a_suppression_and_a_removal_for_supervisors_only(rig: CliRig) -> None:
    blocked, leaving = rig.subjects(2)

    def client(user: str, password: str) -> httpx.Client:
        c = httpx.Client(base_url=rig.server.base_url, timeout=20)
        token = c.post("/api/v1/auth/login", json={"municipality_code": CODE, "user_id": user, "password": password,
                                                   "terminal_id": "T001"}).json()["token"]
        c.headers["Authorization"] = f"Bearer {token}"
        return c

    clerk, sup = client("clerk1", "clerk1pass"), client("supervisor1", "supervisor1pass")
    try:
        before = snapshot(rig.db_url)
        r = clerk.post("/api/v1/register/suppressions", json={
            "suppression_id": "SP-API-1", "atena_no": blocked, "process": "hakko", "reason": "調査中"})
        assert r.status_code == 403
        both = sup.post("/api/v1/register/suppressions", json={
            "suppression_id": "SP-API-1", "atena_no": blocked, "household_no": "1", "process": "hakko",
            "reason": "調査中"})
        assert both.status_code == 422 and both.json()["detail"]["code"] == "invalid_register_change"
        extra = sup.post("/api/v1/register/removals", json={"atena_no": leaving, "status": "deceased",
                                                             "removed_on": date.today().isoformat(), "oops": 1})
        assert extra.status_code == 422
        assert snapshot(rig.db_url) == before
        ok = sup.post("/api/v1/register/suppressions", json={
            "suppression_id": "SP-API-1", "atena_no": blocked, "process": "hakko", "reason": "調査中"})
        assert ok.status_code == 201, ok.text
        gone = sup.post("/api/v1/register/removals", json={"atena_no": leaving, "status": "moved_out",
                                                            "removed_on": date.today().isoformat()})
        assert gone.status_code == 201, gone.text
        again = sup.post("/api/v1/register/removals", json={"atena_no": leaving, "status": "deceased",
                                                             "removed_on": date.today().isoformat()})
        assert again.status_code == 409
        request = {"cert_type": "juminhyo", "subject_atena_no": blocked, "copies": 1,
                   "requester": {"kind": "self", "name": "本人", "identity_document": "drivers_license"}}
        decision = sup.post("/api/v1/issuances/evaluate", json={"request": request}).json()
        assert decision["outcome"] == "deny", decision
    finally:
        clerk.close()
        sup.close()
    engine = make_engine(rig.db_url)
    with Session(engine) as s:
        assert s.scalar(select(Resident.status).where(Resident.atena_no == leaving)) == "moved_out"
        actions = set(s.scalars(select(AccessLogEntry.action).where(AccessLogEntry.user_id == "supervisor1")))
        assert {"register_suppression", "register_removal"} <= actions
    engine.dispose()
