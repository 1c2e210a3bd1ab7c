"""The rule engine: may this certificate be issued, and what does it say?

``evaluate(request, ctx)`` is the one decision used by the server (online) and by the client
against its replica (BCP mode), so the two can never differ. It is pure: everything it looks at
is in the request and the context (``ctx.now`` included).

Checks, all collected so the clerk sees every problem at once:

1. shape: subject known; 住民票/記載事項 only for current residents, 除票 only for removed ones;
   selected members in the subject's household; per-person certificates; copies 1..MAX_COPIES;
2. requester (住基法12条 本人等 / 代理人 with 委任状, 12条の2 公用, 12条の3 第三者 with purpose and
   職務上請求 with qualification): identity checked; third parties never get 個人番号 or
   住民票コード; 印鑑登録証明 goes to whoever presents the card; 課税証明 to the taxpayer, a
   co-resident or an agent with 委任状;
3. 印鑑登録証明: card presented and matching an active registration of a current resident;
4. 課税証明: tax year within the current and previous 4 年度, resident here on 1 January,
   income data present;
5. fee exemption reason registered (公用 is always exempt);
6. BCP: no 個人番号/住民票コード (not replicated); replica age within the limit unless a
   supervisor overrides with a reason; warnings for residents with pending changes;
7. blocks: 支援措置 (fails closed, release by 支援措置責任者 → NEEDS_RELEASE) and 抑止.

Outcome: ALLOW when no blocking reason; NEEDS_RELEASE when the only blocking reasons are
releasable 支援措置 blocks; otherwise DENY. Warnings (non-blocking reasons) go with ALLOW.
"""

from __future__ import annotations

import unicodedata
from datetime import date

from client.domain import reasons as R
from client.domain.blocks import hours_between, support_measure_check, suppression_check
from client.domain.calendar_day import japan_date
from client.domain.certificates import CertificateType, JuminhyoItem, Layout
from client.domain.content import JUMINHYO_LIKE, build_content, printed_items
from client.domain.counter import Mode
from client.domain.decision import Decision, EvaluationContext, Outcome, Reason
from client.domain.foreign import period_expired
from client.domain.form_params import form_id_for
from client.domain.household import household_order
from client.domain.protection import Process
from client.domain.request import (
    SPECIFIED_PROFESSIONS,
    IdentityDocument,
    IssuanceRequest,
    Requester,
    RequesterKind,
)
from client.domain.residents import Resident, ResidentStatus
from client.domain.tax import fiscal_year_of
from client.domain.wareki import fiscal_year_text, to_wareki

MAX_COPIES = 20
TAX_YEARS_BACK = 4  # current 年度 and the previous 4

_KIND_LABELS = {
    RequesterKind.SELF: ("本人", "self"),
    RequesterKind.HOUSEHOLD: ("同一世帯員", "household member"),
    RequesterKind.AGENT: ("代理人", "agent"),
    RequesterKind.THIRD_PARTY: ("第三者", "third party"),
    RequesterKind.PROFESSIONAL: ("職務上請求", "professional"),
    RequesterKind.OFFICIAL: ("公用", "official"),
}
_ITEM_LABELS = {
    JuminhyoItem.MY_NUMBER: ("個人番号", "My Number"),
    JuminhyoItem.JUMINHYO_CODE: ("住民票コード", "juminhyo code"),
    JuminhyoItem.HONSEKI: ("本籍・筆頭者", "honseki"),
    JuminhyoItem.HEAD_RELATION: ("世帯主・続柄", "head and relation"),
    JuminhyoItem.PREVIOUS_ADDRESS: ("前住所", "previous address"),
    JuminhyoItem.FOREIGN_STATUS: ("30条の45規定区分・在留資格・在留期間", "foreign resident status and period"),
    JuminhyoItem.RESIDENCE_CARD_NO: ("在留カード等の番号", "residence card number"),
}
_THIRD_PARTIES = frozenset({RequesterKind.THIRD_PARTY, RequesterKind.PROFESSIONAL})
# Items outside the 基礎証明事項 (12条の3第7項) a third party gets only on an accepted 特別の請求;
# 個人番号 and 住民票コード are never given to a third party (separate reasons).
BEYOND_BASIC_ITEMS = frozenset({JuminhyoItem.HEAD_RELATION, JuminhyoItem.HONSEKI, JuminhyoItem.FOREIGN_STATUS,
                                JuminhyoItem.RESIDENCE_CARD_NO})


