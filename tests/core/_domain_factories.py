"""Builders for domain objects used by the tests/core/test_domain_*.py files."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from client.domain.checkdigits import make_atena_no, make_my_number
from client.domain.model import (
    Deputy,
    EvaluationContext,
    IdentityDocument,
    IssuanceRequest,
    MunicipalityParams,
    Requester,
    RequesterKind,
    Resident,
    Sex,
)
from client.domain.partial_date import PartialDate

NOW = datetime(2026, 11, 23, 10, 30)
HOUSEHOLD_NO = make_atena_no(500001)


def atena(serial: int) -> str:
    return make_atena_no(serial)


def resident(serial: int, **kw: Any) -> Resident:
    base: dict[str, Any] = dict(
        atena_no=atena(serial),
        household_no=HOUSEHOLD_NO,
        name=f"山田 {serial}",
        kana="ヤマダ タロウ",
        birth=PartialDate(1980, 4, 1),
        sex=Sex.MALE,
        relation="子",
        is_head=False,
        address="東京都桜ヶ丘市本町一丁目2番3号",
        katagaki="桜ハイツ101",
        honseki="東京都桜ヶ丘市本町一丁目2番地",
        hittousha="山田 太郎",
        became_resident_on=date(2010, 4, 1),
        jutei_on=date(2010, 4, 1),
        notified_on=date(2010, 4, 5),
        previous_address="大阪府大阪市北区梅田1丁目1番1号",
        my_number=make_my_number(f"{serial:011d}"),
        juminhyo_code=f"{serial:011d}",
    )
    base.update(kw)
    return Resident(**base)


def family() -> tuple[Resident, ...]:
    """世帯主 山田太郎, 妻 花子, two children, his mother. Given in a scrambled order."""
    return (
        resident(5, name="山田 次郎", kana="ヤマダ ジロウ", birth=PartialDate(2012, 8, 1), relation="子"),
        resident(3, name="山田 花子", kana="ヤマダ ハナコ", birth=PartialDate(1982, 6, 2), relation="妻", sex=Sex.FEMALE),
        resident(9, name="山田 ウメ", kana="ヤマダ ウメ", birth=PartialDate(1950, 1, 1), relation="母", sex=Sex.FEMALE),
        resident(1, name="山田 太郎", kana="ヤマダ タロウ", birth=PartialDate(1980, 4, 1), relation="世帯主", is_head=True),
        resident(4, name="山田 一郎", kana="ヤマダ イチロウ", birth=PartialDate(2010, 5, 5), relation="子"),
    )


def municipality(**kw: Any) -> MunicipalityParams:
    base: dict[str, Any] = dict(
        code="131016",
        name="桜ヶ丘市",
        prefecture="東京都",
        mayor_title="桜ヶ丘市長",
        mayor_name="桜井 一郎",
        fees={"juminhyo": 300, "kisai_jiko": 300, "johyo": 300, "inkan": 300, "kazei": 350},
    )
    base.update(kw)
    return MunicipalityParams(**base)


def deputy(start: date, end: date) -> Deputy:
    return Deputy(title="桜ヶ丘市長職務代理者 副市長", name="副島 二郎", start=start, end=end)


def self_requester(subject: Resident, **kw: Any) -> Requester:
    base: dict[str, Any] = dict(
        kind=RequesterKind.SELF,
        name=subject.name,
        identity_document=IdentityDocument.MY_NUMBER_CARD,
        requester_atena_no=subject.atena_no,
    )
    base.update(kw)
    return Requester(**base)


def request(subject: Resident, **kw: Any) -> IssuanceRequest:
    from client.domain.model import CertificateType

    base: dict[str, Any] = dict(
        cert_type=CertificateType.JUMINHYO,
        subject_atena_no=subject.atena_no,
        requester=self_requester(subject),
    )
    base.update(kw)
    return IssuanceRequest(**base)


def context(subject: Resident | None, household: tuple[Resident, ...] = (), **kw: Any) -> EvaluationContext:
    from client.domain.model import Mode

    base: dict[str, Any] = dict(
        now=NOW,
        mode=Mode.ONLINE,
        municipality=municipality(),
        subject=subject,
        household=household or ((subject,) if subject is not None else ()),
    )
    base.update(kw)
    return EvaluationContext(**base)
