"""An enrolled terminal wired by build_terminal: leases, offline work, recovery through the
terminal's own signature — no staff token anywhere after enrolment."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from client.continuity.assembly import build_terminal
from client.continuity.machine import LinkMode
from client.local.keystore import KeyStore
from tests.integration.bcp_env import CODE, enrolled, juminhyo, plain_subjects


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_enrolled_terminal_issues_offline_and_syncs_back(tmp_path: Path, server_factory, memory_keyring) -> None:
    db_url, server, data = enrolled(tmp_path, server_factory, "T103", "支所3")
    clock = Clock()
    rt = build_terminal(data, keystore=KeyStore(), bcp_policy="auto", monotonic=clock, run_async=lambda fn: fn())
    try:
        # issue 20: enrolment leases the first block itself (was: only the runtime's upkeep leased)
        assert rt.outbox.serials_available(datetime.now(UTC)) > 0
        assert rt.refill_leases().available > 0
        status = rt.status()
        assert status["mode"] == "online" and status["replica_as_of"] and status["outbox_pending"] == 0

        rt.machine.confirm_bcp(clock(), "supervisor1")  # as a supervisor would in a drill
        rt.bcp_backend.sign_in(CODE, "clerk1", "clerk1pass", "T103")
        subject = plain_subjects(db_url, 1)[0]
        outcome = rt.bcp_backend.issue(juminhyo(subject), None, "P001")
        assert "支所3" in outcome.certificates[0].issue_number
        assert rt.status()["outbox_pending"] == 1

        for _ in range(4):  # the line answers steadily → RECOVERING → push + pull → ONLINE
            rt.continuity.probe_all()
            clock.t += 5
        assert rt.machine.mode is LinkMode.ONLINE
        report = rt.continuity.reports[-1]
        assert (report.pushed, report.error, report.pulled) == (1, "", True)
        assert rt.status()["outbox_pending"] == 0
    finally:
        rt.close()


def test_cli_sync_pushes_the_outbox_before_pulling(tmp_path: Path, server_factory, memory_keyring,
                                                  monkeypatch, capsys) -> None:
    import json

    from client.cli import main

    db_url, server, data = enrolled(tmp_path, server_factory, "T104", "支所4")
    rt = build_terminal(data, keystore=KeyStore(), bcp_policy="auto")
    try:
        rt.refill_leases()
        rt.machine.confirm_bcp(0.0, "supervisor1")
        rt.bcp_backend.sign_in(CODE, "clerk1", "clerk1pass", "T104")
        for subject in plain_subjects(db_url, 2):
            rt.bcp_backend.issue(juminhyo(subject), None, "P001")
    finally:
        rt.close()
    monkeypatch.setenv("MADOGUCHI_HOME", str(data))
    assert main(["sync", "--json"]) == 0
    out, err = capsys.readouterr()
    body = json.loads(out)
    assert body["outbox"] == {"stored": 2, "duplicates": 0, "rejected": 0, "conflicts": 0, "remaining": 0}
    assert "送信 2/2" in err
    assert main(["status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["outbox"]["pending"] == 0


def test_drill_issues_samples_and_never_touches_the_real_outbox(tmp_path: Path, server_factory,
                                                                memory_keyring) -> None:
    from pypdf import PdfReader

    from client.local.files import OUTBOX_FILE
    from client.printing.render import render_certificate

    db_url, server, data = enrolled(tmp_path, server_factory, "T105", "訓練")
    real_before = (data / OUTBOX_FILE).read_bytes()
    rt = build_terminal(data, keystore=KeyStore(), drill=True, run_async=lambda fn: fn())
    try:
        assert rt.machine.mode is LinkMode.BCP and rt.status()["drill"]
        rt.bcp_backend.sign_in(CODE, "clerk1", "clerk1pass", "T105")
        outcome = rt.bcp_backend.issue(juminhyo(plain_subjects(db_url, 1)[0]), None, "P001")
        cert = outcome.certificates[0]
        assert cert.content.training
        pdf = render_certificate(cert.content, cert.qr_token).pdf
        (tmp_path / "drill.pdf").write_bytes(pdf)
        assert "見本" in "".join(page.extract_text() for page in PdfReader(tmp_path / "drill.pdf").pages)
        rt.start(probe_seconds=1, pull_seconds=60)  # a drill runs no probes: it stays in BCP
        assert rt.scheduler is None
        assert rt.continuity.push().stored == 0  # the drill outbox is never sent
    finally:
        rt.close()
    assert (data / OUTBOX_FILE).read_bytes() == real_before
    from tests.integration.test_bcp_flow import server_counts

    assert server_counts(db_url)[0] == 0


def test_sync_back_reports_response_times_and_the_outage(tmp_path: Path, server_factory, memory_keyring) -> None:
    """The SLA figures come from the terminal: probe and push timings, and the outage it saw."""
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from server_stub.db import make_engine
    from server_stub.models.ops import OutageReport, ResponseSample

    db_url, server, data = enrolled(tmp_path, server_factory, "T106", "支所6")
    clock = Clock()
    rt = build_terminal(data, keystore=KeyStore(), bcp_policy="auto", monotonic=clock, run_async=lambda fn: fn())
    try:
        rt.refill_leases()
        rt.machine.confirm_bcp(clock(), "supervisor1")
        rt.bcp_backend.sign_in(CODE, "clerk1", "clerk1pass", "T106")
        rt.bcp_backend.issue(juminhyo(plain_subjects(db_url, 1)[0]), None, "P001")
        for _ in range(4):
            rt.continuity.probe_all()
            clock.t += 5
        assert rt.machine.mode is LinkMode.ONLINE
    finally:
        rt.close()
    engine = make_engine(db_url)
    try:
        with Session(engine) as s:
            samples = s.scalar(select(func.count()).select_from(ResponseSample))
            outages = s.scalar(select(func.count()).select_from(OutageReport))
    finally:
        engine.dispose()
    assert samples and samples >= 3  # health probes and the push
    assert outages == 1


def test_counter_in_drill_mode_issues_samples_from_the_replica(tmp_path: Path, server_factory,
                                                                memory_keyring) -> None:
    from client.cli import build_parser
    from client.composition.root import build
    from client.lifecycle.config import ClientConfig

    assert build_parser().parse_args(["gui", "--drill"]).drill
    db_url, server, data = enrolled(tmp_path, server_factory, "T107", "訓練2")
    config = ClientConfig(data_dir=data)
    published: list[tuple] = []
    counter = build(config, keystore=KeyStore(), publish=lambda *s: published.append(s), start=False, drill=True,
                    out_dir=tmp_path / "out")
    service, runtime = counter.service, counter.runtime
    try:
        service.sign_in("clerk1", "clerk1pass")
        assert service.mode == "bcp" and published[-1][0] == "bcp"
        outcome = service.issue(juminhyo(plain_subjects(db_url, 1)[0]))
        assert outcome.certificates[0].content.training
        assert outcome.certificates[0].pdf_path.exists()
    finally:
        runtime.close()


def test_closing_the_terminal_waits_for_the_background_work_before_closing_its_databases(
        tmp_path: Path, server_factory, memory_keyring) -> None:
    """A sync back (or a scheduled pull) still inside the replica when the app quits: the replica
    and the outbox close after it, not under it (a SQLCipher connection closed under a running
    query took the process down)."""
    import threading

    _db, _server, data = enrolled(tmp_path, server_factory, "T112", "支所12")
    rt = build_terminal(data, keystore=KeyStore(), bcp_policy="auto")
    events: list[str] = []
    inside = threading.Event()

    def sync_back_still_reading() -> None:
        with rt.store.read() as conn:  # a real read of the SQLCipher replica
            conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar()
            inside.set()
            # Reading in a loop here until the close, the process died of SIGSEGV without the
            # wait; a pause keeps a regression a plain failure of the order below.
            time.sleep(0.5)
        events.append("job finished")

    for part, name in ((rt.store, "replica closed"), (rt.outbox, "outbox closed")):
        close = part.close
        part.close = lambda close=close, name=name: (events.append(name), close())  # type: ignore[method-assign]
    rt.continuity.run_async(sync_back_still_reading)
    assert inside.wait(10)
    rt.close()
    assert events == ["job finished", "outbox closed", "replica closed"]