def _cert_values(cert: CertificateType) -> dict[str, str]:
    return {"cert": cert.label_ja, "cert_en": cert.label_en}


# ---------------------------------------------------------------------------------------------
# 1. shape: who is printed
# ---------------------------------------------------------------------------------------------


def _current_household(ctx: EvaluationContext) -> tuple[Resident, ...]:
    """The household as loaded (removed members included) plus the subject."""
    assert ctx.subject is not None
    members = {m.atena_no: m for m in ctx.household}
    members.setdefault(ctx.subject.atena_no, ctx.subject)
    return tuple(members.values())


def _select_persons(request: IssuanceRequest, ctx: EvaluationContext, out: list[Reason]) -> list[Resident]:
    assert ctx.subject is not None
    subject = ctx.subject
    cert = request.cert_type
    per_person = cert in (CertificateType.JOHYO, CertificateType.INKAN, CertificateType.KAZEI)
    if per_person:
        others = [a for a in request.member_atena_nos if a != subject.atena_no]
        if request.whole_household or request.layout is Layout.RENKI or others:
            out.append(R.make(R.LAYOUT_NOT_AVAILABLE, **_cert_values(cert)))
        if request.items and cert is not CertificateType.JOHYO:
            out.append(R.make(R.ITEMS_NOT_APPLICABLE, **_cert_values(cert)))
        if cert is CertificateType.JOHYO and subject.status is ResidentStatus.RESIDENT:
            out.append(R.make(R.SUBJECT_NOT_REMOVED))
        if cert is CertificateType.INKAN and subject.status is not ResidentStatus.RESIDENT:
            out.append(R.make(R.INKAN_SUBJECT_NOT_RESIDENT))
        return [subject]
    # 住民票の写し / 記載事項証明書
    if subject.status is not ResidentStatus.RESIDENT:
        out.append(R.make(R.SUBJECT_REMOVED, reason=subject.removal_reason or subject.status.value))
        return [subject]
    household = {m.atena_no: m for m in _current_household(ctx) if m.status is ResidentStatus.RESIDENT}
    if request.whole_household:
        return household_order(household.values())
    wanted = request.member_atena_nos or (subject.atena_no,)
    chosen: list[Resident] = []
    for atena_no in dict.fromkeys(wanted):
        member = household.get(atena_no)
        if member is None or member.household_no != subject.household_no:
            out.append(R.make(R.MEMBER_NOT_IN_HOUSEHOLD, atena_no=atena_no))
        else:
            chosen.append(member)
    return household_order(chosen)


# ---------------------------------------------------------------------------------------------
# 2. requester
# ---------------------------------------------------------------------------------------------


