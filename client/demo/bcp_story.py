"""The BCP story for the headless demo: the data centre goes away, the counter keeps issuing
from the replica, the line comes back, the outbox syncs once, a conflict is reviewed.

Demo only (run from a checkout): the keyring is an in-memory backend, since a headless demo
machine has none. In the "data centre learns of a 支援措置 during the outage" step a supervisor
records it through the data centre's register API, on a port the terminal does not know (its line
stays cut).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from client.continuity.machine import LinkMode
from client.domain.calendar_day import japan_date


def _wait_for(predicate: Any, rt: Any, limit: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < limit:
        rt.continuity.probe_all()
        if predicate():
            return time.monotonic() - start
        time.sleep(0.5)
    raise RuntimeError(f"state not reached within {limit:.0f} s (mode {rt.machine.mode.value})")


def step_enrol_terminal(ctx: Any) -> str:
    from client.composition.root import build
    from client.lifecycle.config import ClientConfig
    from client.lifecycle.enrollment import enroll
    from client.local.keystore import KeyStore
    from client.local.memory_keyring import MemoryKeyring

    keystore = KeyStore(MemoryKeyring())
    data_dir = ctx.out_dir.parent / "terminal"
    terminal_id = f"DEMO{int(time.time()) % 1_000_000:06d}"
    result = enroll(server_url=ctx.server.url, municipality_code="132403", terminal_name="防災訓練1",
                    admin_user="admin1", admin_password="admin1pass", data_dir=data_dir, keystore=keystore,
                    terminal_id=terminal_id, force=True)
    # the terminal as the app and the CLI build it (the composition root), with a short demo's
    # line settings; the story probes the lines itself (no scheduler)
    config = ClientConfig(data_dir=data_dir, bcp_policy="auto", bcp_window_seconds=3, probe_timeout_seconds=1,
                          line_steady_successes=2, line_steady_seconds=1)
    counter = build(config, keystore=keystore, start=False, out_dir=ctx.out_dir)
    leased = counter.runtime.refill_leases()
    ctx.facts["terminal"] = counter
    return (f"端末 {terminal_id} を登録、複製データ {result.bootstrap.applied} 件を取得、"
            f"BCP用発行番号 {leased.available} 件を確保")


def step_line_cut(ctx: Any) -> str:
    rt = ctx.facts["terminal"].runtime
    ctx.server.stop()
    took = _wait_for(lambda: rt.machine.mode is LinkMode.BCP, rt, 30)
    return f"データセンターへの回線断 → {took:.1f} 秒で BCP モード(複製データ {rt.status()['replica_as_of']} 時点)"


def step_bcp_issuance(ctx: Any) -> str:
    from client.domain.model import IdentityDocument
    from client.services.issuance_form import IssuanceForm

    counter = ctx.facts["terminal"]
    service = counter.service  # in BCP mode: the replica and the outbox
    if service.mode != "bcp":
        raise RuntimeError(f"the counter is not in BCP mode ({service.mode})")
    service.sign_in("clerk1", "clerk1pass")
    hits = [h for h in service.search("さとう") + service.search("たなか") + service.search("すずき")
            if h.status.value == "resident" and not h.protected]
    issued: list[Any] = []
    for hit in hits:
        if len(issued) == 3:
            break
        try:
            detail = service.resident(hit.atena_no)
        except Exception:  # noqa: BLE001 - a protected household: skip it, as the clerk would be told
            continue
        form = IssuanceForm(subject=detail.resident, household=detail.household)
        form.identity_document = IdentityDocument.DRIVERS_LICENSE
        try:
            outcome = service.issue(form.to_request(), out_dir=ctx.out_dir)
        except Exception:  # noqa: BLE001 - refused (抑止 etc.): the demo picks another resident
            continue
        cert = outcome.certificates[0]
        path = cert.pdf_path.replace(ctx.out_dir / f"bcp-{len(issued) + 1}.pdf")
        issued.append((hit.atena_no, cert.issue_number, path))
    if len(issued) < 2:
        raise RuntimeError("the demo data had too few residents to issue for")
    ctx.facts["bcp_issued"] = issued
    return f"BCPモードで {len(issued)} 件発行、同期待ち {counter.runtime.status()['outbox_pending']} 件: " + ", ".join(
        n for _, n, _ in issued)


def step_protect_during_outage(ctx: Any) -> str:
    from client.demo.story import serve_elsewhere
    from client.remote.http import DataCentreClient

    atena = ctx.facts["bcp_issued"][1][0]
    data_centre = serve_elsewhere(ctx.server)
    try:
        start = japan_date(datetime.now(UTC)) - timedelta(days=1)
        measure = {"measure_id": f"DEMO-{int(time.time())}", "protected": [atena], "start": start.isoformat(),
                   "end": (start + timedelta(days=364)).isoformat(), "provisional": False,
                   "processes": ["hakko", "shokai"]}
        staff = DataCentreClient(data_centre.url)
        try:
            staff.token = staff.login("132403", "supervisor1", "supervisor1pass", "T001")["token"]
            staff.post("/api/v1/register/support-measures", measure)  # its change-feed row goes with it
        finally:
            staff.close()
    finally:
        data_centre.stop()
    return f"停電中にデータセンターで 宛名番号 {atena} に支援措置({start} から)が登録された"


def step_line_back(ctx: Any) -> str:
    from client.demo.story import restart_server

    rt = ctx.facts["terminal"].runtime
    restart_server(ctx.server)
    # online again once the sync back (on its own thread) has pushed and pulled
    took = _wait_for(lambda: rt.machine.mode is LinkMode.ONLINE and bool(rt.continuity.reports)
                     and rt.continuity.reports[-1].pulled, rt, 60)
    report = rt.continuity.reports[-1]
    ctx.facts["sync_report"] = report
    return (f"回線復旧 → {took:.1f} 秒で同期完了: 送信 {report.pushed} 件、重複 {report.duplicates}、"
            f"差戻し {report.rejected}、競合 {report.conflicts} 件、同期待ち {rt.status()['outbox_pending']} 件")


def step_review_conflict(ctx: Any) -> str:
    from client.remote.http import DataCentreClient

    sup = DataCentreClient(ctx.server.url)
    try:
        sup.token = sup.login("132403", "supervisor1", "supervisor1pass", "T001")["token"]
        conflicts = sup.get("/api/v1/bcp/conflicts")["conflicts"]
        if not conflicts:
            raise RuntimeError("no conflict was raised")
        c = conflicts[0]
        sup.post(f"/api/v1/bcp/conflicts/{c['id']}/resolve", {"outcome": "recall", "note": "デモ: 証明書を回収"})
        left = len(sup.get("/api/v1/bcp/conflicts")["conflicts"])
    finally:
        sup.close()
    ctx.facts.pop("terminal").close()
    return (f"係長が競合 #{c['id']}({', '.join(c['codes'])}; 宛名番号 {c['subject_atena_no']})を確認し"
            f"「回収要」で処理、未処理 {left} 件")


BCP_STEPS: list[tuple[str, Any]] = [
    ("enrol terminal + lease serials", step_enrol_terminal),
    ("line cut → BCP", step_line_cut),
    ("BCP issuance", step_bcp_issuance),
    ("支援措置 recorded during the outage", step_protect_during_outage),
    ("line back → sync back", step_line_back),
    ("supervisor reviews the conflict", step_review_conflict),
]

