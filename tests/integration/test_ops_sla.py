"""SLA: terminals report outages and response times over HTTP; the monthly report (PDF + JSON)
shows a simulated outage with the right durations, detection and notification delays (30-minute
limit), availability including a gap in the server's own heartbeat; SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pypdf

from server_stub.clock import JST
from server_stub.db import make_engine, make_sessionmaker, write_session
from server_stub.models import HealthSample
from tests.integration.conftest import CITY_CODE, login

SERVER_BIN = Path(sys.executable).with_name("madoguchi-server")
MONTH = "2026-10"
MONTH_MINUTES = 31 * 24 * 60


def t(day: int, hh: int, mm: int, ss: int = 0) -> str:
    return datetime(2026, 10, day, hh, mm, ss, tzinfo=JST).isoformat()


A = {"report_id": str(uuid.uuid4()), "scope": "all", "started_at": t(14, 10, 0), "detected_at": t(14, 10, 0, 30),
     "bcp_started_at": t(14, 10, 1), "notified_at": t(14, 10, 12), "ended_at": t(14, 12, 30)}
B = {"report_id": str(uuid.uuid4()), "scope": "all", "started_at": t(14, 10, 5), "detected_at": t(14, 10, 6),
     "notified_at": t(14, 10, 50), "ended_at": t(14, 12, 0)}
C_OPEN = {"report_id": str(uuid.uuid4()), "scope": "all", "started_at": t(20, 3, 0), "detected_at": t(20, 3, 2),
          "bcp_started_at": t(20, 3, 3)}
C_END = {**C_OPEN, "notified_at": t(20, 3, 47), "ended_at": t(20, 3, 20)}
D = {"report_id": str(uuid.uuid4()), "scope": "primary", "started_at": t(25, 9, 0), "detected_at": t(25, 9, 0, 5),
     "notified_at": t(25, 9, 5), "ended_at": t(25, 9, 10)}


def _post(api: Any, path: str, body: dict[str, Any]) -> dict[str, Any]:
    r = api.post(path, json=body)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def _heartbeat_with_a_gap(db_url: str) -> None:
    """The server's own samples on 10-05: every minute 00:00–00:59 and 01:30–01:59 (down 01:00–01:30)."""
    engine = make_engine(db_url, pool_size=1)
    start = datetime(2026, 10, 5, 0, 0, tzinfo=JST)
    minutes = [*range(0, 60), *range(90, 120)]
    with write_session(make_sessionmaker(engine)) as s:
        s.add_all(HealthSample(at=start + timedelta(minutes=m), source="test:1", ok=True, db_ms=1, interval_s=60)
                  for m in minutes)
    engine.dispose()