def _check_requester(request: IssuanceRequest, ctx: EvaluationContext, out: list[Reason]) -> None:
    assert ctx.subject is not None
    subject = ctx.subject
    req = request.requester
    cert = request.cert_type
    kind = req.kind
    if kind is not RequesterKind.OFFICIAL and req.identity_document is IdentityDocument.NONE:
        out.append(R.make(R.IDENTITY_NOT_CHECKED))
    if cert is CertificateType.KAZEI and kind in _THIRD_PARTIES:
        ja, en = _KIND_LABELS[kind]
        out.append(R.make(R.REQUESTER_NOT_ALLOWED, kind=ja, kind_en=en, **_cert_values(cert)))
        return
    if cert is CertificateType.INKAN:
        # 印鑑登録証明: whoever presents the card receives it (identity of that person checked);
        # the requester kind decides nothing more, except that 公用 names its agency.
        if kind is RequesterKind.OFFICIAL and not req.agency.strip():
            out.append(R.make(R.OFFICIAL_AGENCY_MISSING))
        return
    if cert is CertificateType.JOHYO:
        _check_johyo_requester(request, subject, japan_date(ctx.now), out)
    if kind is RequesterKind.SELF:
        if req.requester_atena_no is not None and req.requester_atena_no != subject.atena_no:
            out.append(R.make(R.REQUESTER_NOT_SUBJECT))
    elif kind is RequesterKind.HOUSEHOLD and cert is CertificateType.JOHYO:
        pass  # refused above: former household members are third parties (15条の4第3項)
    elif kind is RequesterKind.HOUSEHOLD:
        # 除票: a member of the household the person was removed from; otherwise a current member.
        members = {
            m.atena_no
            for m in _current_household(ctx)
            if cert is CertificateType.JOHYO or m.status is ResidentStatus.RESIDENT
        }
        if req.requester_atena_no is None or req.requester_atena_no not in members:
            out.append(R.make(R.REQUESTER_NOT_IN_HOUSEHOLD))
    elif kind is RequesterKind.AGENT:
        if not req.has_power_of_attorney:
            out.append(R.make(R.POWER_OF_ATTORNEY_MISSING))
    elif kind in _THIRD_PARTIES:
        if not req.purpose.strip():
            out.append(R.make(R.PURPOSE_MISSING))
        if not req.name.strip() or not req.address.strip():
            out.append(R.make(R.APPLICANT_ADDRESS_MISSING))
        if kind is RequesterKind.PROFESSIONAL:
            _check_professional(req, out)
        _check_special_request(request, out)
    elif kind is RequesterKind.OFFICIAL:
        if not req.agency.strip():
            out.append(R.make(R.OFFICIAL_AGENCY_MISSING))
    if kind in _THIRD_PARTIES:
        if JuminhyoItem.MY_NUMBER in request.items:
            out.append(R.make(R.THIRD_PARTY_MY_NUMBER))
        if JuminhyoItem.JUMINHYO_CODE in request.items:
            out.append(R.make(R.THIRD_PARTY_JUMINHYO_CODE))
    my_number = JuminhyoItem.MY_NUMBER in request.items and cert in JUMINHYO_LIKE
    if kind is RequesterKind.AGENT and my_number:
        # 任意代理人: not handed over at the counter; sent by post to the subject's 住所
        if request.deliver_by_post:
            out.append(R.make(R.AGENT_MY_NUMBER_BY_POST, address=f"{subject.address}{subject.katagaki}"))
        else:
            out.append(R.make(R.AGENT_MY_NUMBER_COUNTER))
    if kind is RequesterKind.OFFICIAL and my_number and not req.legal_basis.strip():
        out.append(R.make(R.OFFICIAL_MY_NUMBER_BASIS_MISSING))


def _check_johyo_requester(request: IssuanceRequest, subject: Resident, today: date, out: list[Reason]) -> None:
    """住民票の除票 (住基法15条の4): 第1項 the person recorded or their agent — never a deceased person
    as 本人; former household members are third parties (第3項); 公用 (第2項) omits 個人番号 and
    住民票コード. 保存期間: 消除 before 平成26年6月20日 were kept 5 years and are gone."""
    kind = request.requester.kind
    if kind is RequesterKind.SELF and subject.status is ResidentStatus.DECEASED:
        out.append(R.make(R.JOHYO_DECEASED_SELF))
    if kind is RequesterKind.HOUSEHOLD:
        out.append(R.make(R.JOHYO_FORMER_HOUSEHOLD))
    if kind is RequesterKind.OFFICIAL and request.items & {JuminhyoItem.MY_NUMBER, JuminhyoItem.JUMINHYO_CODE}:
        out.append(R.make(R.JOHYO_OFFICIAL_NUMBERS))
    if subject.removed_on is not None and not johyo_retained(subject.removed_on, today):
        out.append(R.make(R.JOHYO_DISCARDED, removed=to_wareki(subject.removed_on)))


JOHYO_LONG_RETENTION_FROM = date(2014, 6, 20)  # 平成26年6月20日: 保存期間 150 years from here (5 before)


