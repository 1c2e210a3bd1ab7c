"""The rule engine, table-driven: every rule and every reason code, with the outcome it gives."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from _domain_factories import NOW, atena, context, family, municipality, request, resident, self_requester

from client.domain import reasons as R
from client.domain.form_params import FormParameters
from client.domain.model import (
    CertificateType,
    EvaluationContext,
    IdentityDocument,
    IssuanceRequest,
    JuminhyoItem,
    Layout,
    Mode,
    Outcome,
    Process,
    Requester,
    RequesterKind,
    ResidentStatus,
    SealRegistration,
    SupportMeasure,
    SupportRelease,
    Suppression,
    SuppressionLevel,
    TaxSummary,
)
from client.domain.rules import evaluate

FAMILY = family()
HEAD = next(r for r in FAMILY if r.is_head)
WIFE = next(r for r in FAMILY if r.relation == "妻")
CHILD = next(r for r in FAMILY if r.atena_no == atena(4))
MOTHER = next(r for r in FAMILY if r.relation == "母")
OUTSIDER = resident(77, household_no=atena(600001), name="鈴木 一", kana="スズキ ハジメ")
MOVED = replace(HEAD, status=ResidentStatus.MOVED_OUT, removed_on=date(2026, 3, 31), removal_reason="転出")
SEAL = SealRegistration("S-1", "C-0012345", HEAD.atena_no, date(2015, 4, 1), seal_image_png=b"\x89PNG-seal")
TAX = TaxSummary(HEAD.atena_no, 2026, True, 4_200_000, salary_income=6_000_000, deductions=1_000_000,
                 taxable_income=3_200_000, municipal_tax=190_000, prefectural_tax=127_000, dependents=2)
AS_OF = NOW - timedelta(minutes=3)


def measure(*protected: str, **kw: Any) -> SupportMeasure:
    base: dict[str, Any] = dict(
        measure_id="SM-1", protected_atena_nos=protected, perpetrator_names=("鈴木 一",),
        perpetrator_atena_nos=(OUTSIDER.atena_no,), start=date(2026, 4, 1), end=date(2027, 3, 31),
    )
    base.update(kw)
    return SupportMeasure(**base)


def suppression(**kw: Any) -> Suppression:
    base: dict[str, Any] = dict(suppression_id="SP-1", process=Process.HAKKO, level=SuppressionLevel.ERROR,
                                atena_no=HEAD.atena_no, reason="裁判所からの照会中")
    base.update(kw)
    return Suppression(**base)


def agent(**kw: Any) -> Requester:
    base: dict[str, Any] = dict(kind=RequesterKind.AGENT, name="代理 花子", has_power_of_attorney=True,
                                identity_document=IdentityDocument.DRIVERS_LICENSE, acting_for_atena_no=HEAD.atena_no)
    base.update(kw)
    return Requester(**base)


def third(**kw: Any) -> Requester:
    base: dict[str, Any] = dict(kind=RequesterKind.THIRD_PARTY, name="債権 太郎", purpose="債権回収のため",
                                identity_document=IdentityDocument.DRIVERS_LICENSE, address="大阪府大阪市北区梅田1-1-1")
    base.update(kw)
    return Requester(**base)


def pro(**kw: Any) -> Requester:
    base: dict[str, Any] = dict(kind=RequesterKind.PROFESSIONAL, name="弁護 士郎", purpose="訴訟手続のため",
                                qualification="弁護士", identity_document=IdentityDocument.OFFICIAL_ID,
                                address="東京都千代田区霞が関1-1-1 法律事務所", registration_no="12345",
                                client_name="依頼 一郎")
    base.update(kw)
    return Requester(**base)


def official(**kw: Any) -> Requester:
    base: dict[str, Any] = dict(kind=RequesterKind.OFFICIAL, agency="桜ヶ丘年金事務所")
    base.update(kw)
    return Requester(**base)


def household_req(**kw: Any) -> Requester:
    base: dict[str, Any] = dict(kind=RequesterKind.HOUSEHOLD, name=WIFE.name,
                                identity_document=IdentityDocument.MY_NUMBER_CARD, requester_atena_no=WIFE.atena_no)
    base.update(kw)
    return Requester(**base)


@dataclass
class Case:
    name: str
    outcome: Outcome
    codes: set[str]
    req: dict[str, Any] = field(default_factory=dict)
    ctx: dict[str, Any] = field(default_factory=dict)
    subject: Any = HEAD

    def build(self) -> tuple[IssuanceRequest, EvaluationContext]:
        subject = self.subject
        ctx_kw = dict(self.ctx)
        household = ctx_kw.pop("household", FAMILY)
        ctx_subject = ctx_kw.pop("ctx_subject", subject)
        return request(subject, **self.req), context(ctx_subject, household, **ctx_kw)


A, D, N = Outcome.ALLOW, Outcome.DENY, Outcome.NEEDS_RELEASE
J, K, JO, IN, KZ = (CertificateType.JUMINHYO, CertificateType.KISAI_JIKO, CertificateType.JOHYO,
                    CertificateType.INKAN, CertificateType.KAZEI)
MY, CODE, HON, HEADREL = (JuminhyoItem.MY_NUMBER, JuminhyoItem.JUMINHYO_CODE, JuminhyoItem.HONSEKI,
                          JuminhyoItem.HEAD_RELATION)
BCP = dict(mode=Mode.BCP, replica_as_of=AS_OF)
KOJIN_OFF = {"juminhyo_kojin": FormParameters("juminhyo_kojin", enabled=False)}

CASES: list[Case] = [
    # --- basics ---------------------------------------------------------------------------
    Case("self plain juminhyo", A, set()),
    Case("self whole household with all special items", A, set(), req=dict(whole_household=True, items=frozenset({MY, CODE, HON, HEADREL}))),
    Case("unknown subject", D, {R.SUBJECT_NOT_FOUND}, ctx=dict(ctx_subject=None, household=())),
    Case("context for another subject", D, {R.SUBJECT_NOT_FOUND}, ctx=dict(ctx_subject=WIFE)),
    Case("juminhyo for a moved-out resident", D, {R.SUBJECT_REMOVED}, subject=MOVED, ctx=dict(household=())),
    Case("kisai jiko for a moved-out resident", D, {R.SUBJECT_REMOVED}, subject=MOVED, req=dict(cert_type=K)),
    Case("johyo for a current resident", D, {R.SUBJECT_NOT_REMOVED}, req=dict(cert_type=JO)),
    Case("johyo for a moved-out resident", A, set(), subject=MOVED, req=dict(cert_type=JO)),
    Case("johyo for a household", D, {R.LAYOUT_NOT_AVAILABLE}, subject=MOVED, req=dict(cert_type=JO, whole_household=True)),
    Case("johyo renki layout", D, {R.LAYOUT_NOT_AVAILABLE}, subject=MOVED, req=dict(cert_type=JO, layout=Layout.RENKI)),
    Case("member outside the household", D, {R.MEMBER_NOT_IN_HOUSEHOLD}, req=dict(member_atena_nos=(HEAD.atena_no, OUTSIDER.atena_no))),
    Case("selected members", A, set(), req=dict(member_atena_nos=(HEAD.atena_no, CHILD.atena_no))),
    Case("zero copies", D, {R.INVALID_COPIES}, req=dict(copies=0)),
    Case("too many copies", D, {R.INVALID_COPIES}, req=dict(copies=21)),
    Case("twenty copies", A, set(), req=dict(copies=20)),
    # --- 様式パラメータ: a form the municipality stopped issuing -----------------------------------
    Case("juminhyo kojin form disabled", D, {R.FORM_DISABLED}, ctx=dict(form_parameters=KOJIN_OFF)),
    Case("renki form unaffected by kojin disabled", A, set(), req=dict(whole_household=True, layout=Layout.RENKI), ctx=dict(form_parameters=KOJIN_OFF)),
    Case("inkan form disabled", D, {R.FORM_DISABLED}, req=dict(cert_type=IN, inkan_card_no="C-0012345"), ctx=dict(seal=SEAL, form_parameters={"inkan": FormParameters("inkan", enabled=False)})),
    Case("form parameters without enabled=false", A, set(), ctx=dict(form_parameters={"juminhyo_kojin": FormParameters("juminhyo_kojin", note="備考")})),
    Case("items on inkan", D, {R.ITEMS_NOT_APPLICABLE}, req=dict(cert_type=IN, inkan_card_no="C-0012345", items=frozenset({HON})), ctx=dict(seal=SEAL)),
    Case("household on kazei", D, {R.LAYOUT_NOT_AVAILABLE}, req=dict(cert_type=KZ, tax_year=2026, whole_household=True), ctx=dict(tax=TAX)),
    Case("my number data missing", D, {R.ITEM_DATA_MISSING}, req=dict(items=frozenset({MY})), ctx=dict(household=(replace(HEAD, my_number=None),)), subject=replace(HEAD, my_number=None)),
    Case("juminhyo code missing for a member", D, {R.ITEM_DATA_MISSING}, req=dict(whole_household=True, items=frozenset({CODE})), ctx=dict(household=(HEAD, replace(WIFE, juminhyo_code=None)))),
    # --- requester ------------------------------------------------------------------------
    Case("identity not checked", D, {R.IDENTITY_NOT_CHECKED}, req=dict(requester=self_requester(HEAD, identity_document=IdentityDocument.NONE))),
    Case("self but another person", D, {R.REQUESTER_NOT_SUBJECT}, req=dict(requester=self_requester(HEAD, requester_atena_no=OUTSIDER.atena_no))),
    Case("household member", A, set(), req=dict(requester=household_req())),
    Case("household member from outside", D, {R.REQUESTER_NOT_IN_HOUSEHOLD}, req=dict(requester=household_req(requester_atena_no=OUTSIDER.atena_no))),
    Case("household member unidentified", D, {R.REQUESTER_NOT_IN_HOUSEHOLD}, req=dict(requester=household_req(requester_atena_no=None))),
    Case("former household member for juminhyo", D, {R.REQUESTER_NOT_IN_HOUSEHOLD}, subject=WIFE, req=dict(requester=household_req(requester_atena_no=MOVED.atena_no)), ctx=dict(household=(MOVED, WIFE, CHILD))),
    Case("former household member for johyo", D, {R.JOHYO_FORMER_HOUSEHOLD}, subject=MOVED, req=dict(cert_type=JO, requester=household_req(requester_atena_no=WIFE.atena_no)), ctx=dict(household=(MOVED, WIFE, CHILD))),
    Case("former household member for johyo as a third party", A, set(), subject=MOVED, req=dict(cert_type=JO, requester=third(name=WIFE.name, requester_atena_no=WIFE.atena_no)), ctx=dict(household=(MOVED, WIFE, CHILD))),
    Case("deceased person as 本人 for johyo", D, {R.JOHYO_DECEASED_SELF}, subject=replace(MOVED, status=ResidentStatus.DECEASED, removal_reason="死亡"), req=dict(cert_type=JO), ctx=dict(household=())),
    Case("official johyo with my number", D, {R.JOHYO_OFFICIAL_NUMBERS}, subject=MOVED, req=dict(cert_type=JO, requester=official(legal_basis="番号法19条"), items=frozenset({MY}))),
    Case("johyo removed before 2014-06-20 is discarded", D, {R.JOHYO_DISCARDED}, subject=replace(MOVED, removed_on=date(2014, 6, 19)), req=dict(cert_type=JO), ctx=dict(household=())),
    Case("johyo removed on 2014-06-20 is kept", A, set(), subject=replace(MOVED, removed_on=date(2014, 6, 20), jutei_on=date(2010, 4, 1)), req=dict(cert_type=JO), ctx=dict(household=())),
    Case("agent with power of attorney", A, set(), req=dict(requester=agent())),
    Case("agent without power of attorney", D, {R.POWER_OF_ATTORNEY_MISSING}, req=dict(requester=agent(has_power_of_attorney=False))),
    Case("agent asks for my number at the counter", D, {R.AGENT_MY_NUMBER_COUNTER}, req=dict(requester=agent(), items=frozenset({MY}))),
    Case("agent asks for my number: post", A, {R.AGENT_MY_NUMBER_BY_POST}, req=dict(requester=agent(), items=frozenset({MY}), deliver_by_post=True)),
    Case("official my number without a basis", D, {R.OFFICIAL_MY_NUMBER_BASIS_MISSING}, req=dict(requester=official(), items=frozenset({MY}))),
    Case("official my number with its basis", A, set(), req=dict(requester=official(legal_basis="番号法19条8号 別表 年金事務"), items=frozenset({MY}))),
    Case("third party with purpose", A, set(), req=dict(requester=third())),
    Case("third party 本籍 without a special request", D, {R.SPECIAL_REQUEST_NOT_ACCEPTED}, req=dict(requester=third(), items=frozenset({HON}))),
    Case("third party 続柄 with a reason not accepted", D, {R.SPECIAL_REQUEST_NOT_ACCEPTED}, req=dict(requester=third(special_reason="相続人の確定のため"), items=frozenset({HEADREL}))),
    Case("third party 本籍 on an accepted special request", A, set(), req=dict(requester=third(special_reason="相続登記に本籍の記載が必要", special_accepted=True), items=frozenset({HON}))),
    Case("third party without an address", D, {R.APPLICANT_ADDRESS_MISSING}, req=dict(requester=third(address=" "))),
    Case("expired residence period", A, {R.RESIDENCE_PERIOD_EXPIRED}, subject=replace(HEAD, is_foreign=True, foreign_category="中長期在留者", residence_status="留学", residence_period_end=date(2026, 11, 22)), ctx=dict(household=())),
    Case("special permanent resident has no period to expire", A, set(), subject=replace(HEAD, is_foreign=True, foreign_category="特別永住者", residence_period_end=date(2026, 11, 22)), ctx=dict(household=())),
    Case("support measure ended last week: warning online", A, {R.SUPPORT_MEASURE_RECENTLY_ENDED}, ctx=dict(support_measures=(measure(HEAD.atena_no, start=date(2025, 11, 17), end=date(2026, 11, 16)),))),
    Case("support measure ended last week: blocks in BCP", D, {R.SUPPORT_MEASURE_BCP}, ctx=dict(support_measures=(measure(HEAD.atena_no, start=date(2025, 11, 17), end=date(2026, 11, 16)),), **BCP)),
    Case("support measure ended two months ago", A, set(), ctx=dict(support_measures=(measure(HEAD.atena_no, start=date(2025, 9, 1), end=date(2026, 8, 31)),))),
    Case("professional outside the eight", D, {R.QUALIFICATION_NOT_SPECIFIED}, req=dict(requester=pro(qualification="不動産鑑定士"))),
    Case("professional without registration number", D, {R.REGISTRATION_NO_MISSING}, req=dict(requester=pro(registration_no=""))),
    Case("professional without client", D, {R.CLIENT_MISSING}, req=dict(requester=pro(client_name=""))),
    Case("third party without purpose", D, {R.PURPOSE_MISSING}, req=dict(requester=third(purpose=" "))),
    Case("third party my number", D, {R.THIRD_PARTY_MY_NUMBER}, req=dict(requester=third(), items=frozenset({MY}))),
    Case("third party juminhyo code", D, {R.THIRD_PARTY_JUMINHYO_CODE}, req=dict(requester=third(), items=frozenset({CODE}))),
    Case("professional both numbers", D, {R.THIRD_PARTY_MY_NUMBER, R.THIRD_PARTY_JUMINHYO_CODE}, req=dict(requester=pro(), items=frozenset({MY, CODE}))),
    Case("professional ok", A, set(), req=dict(requester=pro(), whole_household=True)),
    Case("professional without qualification", D, {R.QUALIFICATION_MISSING}, req=dict(requester=pro(qualification=""))),
    Case("professional without purpose", D, {R.PURPOSE_MISSING}, req=dict(requester=pro(purpose=""))),
    Case("official", A, set(), req=dict(requester=official(), items=frozenset({CODE}))),
    Case("official without agency", D, {R.OFFICIAL_AGENCY_MISSING}, req=dict(requester=official(agency=""))),
    Case("third party kazei", D, {R.REQUESTER_NOT_ALLOWED}, req=dict(cert_type=KZ, tax_year=2026, requester=third()), ctx=dict(tax=TAX)),
    Case("professional kazei", D, {R.REQUESTER_NOT_ALLOWED}, req=dict(cert_type=KZ, tax_year=2026, requester=pro()), ctx=dict(tax=TAX)),
    Case("several problems at once", D, {R.IDENTITY_NOT_CHECKED, R.PURPOSE_MISSING, R.THIRD_PARTY_MY_NUMBER, R.INVALID_COPIES},
         req=dict(requester=third(purpose="", identity_document=IdentityDocument.NONE), items=frozenset({MY}), copies=0)),
    # --- 印鑑登録証明 ----------------------------------------------------------------------
    Case("inkan with card", A, set(), req=dict(cert_type=IN, inkan_card_no="C-0012345"), ctx=dict(seal=SEAL)),
    Case("inkan card typed differently", A, set(), req=dict(cert_type=IN, inkan_card_no="ｃ００１２３４５"), ctx=dict(seal=SEAL)),
    Case("inkan by agent with card, no ininjo", A, set(), req=dict(cert_type=IN, inkan_card_no="C-0012345", requester=agent(has_power_of_attorney=False)), ctx=dict(seal=SEAL)),
    Case("inkan by a third party with card", A, set(), req=dict(cert_type=IN, inkan_card_no="C-0012345", requester=third(purpose="")), ctx=dict(seal=SEAL)),
    Case("inkan by someone unidentified as household", A, set(), req=dict(cert_type=IN, inkan_card_no="C-0012345", requester=household_req(requester_atena_no=None)), ctx=dict(seal=SEAL)),
    Case("inkan presenter not identified", D, {R.IDENTITY_NOT_CHECKED}, req=dict(cert_type=IN, inkan_card_no="C-0012345", requester=agent(identity_document=IdentityDocument.NONE)), ctx=dict(seal=SEAL)),
    Case("inkan official without agency", D, {R.OFFICIAL_AGENCY_MISSING}, req=dict(cert_type=IN, inkan_card_no="C-0012345", requester=official(agency="")), ctx=dict(seal=SEAL)),
    Case("inkan without card", D, {R.INKAN_CARD_MISSING}, req=dict(cert_type=IN), ctx=dict(seal=SEAL)),
    Case("inkan not registered", D, {R.INKAN_NOT_REGISTERED}, req=dict(cert_type=IN, inkan_card_no="C-0012345")),
    Case("inkan registered to someone else", D, {R.INKAN_NOT_REGISTERED}, req=dict(cert_type=IN, inkan_card_no="C-0012345"), ctx=dict(seal=replace(SEAL, atena_no=WIFE.atena_no))),
    Case("inkan wrong card", D, {R.INKAN_CARD_MISMATCH}, req=dict(cert_type=IN, inkan_card_no="C-9999999"), ctx=dict(seal=SEAL)),
    Case("inkan abolished", D, {R.INKAN_REGISTRATION_ABOLISHED}, req=dict(cert_type=IN, inkan_card_no="C-0012345"), ctx=dict(seal=replace(SEAL, active=False))),
    Case("inkan for a removed resident", D, {R.INKAN_SUBJECT_NOT_RESIDENT}, subject=MOVED, req=dict(cert_type=IN, inkan_card_no="C-0012345"), ctx=dict(seal=SEAL)),
    # --- 課税証明 --------------------------------------------------------------------------
    Case("kazei", A, set(), req=dict(cert_type=KZ, tax_year=2026), ctx=dict(tax=TAX)),
    Case("kazei by household member", A, set(), req=dict(cert_type=KZ, tax_year=2026, requester=household_req()), ctx=dict(tax=TAX)),
    Case("kazei by agent without ininjo", D, {R.POWER_OF_ATTORNEY_MISSING}, req=dict(cert_type=KZ, tax_year=2026, requester=agent(has_power_of_attorney=False)), ctx=dict(tax=TAX)),
    Case("kazei for a moved-out taxpayer", A, set(), subject=MOVED, req=dict(cert_type=KZ, tax_year=2026), ctx=dict(tax=TAX)),
    Case("kazei no year", D, {R.TAX_YEAR_MISSING}, req=dict(cert_type=KZ), ctx=dict(tax=TAX)),
    Case("kazei 4 years back", A, set(), req=dict(cert_type=KZ, tax_year=2022), ctx=dict(tax=replace(TAX, tax_year=2022))),
    Case("kazei 5 years back", D, {R.TAX_YEAR_OUT_OF_RANGE}, req=dict(cert_type=KZ, tax_year=2021), ctx=dict(tax=replace(TAX, tax_year=2021))),
    Case("kazei next year", D, {R.TAX_YEAR_OUT_OF_RANGE}, req=dict(cert_type=KZ, tax_year=2027)),
    Case("kazei no income data", D, {R.TAX_NO_DATA}, req=dict(cert_type=KZ, tax_year=2026)),
    Case("kazei data for another year", D, {R.TAX_NO_DATA}, req=dict(cert_type=KZ, tax_year=2025), ctx=dict(tax=TAX)),
    Case("kazei not resident on 1 January", D, {R.TAX_NOT_RESIDENT_ON_JAN1}, req=dict(cert_type=KZ, tax_year=2026), ctx=dict(tax=replace(TAX, resided_on_jan1=False))),
    Case("kazei moved in after 1 January, no data", D, {R.TAX_NOT_RESIDENT_ON_JAN1}, subject=replace(HEAD, became_resident_on=date(2026, 1, 2)), req=dict(cert_type=KZ, tax_year=2026)),
    # --- fees ------------------------------------------------------------------------------
    Case("registered exemption", A, set(), req=dict(exemption_reason="生活保護")),
    Case("unknown exemption", D, {R.INVALID_EXEMPTION}, req=dict(exemption_reason="友人")),
    # --- 支援措置 --------------------------------------------------------------------------
    Case("subject protected", N, {R.SUPPORT_MEASURE}, ctx=dict(support_measures=(measure(HEAD.atena_no),))),
    Case("co-resident protected (shared address)", N, {R.SUPPORT_MEASURE}, ctx=dict(support_measures=(measure(WIFE.atena_no),))),
    Case("protected member requested", N, {R.SUPPORT_MEASURE}, req=dict(member_atena_nos=(CHILD.atena_no,)), ctx=dict(support_measures=(measure(CHILD.atena_no),))),
    Case("protected, released with reason", A, {R.SUPPORT_MEASURE_RELEASED}, ctx=dict(support_measures=(measure(HEAD.atena_no),), releases=(SupportRelease("SM-1", "支援 係長", "本人が来庁、身元確認済"),))),
    Case("release without a reason does not count", N, {R.SUPPORT_MEASURE}, ctx=dict(support_measures=(measure(HEAD.atena_no),), releases=(SupportRelease("SM-1", "支援 係長", " "),))),
    Case("release of another measure does not count", N, {R.SUPPORT_MEASURE}, ctx=dict(support_measures=(measure(HEAD.atena_no),), releases=(SupportRelease("SM-9", "支援 係長", "理由"),))),
    Case("perpetrator by name", D, {R.SUPPORT_MEASURE_PERPETRATOR}, req=dict(requester=third(name="鈴木　一")), ctx=dict(support_measures=(measure(HEAD.atena_no),))),
    Case("perpetrator by atena number", D, {R.SUPPORT_MEASURE_PERPETRATOR}, req=dict(requester=third(name="別名", requester_atena_no=OUTSIDER.atena_no)), ctx=dict(support_measures=(measure(WIFE.atena_no),))),
    Case("agent acting for the perpetrator", D, {R.SUPPORT_MEASURE_PERPETRATOR}, req=dict(requester=agent(acting_for_atena_no=OUTSIDER.atena_no)), ctx=dict(support_measures=(measure(HEAD.atena_no),))),
    Case("perpetrator even after release", D, {R.SUPPORT_MEASURE_PERPETRATOR}, req=dict(requester=third(name="鈴木一")), ctx=dict(support_measures=(measure(HEAD.atena_no),), releases=(SupportRelease("SM-1", "支援 係長", "理由"),))),
    Case("victim's name by agent", D, {R.SUPPORT_MEASURE_VICTIM_BY_AGENT}, req=dict(requester=agent()), ctx=dict(support_measures=(measure(HEAD.atena_no),))),
    Case("victim's name by agent after release", D, {R.SUPPORT_MEASURE_VICTIM_BY_AGENT}, req=dict(requester=agent()), ctx=dict(support_measures=(measure(HEAD.atena_no),), releases=(SupportRelease("SM-1", "支援 係長", "理由"),))),
    Case("victim's name by post", D, {R.SUPPORT_MEASURE_VICTIM_BY_POST}, req=dict(requester=self_requester(HEAD, by_post=True)), ctx=dict(support_measures=(measure(HEAD.atena_no),))),
    Case("co-resident by post", N, {R.SUPPORT_MEASURE}, req=dict(requester=self_requester(HEAD, by_post=True)), ctx=dict(support_measures=(measure(WIFE.atena_no),))),
    Case("by post, no measure", A, set(), req=dict(requester=self_requester(HEAD, by_post=True))),
    Case("protected person in BCP", D, {R.SUPPORT_MEASURE_BCP}, ctx=dict(support_measures=(measure(HEAD.atena_no),), **BCP)),
    Case("released but BCP", D, {R.SUPPORT_MEASURE_BCP}, ctx=dict(support_measures=(measure(HEAD.atena_no),), releases=(SupportRelease("SM-1", "支援 係長", "理由"),), **BCP)),
    Case("protected on inkan", N, {R.SUPPORT_MEASURE}, req=dict(cert_type=IN, inkan_card_no="C-0012345"), ctx=dict(seal=SEAL, support_measures=(measure(HEAD.atena_no),))),
    Case("expired measure", A, set(), ctx=dict(support_measures=(measure(HEAD.atena_no, start=date(2024, 4, 1), end=date(2025, 3, 31)),))),
    Case("measure from tomorrow", A, set(), ctx=dict(support_measures=(measure(HEAD.atena_no, start=date(2026, 11, 24)),))),
    Case("measure ends today", N, {R.SUPPORT_MEASURE}, ctx=dict(support_measures=(measure(HEAD.atena_no, start=date(2025, 11, 24), end=date(2026, 11, 23)),))),
    Case("provisional measure", N, {R.SUPPORT_MEASURE}, ctx=dict(support_measures=(measure(HEAD.atena_no, start=None, end=None, provisional=True),))),
    Case("measure for viewing only", A, set(), ctx=dict(support_measures=(measure(HEAD.atena_no, processes=(Process.SHOKAI,)),))),
    Case("measure of another household", A, set(), ctx=dict(support_measures=(measure(OUTSIDER.atena_no),))),
    Case("measure and another deny", D, {R.SUPPORT_MEASURE, R.PURPOSE_MISSING}, req=dict(requester=third(purpose="")), ctx=dict(support_measures=(measure(HEAD.atena_no),))),
    # --- 抑止 ------------------------------------------------------------------------------
    Case("suppressed (error)", D, {R.SUPPRESSED}, ctx=dict(suppressions=(suppression(),))),
    Case("suppression alert", A, {R.SUPPRESSION_ALERT}, ctx=dict(suppressions=(suppression(level=SuppressionLevel.ALERT),))),
    Case("household suppression", D, {R.SUPPRESSED}, ctx=dict(suppressions=(suppression(atena_no=None, household_no=HEAD.household_no),))),
    Case("suppression on a printed member", D, {R.SUPPRESSED}, req=dict(whole_household=True), ctx=dict(suppressions=(suppression(atena_no=CHILD.atena_no),))),
    Case("suppression on a member not printed", A, set(), ctx=dict(suppressions=(suppression(atena_no=CHILD.atena_no),))),
    Case("suppression for another process", A, set(), ctx=dict(suppressions=(suppression(process=Process.IDO),))),
    Case("suppression not started", A, set(), ctx=dict(suppressions=(suppression(start=date(2026, 12, 1)),))),
    Case("suppression ended", A, set(), ctx=dict(suppressions=(suppression(start=date(2026, 1, 1), end=date(2026, 11, 22)),))),
    Case("suppression ends today", D, {R.SUPPRESSED}, ctx=dict(suppressions=(suppression(end=date(2026, 11, 23)),))),
    Case("open-ended suppression never lapses", D, {R.SUPPRESSED}, ctx=dict(suppressions=(suppression(start=date(2001, 1, 1)),))),
    Case("temporarily released", A, set(), ctx=dict(suppressions=(suppression(released_until=NOW + timedelta(minutes=30)),))),
    Case("temporary release expired: re-locked", D, {R.SUPPRESSED}, ctx=dict(suppressions=(suppression(released_until=NOW - timedelta(seconds=1)),))),
    Case("alert in BCP", D, {R.SUPPRESSED_BCP}, ctx=dict(suppressions=(suppression(level=SuppressionLevel.ALERT),), **BCP)),
    Case("temporarily released but BCP", D, {R.SUPPRESSED_BCP}, ctx=dict(suppressions=(suppression(released_until=NOW + timedelta(minutes=30)),), **BCP)),
    # --- BCP -------------------------------------------------------------------------------
    Case("bcp plain", A, set(), ctx=dict(BCP)),
    Case("bcp my number", D, {R.BCP_ITEM_NOT_REPLICATED}, req=dict(items=frozenset({MY})), ctx=dict(BCP)),
    Case("bcp juminhyo code", D, {R.BCP_ITEM_NOT_REPLICATED}, req=dict(items=frozenset({CODE})), ctx=dict(BCP)),
    Case("bcp as-of unknown", D, {R.REPLICA_AS_OF_UNKNOWN}, ctx=dict(mode=Mode.BCP)),
    Case("bcp replica at the limit", A, set(), ctx=dict(mode=Mode.BCP, replica_as_of=NOW - timedelta(hours=72))),
    Case("bcp replica too old", D, {R.REPLICA_STALE}, ctx=dict(mode=Mode.BCP, replica_as_of=NOW - timedelta(hours=72, seconds=1))),
    Case("bcp replica too old, overridden", A, {R.REPLICA_STALE_OVERRIDDEN}, ctx=dict(mode=Mode.BCP, replica_as_of=NOW - timedelta(hours=100), stale_override_reason="災害対応のため係長承認")),
    Case("bcp per-municipality limit", D, {R.REPLICA_STALE}, ctx=dict(mode=Mode.BCP, replica_as_of=NOW - timedelta(hours=25), municipality=municipality(replica_max_age_hours=24))),
    Case("bcp pending change", A, {R.PENDING_CHANGES}, ctx=dict(pending_change_atena_nos=frozenset({HEAD.atena_no}), **BCP)),
    Case("pending change ignored online", A, set(), ctx=dict(pending_change_atena_nos=frozenset({HEAD.atena_no}))),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_rule_table(case: Case) -> None:
    req, ctx = case.build()
    decision = evaluate(req, ctx)
    codes = {r.code for r in decision.reasons}
    assert decision.outcome is case.outcome, (decision.outcome, decision.reasons)
    assert case.codes <= codes, codes
    if case.outcome is Outcome.ALLOW:
        assert decision.content is not None
        assert all(not r.blocking for r in decision.reasons)
        assert codes == case.codes  # no unexpected warnings either
    else:
        assert decision.content is None
        assert any(r.blocking for r in decision.reasons)
    for r in decision.reasons:
        assert r.message_ja and r.message_en and "{" not in r.message_ja
        assert r.code in R.ALL_CODES


def test_every_reason_code_is_exercised_by_the_table() -> None:
    covered = set().union(*(c.codes for c in CASES))
    assert covered == set(R.ALL_CODES), sorted(set(R.ALL_CODES) - covered)


def test_needs_release_names_the_measures() -> None:
    req, ctx = Case("x", N, set(), ctx=dict(support_measures=(
        measure(HEAD.atena_no), measure(WIFE.atena_no, measure_id="SM-2"), measure(OUTSIDER.atena_no, measure_id="SM-3"),
    ))).build()
    decision = evaluate(req, ctx)
    assert decision.outcome is Outcome.NEEDS_RELEASE
    assert decision.release_measure_ids == ("SM-1", "SM-2")
    # releasing one of two is not enough
    partial = replace(ctx, releases=(SupportRelease("SM-1", "係長", "確認済"),))
    assert evaluate(req, partial).release_measure_ids == ("SM-2",)
    both = replace(ctx, releases=(SupportRelease("SM-1", "係長", "確認済"), SupportRelease("SM-2", "係長", "確認済")))
    assert evaluate(req, both).outcome is Outcome.ALLOW


def test_blocking_reasons_come_before_warnings() -> None:
    req, ctx = Case("x", D, set(), req=dict(requester=agent(), items=frozenset({MY}), copies=0,
                                            deliver_by_post=True)).build()
    decision = evaluate(req, ctx)
    flags = [r.blocking for r in decision.reasons]
    assert flags == sorted(flags, reverse=True) and flags[0] and not flags[-1]


def test_aware_and_naive_datetimes_mix() -> None:
    from datetime import timezone

    jst = timezone(timedelta(hours=9))
    aware_now = NOW.replace(tzinfo=jst)
    req, ctx = Case("x", A, set(), ctx=dict(mode=Mode.BCP, replica_as_of=NOW - timedelta(hours=1))).build()
    assert evaluate(req, replace(ctx, now=aware_now)).outcome is Outcome.ALLOW
    ctx2 = replace(ctx, now=aware_now, suppressions=(suppression(released_until=datetime(2026, 11, 23, 11, 0)),), mode=Mode.ONLINE)
    assert evaluate(req, ctx2).outcome is Outcome.ALLOW


def test_reason_catalogue_is_complete_and_documented() -> None:
    constants = {v for k, v in vars(R).items() if k.isupper() and isinstance(v, str) and k not in ("CATALOGUE",)}
    assert constants == set(R.ALL_CODES)
    for code, spec in R.CATALOGUE.items():
        assert spec.message_ja and spec.message_en, code
        assert not (spec.releasable and not spec.blocking), code
    assert R.RELEASABLE_CODES == {R.SUPPORT_MEASURE}



@pytest.mark.parametrize("code", sorted(R.ALL_CODES))
def test_every_message_fills_its_placeholders(code: str) -> None:
    import string

    spec = R.CATALOGUE[code]
    names = {f for text in (spec.message_ja, spec.message_en) for _, f, _, _ in string.Formatter().parse(text) if f}
    reason = R.make(code, **{n: f"<{n}>" for n in names})
    for n in names:
        assert f"<{n}>" in reason.message_ja + reason.message_en
    assert "{" not in reason.message_ja and "{" not in reason.message_en
    assert reason.blocking is spec.blocking
    assert any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in reason.message_ja)


@pytest.mark.parametrize("utc_hour", [0, 14, 15, 23])
def test_a_support_measure_starting_today_in_japan_blocks_whatever_the_clock_zone(utc_hour: int) -> None:
    """A terminal's clock gives aware UTC moments; from 15:00 UTC it is already the next day in
    Japan. A 支援措置 recorded on that Japanese day is in force (BCP refuses; online it needs a
    release), and the certificate is dated with the Japanese day."""
    from datetime import UTC

    from client.domain.calendar_day import japan_date

    moment = datetime(2026, 12, 2, utc_hour, 18, tzinfo=UTC)
    day_in_japan = japan_date(moment)
    assert day_in_japan == (date(2026, 12, 3) if utc_hour >= 15 else date(2026, 12, 2))
    starting_today = measure(HEAD.atena_no, start=day_in_japan, end=None)
    for mode in (Mode.BCP, Mode.ONLINE):
        decision = evaluate(request(HEAD), context(HEAD, FAMILY, now=moment, mode=mode, replica_as_of=moment,
                                                   support_measures=(starting_today,)))
        assert decision.outcome is not Outcome.ALLOW, (mode, [r.code for r in decision.reasons])
        assert any(r.code.startswith("support_measure") for r in decision.reasons if r.blocking)
        if mode is Mode.BCP:
            assert decision.outcome is Outcome.DENY
