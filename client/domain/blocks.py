"""支援措置 and 抑止: the blocks that fail closed, for issuance (発行) and viewing (照会).

支援措置 (DV, stalking, child abuse): anything touching a protected person (支援対象者 or a
person protected jointly) is blocked until a 支援措置責任者 releases it case by case with a
recorded reason; the period is one year (``default_measure_end``), extendable from one month
before its end (``can_extend``). A request by the 加害者 or by someone acting for them, and a request in the
protected person's own name by an agent or by post, are refused outright (no release). In BCP mode nothing
touching a protected person goes through, released or not.

抑止: per person or per household and per process, level error (blocks) or alert (warning),
from ``start`` to ``end`` (open-ended when None: it never lapses by itself); a temporary
release (``released_until``) re-locks at that time. In BCP mode any active 抑止 on an issuance
blocks, whatever its level or temporary release.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from client.domain import reasons as R
from client.domain.calendar_day import japan_date
from client.domain.counter import Mode
from client.domain.decision import Reason
from client.domain.name_match import PersonKey
from client.domain.protection import Process, SupportMeasure, SupportRelease, Suppression, SuppressionLevel
from client.domain.request import Requester, RequesterKind
from client.domain.residents import Resident


@dataclass(frozen=True)
class BlockResult:
    reasons: tuple[Reason, ...] = ()
    release_measure_ids: tuple[str, ...] = field(default_factory=tuple)  # still to be released


def _aligned(now: datetime, other: datetime) -> tuple[datetime, datetime]:
    # Compare an aware and a naive datetime by reading the naive one in the aware one's zone.
    if (now.tzinfo is None) == (other.tzinfo is None):
        return now, other
    if now.tzinfo is None:
        return now.replace(tzinfo=other.tzinfo), other
    return now, other.replace(tzinfo=now.tzinfo)


def is_before(now: datetime, moment: datetime) -> bool:
    """``now < moment``, tolerating one naive and one aware datetime."""
    a, b = _aligned(now, moment)
    return a < b


def hours_between(earlier: datetime, later: datetime) -> float:
    a, b = _aligned(later, earlier)
    return (a - b).total_seconds() / 3600.0


def active_measures(
    measures: Iterable[SupportMeasure], touched: set[str], today: date, process: Process
) -> list[SupportMeasure]:
    """Measures in force on ``today`` for ``process`` that protect someone in ``touched``."""
    return [
        m
        for m in measures
        if m.active_on(today) and process in m.processes and touched.intersection(m.protected_atena_nos)
    ]


def _one_month_after(day: date) -> date:
    month = day.month % 12 + 1
    year = day.year + (day.month == 12)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def recently_ended(
    measures: Iterable[SupportMeasure], touched: set[str], today: date, process: Process
) -> list[SupportMeasure]:
    """Measures for ``touched`` whose period ended within the last month (not in force any more)."""
    return [
        m for m in measures
        if m.end is not None and m.end < today <= _one_month_after(m.end) and not m.active_on(today)
        and process in m.processes and touched.intersection(m.protected_atena_nos)
    ]


@dataclass(frozen=True)
class MeasureAlert:
    """A 支援措置 to follow up (標準仕様書: alerts a month before and a month after the end)."""

    measure_id: str
    kind: str  # "ending" (extension possible) | "ended" (lapsed within the month) | "provisional"
    end: date | None
    message_ja: str
    message_en: str


def measure_alerts(measures: Iterable[SupportMeasure], today: date) -> list[MeasureAlert]:
    """Alerts for the 支援措置責任者: ending within a month (the extension window is open),
    ended within the last month, and 仮支援措置 awaiting the decision."""
    out: list[MeasureAlert] = []
    for m in measures:
        if m.provisional:
            out.append(MeasureAlert(m.measure_id, "provisional", m.end,
                                    f"仮支援措置（{m.measure_id}）の支援決定がまだです。",
                                    f"Provisional support measure {m.measure_id} awaits its decision."))
        elif m.end is not None and can_extend(m, today):
            out.append(MeasureAlert(m.measure_id, "ending", m.end,
                                    f"支援措置（{m.measure_id}）は{m.end.isoformat()}に終了します。延長の申出を確認してください。",
                                    f"Support measure {m.measure_id} ends on {m.end.isoformat()}; extension possible."))
        elif m.end is not None and m.end < today <= _one_month_after(m.end):
            out.append(MeasureAlert(m.measure_id, "ended", m.end,
                                    f"支援措置（{m.measure_id}）は{m.end.isoformat()}に終了しました。",
                                    f"Support measure {m.measure_id} ended on {m.end.isoformat()}."))
    return out


def default_measure_end(start: date) -> date:
    """End of a 支援措置 period: one year less a day (R2.4.1 → R3.3.31; 2-29 → 2-28 next year)."""
    try:
        anniversary = start.replace(year=start.year + 1)
    except ValueError:  # 29 February
        anniversary = date(start.year + 1, 3, 1)
    return anniversary - timedelta(days=1)


def extension_opens_on(end: date) -> date:
    """First day on which a 支援措置 ending on ``end`` may be extended (one month before the end)."""
    month = end.month - 1 or 12
    year = end.year - (end.month == 1)
    day = min(end.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def can_extend(measure: SupportMeasure, today: date) -> bool:
    """A 支援措置 may be extended from one month before its end until its end."""
    if measure.end is None:
        return False
    return extension_opens_on(measure.end) <= today <= measure.end


def _is_released(measure: SupportMeasure, releases: Iterable[SupportRelease]) -> SupportRelease | None:
    for rel in releases:
        if rel.measure_id == measure.measure_id and rel.reason.strip() and rel.supervisor.strip():
            return rel
    return None


def _perpetrator_keys(measure: SupportMeasure, households: Iterable[Resident]) -> tuple[set[str], list[PersonKey]]:
    """宛名番号 and identity keys that stand for the 加害者 of ``measure`` (their household included)."""
    perps = set(measure.perpetrator_atena_nos)
    births = list(measure.perpetrator_births) + [None] * len(measure.perpetrator_names)
    keys = [PersonKey(n, b) for n, b in zip(measure.perpetrator_names, births, strict=False) if n.strip()]
    protected = set(measure.protected_atena_nos)
    perp_households = {r.household_no for r in households if r.atena_no in perps}
    atena_nos = set(perps)
    for r in households:
        if (r.atena_no in perps or r.household_no in perp_households) and r.atena_no not in protected:
            atena_nos.add(r.atena_no)
            keys.append(PersonKey(r.name, r.birth))
            keys.extend(PersonKey(alt, r.birth) for alt in (r.kana, r.alias) if alt)
    return atena_nos, keys


def _requester_persons(requester: Requester) -> tuple[set[str], list[PersonKey]]:
    """Everybody the request is made by or for: the requester, whom they act for, the 依頼者."""
    atena_nos = {a for a in (requester.requester_atena_no, requester.acting_for_atena_no,
                             requester.client_atena_no) if a}
    keys: list[PersonKey] = []
    if requester.name.strip():
        keys.append(PersonKey(requester.name, requester.birth))
    if requester.client_name.strip():
        keys.append(PersonKey(requester.client_name, requester.client_birth))
    return atena_nos, keys


def acts_for_perpetrator(requester: Requester, measure: SupportMeasure,
                         perpetrator_households: Iterable[Resident] = ()) -> bool:
    """Is the request made by the 加害者, a member of their household, or someone acting for them?

    By 宛名番号 where known; by the folded name key plus birth date (see ``name_match``) for the
    requester, the person an agent acts for and the 依頼者 of a 職務上請求.
    """
    perp_atena, perp_keys = _perpetrator_keys(measure, perpetrator_households)
    req_atena, req_keys = _requester_persons(requester)
    if req_atena & perp_atena:
        return True
    return any(r.matches(p) for r in req_keys for p in perp_keys)


def support_measure_check(
    *,
    touched: set[str],
    measures: Iterable[SupportMeasure],
    releases: Iterable[SupportRelease],
    today: date,
    process: Process,
    mode: Mode,
    requester: Requester | None = None,
    subject_atena_no: str | None = None,
    perpetrator_households: Iterable[Resident] = (),
) -> BlockResult:
    """Reasons from 支援措置 for a request or a view touching the ``touched`` 宛名番号.

    A measure that ended within the last month is not in force, but its extension may still be
    on the way (or, offline, not yet in the replica): online the clerk is warned; in BCP mode it
    blocks like a measure in force (fails closed).
    """
    measures = tuple(measures)
    relevant = active_measures(measures, touched, today, process)
    lapsed = recently_ended(measures, touched, today, process)
    if mode is Mode.BCP and (relevant or lapsed):
        return BlockResult((R.make(R.SUPPORT_MEASURE_BCP),))
    if not relevant:
        return BlockResult(tuple(R.make(R.SUPPORT_MEASURE_RECENTLY_ENDED, end=m.end.isoformat())
                                 for m in lapsed if m.end is not None))
    out: list[Reason] = []
    if requester is not None:
        households = tuple(perpetrator_households)
        if any(acts_for_perpetrator(requester, m, households) for m in relevant):
            out.append(R.make(R.SUPPORT_MEASURE_PERPETRATOR))
        protected = {a for m in relevant for a in m.protected_atena_nos}
        in_victims_name = subject_atena_no in protected or requester.acting_for_atena_no in protected
        if requester.kind is RequesterKind.AGENT and in_victims_name:
            out.append(R.make(R.SUPPORT_MEASURE_VICTIM_BY_AGENT))
        if requester.by_post and in_victims_name:
            out.append(R.make(R.SUPPORT_MEASURE_VICTIM_BY_POST))
    pending: list[str] = []
    released: list[SupportRelease] = []
    for m in relevant:
        rel = _is_released(m, releases)
        if rel is None:
            pending.append(m.measure_id)
        else:
            released.append(rel)
    if pending:
        out.append(R.make(R.SUPPORT_MEASURE))
    else:
        out.extend(R.make(R.SUPPORT_MEASURE_RELEASED, supervisor=r.supervisor, reason=r.reason) for r in released)
    return BlockResult(tuple(out), tuple(pending))


def _suppression_active(s: Suppression, now: datetime) -> bool:
    today = japan_date(now)
    if s.start is not None and today < s.start:
        return False
    return not (s.end is not None and today > s.end)


def suppression_check(
    *,
    atena_nos: set[str],
    household_nos: set[str],
    suppressions: Iterable[Suppression],
    now: datetime,
    process: Process,
    mode: Mode,
) -> tuple[Reason, ...]:
    """Reasons from 抑止 on the given persons or households for ``process``."""
    out: list[Reason] = []
    for s in suppressions:
        if s.process is not process:
            continue
        hit = (s.atena_no is not None and s.atena_no in atena_nos) or (
            s.household_no is not None and s.household_no in household_nos
        )
        if not hit or not _suppression_active(s, now):
            continue
        if mode is Mode.BCP and process is Process.HAKKO:
            out.append(R.make(R.SUPPRESSED_BCP, reason=s.reason or s.suppression_id))
            continue
        if s.released_until is not None and is_before(now, s.released_until):
            continue
        code = R.SUPPRESSED if s.level is SuppressionLevel.ERROR else R.SUPPRESSION_ALERT
        out.append(R.make(code, reason=s.reason or s.suppression_id))
    return tuple(out)


def check_access(
    subject_atena_no: str,
    household: Iterable[Resident],
    support_measures: Iterable[SupportMeasure],
    suppressions: Iterable[Suppression],
    releases: Iterable[SupportRelease],
    now: datetime,
    process: Process = Process.SHOKAI,
    *,
    mode: Mode = Mode.ONLINE,
    subject_household_no: str | None = None,
) -> tuple[Reason, ...]:
    """May a clerk see (照会) this resident? Empty tuple: yes. Blocking reasons: refuse to show.

    Fails closed on the whole household: the detail view shows the shared address and the
    household members, so a protected co-resident blocks it too (release by a 支援措置責任者,
    never in BCP mode). 抑止 on the person or the household applies at its level.
    """
    members = tuple(household)
    touched = {subject_atena_no} | {m.atena_no for m in members}
    household_nos = {m.household_no for m in members if m.atena_no == subject_atena_no}
    if subject_household_no:
        household_nos.add(subject_household_no)
    support = support_measure_check(
        touched=touched, measures=support_measures, releases=releases, today=japan_date(now), process=process, mode=mode
    )
    supp = suppression_check(
        atena_nos={subject_atena_no},
        household_nos=household_nos,
        suppressions=suppressions,
        now=now,
        process=process,
        mode=mode,
    )
    return support.reasons + supp


def is_blocked(reasons: Iterable[Reason]) -> bool:
    return any(r.blocking for r in reasons)