def johyo_retained(removed_on: date, request_day: date) -> bool:
    """Whether a 除票 消除 on ``removed_on`` is still kept (5 years before 平成26年6月20日, then 150)."""
    if removed_on < JOHYO_LONG_RETENTION_FROM:
        return False
    try:
        until = removed_on.replace(year=removed_on.year + 150)
    except ValueError:  # 29 February
        until = date(removed_on.year + 150, 3, 1)
    return request_day < until


def _check_professional(req: Requester, out: list[Reason]) -> None:
    """職務上請求 (12条の3第2項): one of the eight 特定事務受任者, with 登録番号 and 依頼者."""
    qualification = req.qualification.strip()
    if not qualification:
        out.append(R.make(R.QUALIFICATION_MISSING))
    elif qualification not in SPECIFIED_PROFESSIONS:
        out.append(R.make(R.QUALIFICATION_NOT_SPECIFIED, qualification=qualification,
                          allowed="・".join(SPECIFIED_PROFESSIONS)))
    if not req.registration_no.strip():
        out.append(R.make(R.REGISTRATION_NO_MISSING))
    if not req.client_name.strip():
        out.append(R.make(R.CLIENT_MISSING))


def _check_special_request(request: IssuanceRequest, out: list[Reason]) -> None:
    """A third party gets 基礎証明事項 only (12条の3第7項) unless a 特別の請求 is justified and accepted."""
    beyond = [i for i in request.items if i in BEYOND_BASIC_ITEMS]
    if not beyond:
        return
    names = "・".join(_ITEM_LABELS[i][0] for i in sorted(beyond))
    names_en = ", ".join(_ITEM_LABELS[i][1] for i in sorted(beyond))
    req = request.requester
    if not req.special_reason.strip() or not req.special_accepted:
        out.append(R.make(R.SPECIAL_REQUEST_NOT_ACCEPTED, items=names, items_en=names_en))


# ---------------------------------------------------------------------------------------------
# 3., 4. certificate-specific data
# ---------------------------------------------------------------------------------------------


def _same_card(a: str, b: str) -> bool:
    def clean(s: str) -> str:
        return "".join(unicodedata.normalize("NFKC", s).split()).replace("-", "").upper()

    return clean(a) == clean(b)


def _check_inkan(request: IssuanceRequest, ctx: EvaluationContext, out: list[Reason]) -> None:
    assert ctx.subject is not None
    if not request.inkan_card_no.strip():
        out.append(R.make(R.INKAN_CARD_MISSING))
    seal = ctx.seal
    if seal is None or seal.atena_no != ctx.subject.atena_no:
        out.append(R.make(R.INKAN_NOT_REGISTERED))
        return
    if not seal.active:
        out.append(R.make(R.INKAN_REGISTRATION_ABOLISHED))
    elif request.inkan_card_no.strip() and not _same_card(request.inkan_card_no, seal.card_no):
        out.append(R.make(R.INKAN_CARD_MISMATCH))


def _resident_on(resident: Resident, day: date) -> bool | None:
    """Whether the record says the person lived here on ``day`` (None: cannot tell)."""
    if resident.became_resident_on is None:
        return None
    if resident.became_resident_on > day:
        return False
    return not (resident.removed_on is not None and resident.removed_on <= day)


def _check_kazei(request: IssuanceRequest, ctx: EvaluationContext, out: list[Reason]) -> None:
    assert ctx.subject is not None
    year = request.tax_year
    if year is None:
        out.append(R.make(R.TAX_YEAR_MISSING))
        return
    last = fiscal_year_of(japan_date(ctx.now))  # the 年度 window follows the 年度 (April), not January
    first = last - TAX_YEARS_BACK
    if not first <= year <= last:
        out.append(R.make(R.TAX_YEAR_OUT_OF_RANGE, year=fiscal_year_text(year), first=fiscal_year_text(first),
                          last=fiscal_year_text(last), year_en=year, first_en=first, last_en=last))
        return
    tax = ctx.tax
    if tax is not None and (tax.tax_year != year or tax.atena_no != ctx.subject.atena_no):
        tax = None
    resided = tax.resided_on_jan1 if tax is not None else _resident_on(ctx.subject, date(year, 1, 1))
    if resided is False:
        out.append(R.make(R.TAX_NOT_RESIDENT_ON_JAN1, year=fiscal_year_text(year), jan1=to_wareki(date(year, 1, 1)),
                          year_en=year))
    elif tax is None:
        out.append(R.make(R.TAX_NO_DATA, year=fiscal_year_text(year), year_en=year))


