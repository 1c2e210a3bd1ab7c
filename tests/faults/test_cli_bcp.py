"""Issue 20: BCP end to end from the command line — every step a real ``madoguchi`` process
against the real server through the fault proxies (primary and secondary line)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server_stub.db import make_engine
from server_stub.models import Issuance
from tests.faults.cli_rig import CliRig, start_rig
from tests.fixtures.pdftools import pdftotext


@pytest.fixture
def rig(tmp_path: Path, inprocess_server_factory: Any) -> Iterator[CliRig]:
    r = start_rig(tmp_path, inprocess_server_factory)
    yield r
    r.close()


def issuances(db_url: str, mode: str | None = None) -> int:
    engine = make_engine(db_url)
    try:
        with Session(engine) as s:
            q = select(func.count()).select_from(Issuance)
            if mode:
                q = q.where(Issuance.mode == mode)
            return int(s.scalar(q) or 0)
    finally:
        engine.dispose()


def test_enrolment_leases_serials_and_status_counts_them(rig: CliRig) -> None:
    """Defect 3: serials are leased at enrolment and on every sync; status shows the count."""
    enrolled = rig.enroll()
    assert "予約済みの発行番号" in enrolled.stdout
    code, status, err = rig.json("status")
    assert code == 0, err
    assert status["serials"]["available"] >= 50 and status["serials"]["low"] is False
    code, synced, err = rig.json("sync")
    assert code == 0, err
    assert synced["serials"]["132403"]["available"] == status["serials"]["available"]


def test_issue_in_bcp_mode_when_every_line_is_cut(rig: CliRig, tmp_path: Path) -> None:
    """Defect 1: `madoguchi issue` follows the window's routing: every line cut → BCP issuance."""
    rig.enroll()
    first, second = rig.subjects(2)
    rig.env["MADOGUCHI_BCP_WINDOW_SECONDS"] = "3"
    rig.lines("cut")
    out = tmp_path / "bcp.pdf"
    code, body, err = rig.issue(first, out)
    assert code == 0, err
    assert body["issued"] and body["mode"] == "bcp" and len(body["issue_numbers"]) == 1
    assert "BCP" in err
    text = pdftotext(out.read_bytes())
    assert body["issue_numbers"][0].replace(" ", "") in text.replace(" ", "")

    # the next run knows the terminal is in BCP mode: one quick probe per line, no online sign-in
    before = (rig.primary.connections, rig.secondary.connections)
    code, body2, err = rig.issue(second, tmp_path / "bcp2.pdf")
    assert code == 0, err
    assert body2["mode"] == "bcp"
    assert (rig.primary.connections - before[0], rig.secondary.connections - before[1]) == (1, 1)
    code, status, _ = rig.json("status")
    assert status["outbox"]["pending"] == 2 and issuances(rig.db_url) == 0

    rig.lines("pass")
    code, synced, err = rig.json("sync")
    assert code == 0, err
    assert synced["outbox"]["stored"] == 2 and issuances(rig.db_url, "bcp") == 2
    # back online: the next issuance is an online one again
    code, body3, err = rig.issue(first, tmp_path / "online.pdf")
    assert code == 0, err
    assert body3["mode"] == "online" and issuances(rig.db_url, "online") == 1


def test_silent_primary_fails_over_for_sign_in_and_issue(rig: CliRig, tmp_path: Path) -> None:
    """Defect 2: a half-open primary: the login POST is resent on the secondary; the next run
    starts on the secondary (the line that worked) and sends nothing to the primary."""
    rig.enroll()
    first, second = rig.subjects(2)
    rig.primary.set_mode("half_open")
    code, body, err = rig.issue(first, tmp_path / "a.pdf", timeout=60)
    assert code == 0, err
    assert body["mode"] == "online" and issuances(rig.db_url, "online") == 1
    before = rig.primary.connections
    code, body, err = rig.issue(second, tmp_path / "b.pdf", timeout=60)
    assert code == 0, err
    assert rig.primary.connections == before  # started on the secondary
    assert issuances(rig.db_url, "online") == 2
