"""GET /api/v1/residents/search, GET /api/v1/residents/{atena_no}: both write a 照会 access-log entry."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Annotated, Any, cast

from fastapi import APIRouter, Path, Query, Response
from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session

from client.domain.blocks import active_measures, check_access, is_blocked
from client.domain.checkdigits import is_valid_atena_no
from client.domain.household import household_order
from client.domain.model import Process, SupportRelease
from client.domain.partial_date import PartialDate
from client.domain.search_query import QueryKind
from client.domain.wareki import format_partial
from server_stub.api.deps import CredentialsDep, in_request_session
from server_stub.api.errors import ApiError, not_found
from server_stub.audit import chain as audit
from server_stub.auth.sign_in import Principal
from server_stub.clock import now_jst
from server_stub.models import Municipality, SealRegistration, TaxSummary
from server_stub.register import convert
from server_stub.register.context import load_household, load_measures, load_resident, load_suppressions
from server_stub.register.search import classify
from server_stub.register.search import search as search_residents

router = APIRouter(prefix="/api/v1/residents", tags=["residents"])

PROTECTED_ADDRESS = "（支援措置対象者のため表示しません）"


_m = cast(Table, Municipality.__table__)
_seals = cast(Table, SealRegistration.__table__)
_taxes = cast(Table, TaxSummary.__table__)
_MUNICIPALITY_NAME = select(_m.c.name).where(_m.c.code == bindparam("code"))
_LATEST_SEAL = (select(_seals.c.registration_no, _seals.c.card_no, _seals.c.registered_on, _seals.c.status)
                .where(_seals.c.municipality_code == bindparam("code"), _seals.c.atena_no == bindparam("atena_no"))
                .order_by(_seals.c.registered_on.desc()).limit(1))
_TAX_YEARS = (select(_taxes.c.tax_year)
              .where(_taxes.c.municipality_code == bindparam("code"), _taxes.c.atena_no == bindparam("atena_no"))
              .order_by(_taxes.c.tax_year.desc()))


def _municipality_name(session: Any, code: str) -> str:
    """The name only (the row holds the seal image and keys: not loaded per request)."""
    return session.execute(_MUNICIPALITY_NAME, {"code": code}).scalar_one_or_none() or ""


@lru_cache(maxsize=65536)
def _birth_text(birth: str, foreign: bool) -> str:
    """和暦 text of a birth date (a pure function of its arguments: cached, ~8 % of a search's CPU)."""
    try:
        return format_partial(PartialDate.parse_str(birth), foreign=foreign)
    except ValueError:
        return birth


@router.get("/search", response_model=dict[str, Any])
async def search(
    credentials: CredentialsDep,
    q: Annotated[str, Query(max_length=100)] = "",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Response:
    """Search by kana, kanji name, birth date (和暦/西暦), address or 宛名番号. Returns summaries."""
    return await in_request_session(credentials, lambda session, principal: _search(session, principal, q, limit))


def _search(session: Session, principal: Principal, q: str, limit: int) -> dict[str, Any]:
    code = principal.municipality_code
    now = now_jst()
    query = classify(q)
    if query.kind is QueryKind.NAME:
        # the municipality's name only tells a name from an address typed with it (静岡市駿河区…):
        # read it only when that is the question (the other kinds do not depend on it)
        query = classify(q, _municipality_name(session, code))
    rows = search_residents(session, code, query, limit)
    atenas = [r.atena_no for r in rows]
    today: date = now.date()
    protected: set[str] = set()
    for m in active_measures(load_measures(session, code, atenas), set(atenas), today, Process.SHOKAI):
        protected.update(m.protected_atena_nos)
    supps = load_suppressions(session, code, atenas, {r.household_no for r in rows})
    results = []
    for r in rows:
        mine = [s for s in supps if s.atena_no == r.atena_no or s.household_no == r.household_no]
        is_protected = r.atena_no in protected
        results.append({
            "atena_no": r.atena_no,
            "household_no": r.household_no,
            "name": r.name,
            "kana": r.kana,
            "birth": r.birth,
            "birth_text": _birth_text(r.birth, r.is_foreign),
            "sex": r.sex,
            "address": PROTECTED_ADDRESS if is_protected else r.address,
            "status": r.status,
            "is_foreign": r.is_foreign,
            "alias": r.alias,
            "flags": {
                "support_measure": is_protected,
                "suppressions": [{"process": s.process.value, "level": s.level.value} for s in mine],
            },
        })
    audit.record(session, code, now=now, user_id=principal.user_id, terminal_id=principal.terminal_id,
                 action="search", subject=q[:200], detail={"kind": query.kind.value, "hits": len(results)})
    return {"query": q, "kind": query.kind.value, "error": query.error, "count": len(results), "results": results}


@router.get("/{atena_no}", response_model=dict[str, Any])
async def get_resident(
    credentials: CredentialsDep,
    atena_no: Annotated[str, Path(max_length=16)],
    release_measure_id: Annotated[str | None, Query(max_length=32)] = None,
    release_reason: Annotated[str | None, Query(max_length=500)] = None,
    include_my_number: bool = False,
) -> Response:
    """A resident with household (in household order), seal summary and available tax years.

    A person touched by a 支援措置 is refused (403, code support_measure) unless a supervisor
    passes ``release_measure_id`` and ``release_reason``. 個人番号 / 住民票コード only with
    ``include_my_number=true`` (logged).
    """
    return await in_request_session(credentials, lambda session, principal: _resident(
        session, principal, atena_no, release_measure_id, release_reason, include_my_number))


def _resident(session: Session, principal: Principal, atena_no: str, release_measure_id: str | None,
              release_reason: str | None, include_my_number: bool) -> dict[str, Any]:
    code = principal.municipality_code
    if not is_valid_atena_no(atena_no):
        raise ApiError(422, "invalid_atena_no", "宛名番号が正しくありません（チェックデジット）。",
                       f"Invalid 宛名番号 {atena_no!r}")
    now = now_jst()
    row = load_resident(session, code, atena_no)
    if row is None:
        raise not_found("住民", "Resident")
    subject = convert.resident(row)
    members = load_household(session, code, subject.household_no)
    touched = {subject.atena_no, *(m.atena_no for m in members)}
    measures = load_measures(session, code, touched)
    suppressions = load_suppressions(session, code, touched, {subject.household_no})
    releases: tuple[SupportRelease, ...] = ()
    if release_measure_id is not None:
        if principal.role != "supervisor":
            raise ApiError(403, "release_requires_supervisor", "支援措置の解除は支援措置責任者のみ行えます。",
                           "Only a supervisor may release a support measure")
        if not (release_reason or "").strip():
            raise ApiError(422, "release_reason_required", "解除の理由を入力してください。", "A release needs a reason")
        releases = (SupportRelease(release_measure_id, principal.user_id, (release_reason or "").strip()),)
    reasons = check_access(subject.atena_no, members, measures, suppressions, releases, now,
                           subject_household_no=subject.household_no)
    blocked = is_blocked(reasons)
    audit.record(
        session, code, now=now, user_id=principal.user_id, terminal_id=principal.terminal_id,
        action="view", subject=atena_no, outcome="refused" if blocked else "ok",
        my_number_shown=include_my_number and not blocked,
        detail={"reasons": [r.code for r in reasons], "releases": [r.to_dict() for r in releases]},
    )
    if blocked:
        raise ApiError(403, reasons[0].code if reasons else "blocked", reasons[0].message_ja, reasons[0].message_en,
                       reasons=[r.to_dict() for r in reasons],
                       measure_ids=sorted({m.measure_id for m in measures}))
    return _detail(session, code, subject, members, reasons, include_my_number)


def _strip_numbers(d: dict[str, Any], include: bool) -> dict[str, Any]:
    if not include:
        d["my_number"] = None
        d["juminhyo_code"] = None
    return d


def _detail(session: Any, code: str, subject: Any, members: list[Any], reasons: Any,
            include_my_number: bool) -> dict[str, Any]:
    seal = session.execute(_LATEST_SEAL, {"code": code, "atena_no": subject.atena_no}).first()
    years = session.execute(_TAX_YEARS, {"code": code, "atena_no": subject.atena_no}).scalars().all()
    ordered = household_order([m for m in members if m.status.value == "resident"] or [subject])
    out = _strip_numbers(subject.to_dict(), include_my_number)
    out["birth_text"] = format_partial(subject.birth, foreign=subject.is_foreign)
    out["household"] = [
        {**_strip_numbers(m.to_dict(), include_my_number),
         "birth_text": format_partial(m.birth, foreign=m.is_foreign)}
        for m in ordered
    ]
    out["seal"] = (
        {"registration_no": seal.registration_no, "card_no": seal.card_no, "registered_on": seal.registered_on.isoformat(),
         "active": seal.status == "active"} if seal else None
    )
    out["tax_years"] = list(years)
    out["warnings"] = [r.to_dict() for r in reasons if not r.blocking]
    out["municipality_name"] = _municipality_name(session, code)
    return out