def _check_item_data(request: IssuanceRequest, ctx: EvaluationContext, persons: list[Resident],
                     out: list[Reason]) -> None:
    if ctx.mode is Mode.BCP:
        return  # reported as not replicated instead
    items = printed_items(request)
    for item, attr in ((JuminhyoItem.MY_NUMBER, "my_number"), (JuminhyoItem.JUMINHYO_CODE, "juminhyo_code")):
        if item not in items:
            continue
        ja, en = _ITEM_LABELS[item]
        for p in persons:
            if not getattr(p, attr):
                out.append(R.make(R.ITEM_DATA_MISSING, item=ja, item_en=en, atena_no=p.atena_no))


def _check_residence_periods(request: IssuanceRequest, ctx: EvaluationContext, persons: list[Resident],
                             out: list[Reason]) -> None:
    """A 在留期間 that has expired is an alert for the clerk (the record may need 職権 action)."""
    if request.cert_type not in (CertificateType.JUMINHYO, CertificateType.KISAI_JIKO, CertificateType.INKAN):
        return
    today = japan_date(ctx.now)
    for p in persons:
        if p.status is ResidentStatus.RESIDENT and period_expired(p, today) and p.residence_period_end:
            out.append(R.make(R.RESIDENCE_PERIOD_EXPIRED, name=p.name, atena_no=p.atena_no,
                              date=p.residence_period_end.isoformat()))


# ---------------------------------------------------------------------------------------------
# 5. fee, 6. BCP
# ---------------------------------------------------------------------------------------------


def _fee(request: IssuanceRequest, ctx: EvaluationContext, out: list[Reason]) -> tuple[int, str]:
    allowed = ctx.municipality.exemption_reasons
    reason = request.exemption_reason.strip()
    if reason and reason not in allowed:
        out.append(R.make(R.INVALID_EXEMPTION, reason=reason))
    if request.requester.kind is RequesterKind.OFFICIAL and not reason:
        reason = "公用" if "公用" in allowed or not allowed else allowed[0]
    if reason:
        return 0, reason
    return ctx.municipality.fee_for(request.cert_type), ""


def _check_bcp(request: IssuanceRequest, ctx: EvaluationContext, persons: list[Resident],
               out: list[Reason]) -> None:
    if ctx.mode is not Mode.BCP:
        return
    for item in (JuminhyoItem.MY_NUMBER, JuminhyoItem.JUMINHYO_CODE):
        if item in request.items:
            ja, en = _ITEM_LABELS[item]
            out.append(R.make(R.BCP_ITEM_NOT_REPLICATED, item=ja, item_en=en))
    if ctx.replica_as_of is None:
        out.append(R.make(R.REPLICA_AS_OF_UNKNOWN))
    else:
        age = hours_between(ctx.replica_as_of, ctx.now)
        limit = ctx.municipality.replica_max_age_hours
        if age > limit:
            age_text = f"{age:.1f}"
            override = ctx.stale_override_reason.strip()
            if override:
                out.append(R.make(R.REPLICA_STALE_OVERRIDDEN, age=age_text, limit=limit, reason=override))
            else:
                out.append(R.make(R.REPLICA_STALE, age=age_text, limit=limit))
    for p in persons:
        if p.atena_no in ctx.pending_change_atena_nos:
            out.append(R.make(R.PENDING_CHANGES, atena_no=p.atena_no))


# ---------------------------------------------------------------------------------------------
# 7. blocks and the decision
# ---------------------------------------------------------------------------------------------


