"""SLA figures per municipality and month: availability, response times, outages, BCP, conflicts.

Sources:

* the server's own heartbeat (``ops_health_samples``, one row per interval per serving process):
  a gap longer than three intervals, or a failed sample, counts as server downtime;
* terminals' outage reports (``ops_outage_reports``): a terminal that lost every endpoint
  (scope ``all``) makes the service unavailable for that municipality; primary-only outages are
  listed but do not count against availability (the secondary line carried the traffic);
* terminals' response-time samples (``ops_response_samples``), percentiles per Japan day;
* BCP issuances (``issuances.mode = 'bcp'``) and reconciliation conflicts (``bcp_conflicts``).

An outage's notification delay (障害検知通知時間) is measured from its detection to the first
notification — the time a terminal says it notified, else the time the report reached the data
centre — against the 30-minute figure of municipal shared-cloud SLAs.
"""

from __future__ import annotations

import math
import os
import socket
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from server_stub.clock import JST, to_utc
from server_stub.db import begin_write
from server_stub.models import (
    BcpConflict,
    HealthSample,
    Issuance,
    Municipality,
    OutageReport,
    ResponseSample,
    SampleBatch,
)

AVAILABILITY_TARGET = 99.5  # 非機能要求: 稼働率
NOTIFICATION_LIMIT_MINUTES = 30  # 障害検知通知時間
GAP_FACTOR = 3  # heartbeat gap (in intervals) that counts as server downtime
HEALTH_INTERVAL_ENV = "MADOGUCHI_HEALTH_INTERVAL"
DEFAULT_HEALTH_INTERVAL = 60


# --- ingestion ----------------------------------------------------------------------------------


def store_outage_reports(session: Session, code: str, terminal_id: str, reports: Iterable[dict[str, Any]],
                         now: datetime) -> list[dict[str, Any]]:
    """Store each report once (by ``report_id``); a later report of the same outage may fill in the
    end, BCP start or notification time. Returns per report ``stored`` / ``updated`` / ``duplicate``."""
    out = []
    for rep in reports:
        values = {k: (to_utc(rep[k]) if rep.get(k) is not None else None)
                  for k in ("started_at", "detected_at", "bcp_started_at", "notified_at", "ended_at")}
        existing = session.scalars(select(OutageReport).where(
            OutageReport.municipality_code == code, OutageReport.report_id == rep["report_id"])).one_or_none()
        if existing is None:
            session.add(OutageReport(municipality_code=code, terminal_id=terminal_id, report_id=rep["report_id"],
                                     scope=rep.get("scope", "all"), note=rep.get("note", ""),
                                     received_at=to_utc(now), **values))
            session.flush()
            out.append({"report_id": rep["report_id"], "status": "stored"})
            continue
        changed = False
        for key in ("bcp_started_at", "notified_at", "ended_at"):
            if values[key] is not None and getattr(existing, key) is None:
                setattr(existing, key, values[key])
                changed = True
        out.append({"report_id": rep["report_id"], "status": "updated" if changed else "duplicate"})
    session.flush()
    return out


def store_samples(session: Session, code: str, terminal_id: str, batch_id: str,
                  samples: list[dict[str, Any]], now: datetime) -> str:
    """Store a batch of response-time samples once; ``stored`` or ``duplicate``."""
    seen = session.scalars(select(SampleBatch.id).where(SampleBatch.municipality_code == code,
                                                        SampleBatch.batch_id == batch_id)).first()
    if seen is not None:
        return "duplicate"
    session.add(SampleBatch(municipality_code=code, batch_id=batch_id, terminal_id=terminal_id,
                            received_at=to_utc(now), count=len(samples)))
    if samples:
        session.execute(insert(ResponseSample), [
            {"municipality_code": code, "terminal_id": terminal_id, "batch_id": batch_id, "at": to_utc(s["at"]),
             "operation": s["operation"], "ms": int(s["ms"])} for s in samples])
    session.flush()
    return "stored"


def health_interval() -> int:
    try:
        return max(1, int(os.environ.get(HEALTH_INTERVAL_ENV, DEFAULT_HEALTH_INTERVAL)))
    except ValueError:
        return DEFAULT_HEALTH_INTERVAL


def record_health_sample(factory: sessionmaker[Session], source: str, interval_s: int, now: datetime) -> None:
    """Probe the database and write one heartbeat row."""
    started = time.monotonic()
    with factory() as session:
        session.execute(text("SELECT 1"))
        db_ms = int((time.monotonic() - started) * 1000)
        begin_write(session)
        session.add(HealthSample(at=to_utc(now), source=source[:64], ok=True, db_ms=db_ms, interval_s=interval_s))
        session.commit()


class HealthHeartbeat:
    """A daemon thread writing a heartbeat every ``interval_s`` seconds while the server runs."""

    def __init__(self, factory: sessionmaker[Session], interval_s: int | None = None) -> None:
        self.factory = factory
        self.interval_s = interval_s or health_interval()
        self.source = f"{socket.gethostname()}:{os.getpid()}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="madoguchi-heartbeat", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        import logging

        log = logging.getLogger(__name__)
        while not self._stop.is_set():
            try:
                record_health_sample(self.factory, self.source, self.interval_s, datetime.now(UTC))
            except Exception as exc:  # the heartbeat must never take the server down
                log.warning("health sample not recorded: %s", exc)
            self._stop.wait(self.interval_s)