def test_monthly_sla_report_shows_the_simulated_outage(server: Any, seeded_db: str, tmp_path: Path) -> None:
    t1 = login(server.base_url, CITY_CODE, "clerk1", "T001")
    t2 = login(server.base_url, CITY_CODE, "clerk2", "T002")
    assert _post(t1, "/api/v1/terminals/outages", {"reports": [A, C_OPEN, D]})["results"] == [
        {"report_id": r["report_id"], "status": "stored"} for r in (A, C_OPEN, D)]
    assert _post(t2, "/api/v1/terminals/outages", {"reports": [B]})["results"][0]["status"] == "stored"
    # A retried report is stored once; a later report of the same outage fills in its end.
    answer = _post(t1, "/api/v1/terminals/outages", {"reports": [A, C_END]})["results"]
    assert [a["status"] for a in answer] == ["duplicate", "updated"]
    bad = t1.post("/api/v1/terminals/outages", json={"reports": [{**A, "report_id": str(uuid.uuid4()),
                                                                  "detected_at": t(14, 9, 0)}]})
    assert bad.status_code == 422

    batch = {"batch_id": str(uuid.uuid4()),
             "samples": [{"at": t(14, 9, 0, i % 60), "operation": "search", "ms": 10 * (i + 1)} for i in range(100)]}
    assert _post(t1, "/api/v1/terminals/samples", batch) == {"status": "stored", "count": 100}
    assert _post(t1, "/api/v1/terminals/samples", batch)["status"] == "duplicate"
    _post(t2, "/api/v1/terminals/samples", {"batch_id": str(uuid.uuid4()), "samples": [
        {"at": t(15, 11, 0), "operation": "issue", "ms": ms} for ms in (300, 100, 200)]})
    _heartbeat_with_a_gap(seeded_db)

    pdf_path = tmp_path / "sla.pdf"
    run = subprocess.run([str(SERVER_BIN), "sla-report", "--db", seeded_db, "--municipality", CITY_CODE,
                          "--month", MONTH, "--out", str(pdf_path)], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "MADOGUCHI_SERVER_HOME": str(tmp_path / "home")})
    assert run.returncode == 0, run.stdout + run.stderr
    fig = json.loads(pdf_path.with_suffix(".json").read_text(encoding="utf-8"))

    outages = fig["outages"]
    assert [o["start"][:16] for o in outages] == ["2026-10-14T10:00", "2026-10-20T03:00", "2026-10-25T09:00"]
    first, second, third = outages
    assert first["duration_minutes"] == 150 and first["terminals"] == ["T001", "T002"]
    assert first["end"].startswith("2026-10-14T12:30")
    assert first["detection_delay_minutes"] == 0.5 and first["notification_delay_minutes"] == 11.5
    assert first["notification_within_limit"] is True and first["bcp_delay_minutes"] == 0.5
    assert second["duration_minutes"] == 20 and second["detection_delay_minutes"] == 2
    assert second["notification_delay_minutes"] == 45 and second["notification_within_limit"] is False
    assert third["scope"] == "primary" and third["duration_minutes"] == 10
    assert fig["notification"] == {"limit_minutes": 30, "outages": 3, "within_limit": 2, "over_limit": 1}

    av = fig["availability"]
    assert [g["minutes"] for g in av["server_gaps"]] == [30]
    assert av["downtime_minutes"] == 150 + 20 + 30  # the primary-only outage does not count
    assert av["percent"] == round(100 * (1 - 200 / MONTH_MINUTES), 4)
    assert av["met"] is (av["percent"] >= 99.5)
    day14 = next(d for d in av["by_day"] if d["date"] == "2026-10-14")
    assert day14["downtime_minutes"] == 150

    rt = {d["date"]: d for d in fig["response_time"]["by_day"]}
    assert (rt["2026-10-14"]["count"], rt["2026-10-14"]["p50_ms"], rt["2026-10-14"]["p95_ms"],
            rt["2026-10-14"]["p99_ms"]) == (100, 500, 950, 990)
    assert (rt["2026-10-15"]["p50_ms"], rt["2026-10-15"]["p95_ms"]) == (200, 300)
    assert fig["response_time"]["overall"]["count"] == 103

    pages = pypdf.PdfReader(io.BytesIO(pdf_path.read_bytes())).pages
    text = "".join(page.extract_text() for page in pages)
    drawn = b"".join(page.get_contents().get_data() for page in pages)  # type: ignore[union-attr]
    assert drawn.count(b" re") >= 31  # at least the 31 daily availability bars (charts, not just text)
    assert "稼働率" in text and f"{av['percent']}%" in text
    assert "11.5分" in text and "45分" in text

    supervisor = login(server.base_url, CITY_CODE, "supervisor1", "T001")
    via_api = supervisor.get("/api/v1/ops/sla", params={"month": MONTH})
    assert via_api.status_code == 200, via_api.text
    assert via_api.json()["outages"] == outages and via_api.json()["availability"]["percent"] == av["percent"]
    assert t1.get("/api/v1/ops/sla", params={"month": MONTH}).status_code == 403
    for api in (t1, t2, supervisor):
        api.client.close()


def test_the_served_app_records_its_own_heartbeat(db_url: str, server_factory: Any) -> None:
    import time

    from sqlalchemy import func, select

    server_factory(db_url, extra_env={"MADOGUCHI_HEALTH_INTERVAL": "1"})
    engine = make_engine(db_url, pool_size=1)
    factory = make_sessionmaker(engine)
    deadline = time.monotonic() + 15
    count = 0
    while time.monotonic() < deadline and count < 3:
        time.sleep(0.3)
        with factory() as s:
            count = s.scalar(select(func.count()).select_from(HealthSample).where(HealthSample.ok.is_(True))) or 0
    engine.dispose()
    assert count >= 3