def _check_blocks(request: IssuanceRequest, ctx: EvaluationContext, persons: list[Resident],
                  out: list[Reason]) -> tuple[str, ...]:
    assert ctx.subject is not None
    # Fail closed: the certificate shows the household's address, so every co-resident counts.
    touched = {ctx.subject.atena_no} | {p.atena_no for p in persons} | {m.atena_no for m in ctx.household}
    for atena_no in (request.requester.acting_for_atena_no,):
        if atena_no:
            touched.add(atena_no)
    support = support_measure_check(
        touched=touched,
        measures=ctx.support_measures,
        releases=ctx.releases,
        today=japan_date(ctx.now),
        process=Process.HAKKO,
        mode=ctx.mode,
        requester=request.requester,
        subject_atena_no=ctx.subject.atena_no,
        perpetrator_households=ctx.perpetrator_households,
    )
    out.extend(support.reasons)
    printed = {ctx.subject.atena_no} | {p.atena_no for p in persons}
    household_nos = {ctx.subject.household_no} | {p.household_no for p in persons}
    out.extend(
        suppression_check(
            atena_nos=printed,
            household_nos=household_nos,
            suppressions=ctx.suppressions,
            now=ctx.now,
            process=Process.HAKKO,
            mode=ctx.mode,
        )
    )
    return support.release_measure_ids


def _decide(reasons: list[Reason], release_ids: tuple[str, ...]) -> Outcome:
    blocking = [r for r in reasons if r.blocking]
    if not blocking:
        return Outcome.ALLOW
    if all(R.is_releasable(r) for r in blocking):
        return Outcome.NEEDS_RELEASE
    return Outcome.DENY


def _check_form_enabled(request: IssuanceRequest, ctx: EvaluationContext, out: list[Reason]) -> None:
    """The municipality may stop issuing a form (様式パラメータ ``enabled = false``)."""
    cert = request.cert_type
    layout = request.layout if cert in (CertificateType.JUMINHYO, CertificateType.KISAI_JIKO) else Layout.KOJIN
    form_id = form_id_for(cert, layout)
    params = ctx.form_parameters.get(form_id)
    if params is not None and not params.enabled:
        out.append(R.make(R.FORM_DISABLED, cert=cert.label_ja, cert_en=cert.label_en, form_id=form_id))


def evaluate(request: IssuanceRequest, ctx: EvaluationContext) -> Decision:
    """Decide on ``request`` (see the module docstring). Pure: no I/O, no clock reads."""
    subject = ctx.subject
    if subject is None or subject.atena_no != request.subject_atena_no:
        return Decision(Outcome.DENY, (R.make(R.SUBJECT_NOT_FOUND),), None)
    reasons: list[Reason] = []
    if not 1 <= request.copies <= MAX_COPIES:
        reasons.append(R.make(R.INVALID_COPIES, max=MAX_COPIES))
    _check_form_enabled(request, ctx, reasons)
    persons = _select_persons(request, ctx, reasons)
    _check_requester(request, ctx, reasons)
    if request.cert_type is CertificateType.INKAN:
        _check_inkan(request, ctx, reasons)
    elif request.cert_type is CertificateType.KAZEI:
        _check_kazei(request, ctx, reasons)
    _check_item_data(request, ctx, persons, reasons)
    _check_residence_periods(request, ctx, persons, reasons)
    fee_per_copy, exemption = _fee(request, ctx, reasons)
    _check_bcp(request, ctx, persons, reasons)
    release_ids = _check_blocks(request, ctx, persons, reasons)
    # blocking reasons first, then warnings; stable within each group
    ordered = tuple(sorted(reasons, key=lambda r: not r.blocking))
    outcome = _decide(reasons, release_ids)
    if outcome is not Outcome.ALLOW:
        return Decision(
            outcome,
            ordered,
            None,
            release_measure_ids=release_ids if outcome is Outcome.NEEDS_RELEASE else (),
        )
    content = build_content(request, ctx, persons, fee_per_copy, exemption)
    return Decision(
        Outcome.ALLOW,
        ordered,
        content,
        fee_yen=fee_per_copy * request.copies,
        exemption_reason=exemption,
    )