# --- figures ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    month: str
    start: datetime  # JST
    end: datetime  # JST, exclusive (capped at ``now`` for the running month)

    @property
    def seconds(self) -> float:
        return max(0.0, (self.end - self.start).total_seconds())


def month_period(month: str, now: datetime) -> Period:
    try:
        year, mon = (int(p) for p in month.split("-"))
        start = datetime(year, mon, 1, tzinfo=JST)
    except ValueError:
        raise ValueError(f"month must be YYYY-MM, got {month!r}") from None
    end = datetime(year + mon // 12, mon % 12 + 1, 1, tzinfo=JST)
    return Period(month, start, min(end, now.astimezone(JST)) if start <= now.astimezone(JST) else end)


def _iso(v: datetime | None) -> str | None:
    return None if v is None else to_utc(v).astimezone(JST).isoformat()


def _minutes(a: datetime | None, b: datetime | None) -> float | None:
    if a is None or b is None:
        return None
    return round((to_utc(b) - to_utc(a)).total_seconds() / 60, 2)


def merge_intervals(intervals: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for s, e in sorted(intervals):
        if e <= s:
            continue
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def percentile(values: list[int], p: float) -> int | None:
    """Nearest-rank percentile."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def _server_gaps(session: Session, period: Period) -> list[tuple[datetime, datetime]]:
    lo, hi = to_utc(period.start), to_utc(period.end)
    rows = session.execute(select(HealthSample.at, HealthSample.ok, HealthSample.interval_s)
                           .where(HealthSample.at >= lo - timedelta(hours=1), HealthSample.at < hi)
                           .order_by(HealthSample.at)).all()
    gaps = []
    prev: tuple[datetime, int] | None = None
    for at, ok, interval in rows:
        at = to_utc(at)
        if not ok:
            gaps.append((at, at + timedelta(seconds=interval)))
        if prev is not None and (at - prev[0]).total_seconds() > GAP_FACTOR * prev[1]:
            gaps.append((prev[0] + timedelta(seconds=prev[1]), at))
        prev = (at, interval)
    return [(max(s, lo), min(e, hi)) for s, e in gaps if e > lo and s < hi]


def _incidents(reports: list[OutageReport], period: Period) -> list[dict[str, Any]]:
    """Overlapping reports (from any terminal) merged into incidents."""
    hi = to_utc(period.end)
    spans = sorted(((to_utc(r.started_at), to_utc(r.ended_at) if r.ended_at else hi, r) for r in reports),
                   key=lambda x: x[0])
    groups: list[list[tuple[datetime, datetime, OutageReport]]] = []
    for span in spans:
        if groups and span[0] <= max(e for _, e, _ in groups[-1]):
            groups[-1].append(span)
        else:
            groups.append([span])
    out = []
    for group in groups:
        start = min(s for s, _, _ in group)
        end = max(e for _, e, _ in group)
        rs = [r for _, _, r in group]
        ongoing = any(r.ended_at is None for r in rs)
        detected = min(to_utc(r.detected_at) for r in rs)
        bcp = min((to_utc(r.bcp_started_at) for r in rs if r.bcp_started_at), default=None)
        notified = min(to_utc(r.notified_at or r.received_at) for r in rs)
        delay = _minutes(detected, notified)
        out.append({
            "start": _iso(start), "end": None if ongoing else _iso(end), "ongoing": ongoing,
            "duration_minutes": _minutes(start, end),
            "scope": "all" if any(r.scope == "all" for r in rs) else rs[0].scope,
            "terminals": sorted({r.terminal_id for r in rs}),
            "detected_at": _iso(detected), "detection_delay_minutes": _minutes(start, detected),
            "notified_at": _iso(notified), "notification_delay_minutes": delay,
            "notification_within_limit": delay is not None and delay <= NOTIFICATION_LIMIT_MINUTES,
            "bcp_started_at": _iso(bcp), "bcp_delay_minutes": _minutes(detected, bcp),
        })
    return out


def _response_times(session: Session, code: str, period: Period) -> dict[str, Any]:
    rows = session.execute(select(ResponseSample.at, ResponseSample.ms).where(
        ResponseSample.municipality_code == code, ResponseSample.at >= to_utc(period.start),
        ResponseSample.at < to_utc(period.end))).all()
    by_day: dict[date, list[int]] = defaultdict(list)
    for at, ms in rows:
        by_day[to_utc(at).astimezone(JST).date()].append(int(ms))
    all_ms = [ms for values in by_day.values() for ms in values]

    def stats(values: list[int]) -> dict[str, Any]:
        return {"count": len(values), "p50_ms": percentile(values, 50), "p95_ms": percentile(values, 95),
                "p99_ms": percentile(values, 99), "max_ms": max(values) if values else None}

    return {"overall": stats(all_ms),
            "by_day": [{"date": d.isoformat(), **stats(v)} for d, v in sorted(by_day.items())]}


def _bcp(session: Session, code: str, period: Period) -> dict[str, Any]:
    rows = session.execute(select(Issuance.cert_type, Issuance.copies, Issuance.issued_at).where(
        Issuance.municipality_code == code, Issuance.mode == "bcp",
        Issuance.issued_at >= to_utc(period.start), Issuance.issued_at < to_utc(period.end))).all()
    by_type: Counter[str] = Counter()
    by_day: Counter[str] = Counter()
    copies = 0
    for cert_type, n, issued_at in rows:
        by_type[cert_type] += 1
        by_day[to_utc(issued_at).astimezone(JST).date().isoformat()] += 1
        copies += int(n)
    return {"issuances": len(rows), "copies": copies, "by_type": dict(sorted(by_type.items())),
            "by_day": dict(sorted(by_day.items()))}


def _conflicts(session: Session, code: str, period: Period) -> dict[str, Any]:
    rows = session.scalars(select(BcpConflict).where(
        BcpConflict.municipality_code == code, BcpConflict.created_at >= to_utc(period.start),
        BcpConflict.created_at < to_utc(period.end)).order_by(BcpConflict.id)).all()
    by_code: Counter[str] = Counter(c for r in rows for c in r.codes.split(",") if c)
    by_outcome: Counter[str] = Counter(r.outcome for r in rows if r.status == "resolved")
    items = [{"id": r.id, "codes": [c for c in r.codes.split(",") if c], "status": r.status,
              "outcome": r.outcome, "created_at": _iso(r.created_at), "resolved_at": _iso(r.resolved_at),
              "resolved_by": r.resolved_by, "hours_to_resolve": (
                  round((to_utc(r.resolved_at) - to_utc(r.created_at)).total_seconds() / 3600, 2)
                  if r.resolved_at else None)} for r in rows]
    return {"total": len(rows), "open": sum(1 for r in rows if r.status == "open"),
            "resolved": sum(1 for r in rows if r.status == "resolved"),
            "by_code": dict(sorted(by_code.items())), "by_outcome": dict(sorted(by_outcome.items())),
            "items": items}


def sla_figures(session: Session, code: str, month: str, now: datetime) -> dict[str, Any]:
    """Every figure of the monthly SLA report, JSON-safe (times in JST ISO 8601)."""
    muni = session.get(Municipality, code)
    if muni is None:
        raise ValueError(f"unknown municipality {code}")
    period = month_period(month, now)
    lo, hi = to_utc(period.start), to_utc(period.end)
    reports = list(session.scalars(select(OutageReport).where(
        OutageReport.municipality_code == code, OutageReport.started_at < hi).order_by(OutageReport.started_at)))
    reports = [r for r in reports if r.ended_at is None or to_utc(r.ended_at) > lo]
    incidents = _incidents(reports, period)
    terminal_down = [(max(to_utc(r.started_at), lo), min(to_utc(r.ended_at) if r.ended_at else hi, hi))
                     for r in reports if r.scope == "all"]
    server_gaps = _server_gaps(session, period)
    down = merge_intervals([*terminal_down, *server_gaps])
    down_s = sum((e - s).total_seconds() for s, e in down)
    availability = None if period.seconds <= 0 else round(100 * (1 - down_s / period.seconds), 4)
    notified = [i for i in incidents if i["notification_delay_minutes"] is not None]
    # Availability per day (for the chart).
    days = []
    day = period.start
    while day < period.end:
        nxt = min(day + timedelta(days=1), period.end)
        d_lo, d_hi = to_utc(day), to_utc(nxt)
        d_down = sum((min(e, d_hi) - max(s, d_lo)).total_seconds() for s, e in down if e > d_lo and s < d_hi)
        span = (d_hi - d_lo).total_seconds()
        days.append({"date": day.date().isoformat(), "availability_percent": round(100 * (1 - d_down / span), 4),
                     "downtime_minutes": round(d_down / 60, 2)})
        day = nxt
    return {
        "municipality_code": code,
        "municipality_name": muni.name,
        "month": month,
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
        "generated_at": now.astimezone(JST).isoformat(),
        "availability": {
            "target_percent": AVAILABILITY_TARGET,
            "percent": availability,
            "met": availability is not None and availability >= AVAILABILITY_TARGET,
            "downtime_minutes": round(down_s / 60, 2),
            "period_minutes": round(period.seconds / 60, 2),
            "server_gaps": [{"start": _iso(s), "end": _iso(e), "minutes": _minutes(s, e)} for s, e in server_gaps],
            "by_day": days,
        },
        "response_time": _response_times(session, code, period),
        "outages": incidents,
        "notification": {
            "limit_minutes": NOTIFICATION_LIMIT_MINUTES,
            "outages": len(notified),
            "within_limit": sum(1 for i in notified if i["notification_within_limit"]),
            "over_limit": sum(1 for i in notified if not i["notification_within_limit"]),
        },
        "bcp": _bcp(session, code, period),
        "conflicts": _conflicts(session, code, period),
    }
