"""Resolve what a certificate says once the rules allow it: printed items, order, 認証文, issuer.

Only the items that are to print are filled in (住基法12条5項: 世帯主・続柄, 本籍・筆頭者,
住民票コード, 個人番号 are omitted unless specially requested). Kana are katakana (the renderer
adds the brackets); dates are 和暦 text, 西暦 for foreign residents.
"""

from __future__ import annotations

from datetime import date

from client.domain.calendar_day import japan_date
from client.domain.certificates import (
    CertificateContent,
    CertificateType,
    JuminhyoItem,
    Layout,
    PrintedPerson,
)
from client.domain.counter import Mode
from client.domain.decision import EvaluationContext
from client.domain.foreign import has_residence_status
from client.domain.form_params import FormParameters, form_id_for
from client.domain.household import head_of
from client.domain.kana import to_katakana
from client.domain.municipality import MunicipalityParams
from client.domain.request import IssuanceRequest, RequesterKind
from client.domain.residents import Resident, ResidentStatus, Sex, TaxSummary
from client.domain.tax import (
    FOREST_TAX_FROM,
    forest_environment_tax,
    per_capita_levy,
    salary_income,
    tax_labels,
)
from client.domain.wareki import fiscal_year_text, format_date, format_partial, to_wareki, year_text

CERT_JUMINHYO = "この写しは、住民票の原本と相違ないことを証明する。"
CERT_JUMINHYO_HOUSEHOLD = "この写しは、世帯全員の住民票の原本と相違ないことを証明する。"
CERT_KISAI_JIKO = "上記のとおり住民票に記載されていることを証明する。"
CERT_JOHYO = "この写しは、住民票の除票の原本と相違ないことを証明する。"
CERT_INKAN = "この写しは、登録されている印影と相違ないことを証明する。"
CERT_KAZEI = "上記のとおり相違ないことを証明する。"

# Items printed on a 住民票 / 除票 without a special request.
DEFAULT_ITEMS: frozenset[JuminhyoItem] = frozenset({JuminhyoItem.PREVIOUS_ADDRESS})
# Items that only print when specially requested (住基法12条5項).
SPECIAL_ITEMS: frozenset[JuminhyoItem] = frozenset(
    {JuminhyoItem.HEAD_RELATION, JuminhyoItem.HONSEKI, JuminhyoItem.JUMINHYO_CODE, JuminhyoItem.MY_NUMBER,
     JuminhyoItem.FOREIGN_STATUS, JuminhyoItem.RESIDENCE_CARD_NO}
)
FOREIGN_BECAME_LABEL = "外国人住民となった年月日"
NO_HONSEKI = "本籍のない者"
JUMINHYO_LIKE = frozenset({CertificateType.JUMINHYO, CertificateType.KISAI_JIKO, CertificateType.JOHYO})


def printed_items(request: IssuanceRequest) -> frozenset[JuminhyoItem]:
    """The 住民票 items that print for this request."""
    if request.cert_type not in JUMINHYO_LIKE:
        return frozenset()
    if request.cert_type is CertificateType.KISAI_JIKO:
        return frozenset(request.items)
    return DEFAULT_ITEMS | frozenset(request.items)


def certification_text(request: IssuanceRequest, params: FormParameters | None = None) -> str:
    """認証文 for the last page: the municipality's override for the form when it set one."""
    if params is not None and params.certification_text:
        return params.certification_text
    cert = request.cert_type
    if cert is CertificateType.JUMINHYO:
        return CERT_JUMINHYO_HOUSEHOLD if request.whole_household else CERT_JUMINHYO
    return {
        CertificateType.KISAI_JIKO: CERT_KISAI_JIKO,
        CertificateType.JOHYO: CERT_JOHYO,
        CertificateType.INKAN: CERT_INKAN,
        CertificateType.KAZEI: CERT_KAZEI,
    }[cert]


def issuer_for(municipality: MunicipalityParams, day: date) -> tuple[str, str]:
    """(職名, 氏名): the 職務代理者 whose registered period covers ``day``, else the mayor.

    The 職名 carries the prefecture (東京都桜ヶ丘市長), as the standard's issuer line does."""
    title, name = municipality.mayor_title, municipality.mayor_name
    for deputy in municipality.deputies:
        if deputy.start <= day <= deputy.end:
            title, name = deputy.title, deputy.name
            break
    prefecture = municipality.prefecture.strip()
    if prefecture and not title.startswith(prefecture):
        title = prefecture + title
    return title, name


def _d(value: date | None, foreign: bool) -> str:
    return format_date(value, foreign=foreign) if value is not None else ""


def _sex(sex: Sex) -> str:
    return "男" if sex is Sex.MALE else "女"


def omitted_items(resident: Resident, cert: CertificateType, items: frozenset[JuminhyoItem]) -> tuple[str, ...]:
    """The 12条5項 / 30条の51 items that apply to this person and were not asked for: the form
    prints 省略 for them rather than an empty box (which would read as 'none')."""
    if cert not in (CertificateType.JUMINHYO, CertificateType.JOHYO):
        return ()
    foreign_only = {JuminhyoItem.FOREIGN_STATUS, JuminhyoItem.RESIDENCE_CARD_NO}

    def applies(item: JuminhyoItem) -> bool:
        if item in foreign_only:
            return resident.is_foreign
        return not (item is JuminhyoItem.HONSEKI and resident.is_foreign)

    return tuple(sorted(i.value for i in SPECIAL_ITEMS if i not in items and applies(i)))


def printed_person(resident: Resident, cert: CertificateType, items: frozenset[JuminhyoItem],
                   municipality: MunicipalityParams, registration_no: str = "") -> PrintedPerson:
    """One person with only the items that print on ``cert``."""
    foreign = resident.is_foreign
    base = PrintedPerson(
        atena_no=resident.atena_no,
        name=resident.name,
        kana="",
        birth_text=format_partial(resident.birth, foreign=foreign),
        sex_text=_sex(resident.sex),
    )
    if cert is CertificateType.INKAN:
        # 旧氏 whenever recorded (since 令和元年11月5日, not omissible); for foreign residents the
        # 通称 and the 氏名の片仮名表記, in which a seal may also be registered
        return PrintedPerson(
            atena_no=base.atena_no,
            name=base.name,
            kana="",
            birth_text=base.birth_text,
            sex_text=base.sex_text if municipality.print_sex_on_inkan else "",
            former_surname=resident.former_surname,
            alias=resident.alias if foreign else "",
            extra={
                **({"katakana_name": to_katakana(resident.kana)} if foreign and resident.kana else {}),
                # 登録番号: only where the municipality prints it (form parameter registration_no)
                **({"registration_no": registration_no} if registration_no else {}),
            },
        )
    if cert is CertificateType.KAZEI:
        return PrintedPerson(atena_no=base.atena_no, name=base.name, kana="", birth_text=base.birth_text, sex_text="")
    full_record = cert in (CertificateType.JUMINHYO, CertificateType.JOHYO)
    # 住所を定めた年月日 prints only after a 転居 (it differs from the day the person became a resident);
    # the 前住所 is then the address before that 異動, otherwise the one before the 転入
    moved_within = resident.jutei_on is not None and resident.jutei_on != resident.became_resident_on
    removal = ""
    if cert is CertificateType.JOHYO and resident.removed_on is not None:
        removal = f"{format_date(resident.removed_on, foreign=foreign)} {resident.removal_reason}".strip()
    honseki = JuminhyoItem.HONSEKI in items and not foreign
    status_items = foreign and JuminhyoItem.FOREIGN_STATUS in items
    with_status = status_items and has_residence_status(resident)  # a 特別永住者 has neither
    return PrintedPerson(
        atena_no=resident.atena_no,
        name=resident.name,
        kana=to_katakana(resident.kana),
        birth_text=base.birth_text,
        sex_text=base.sex_text,
        relation=resident.relation if JuminhyoItem.HEAD_RELATION in items else "",
        became_resident_text=_d(resident.became_resident_on, foreign) if full_record else "",
        jutei_text=_d(resident.jutei_on, foreign) if full_record and moved_within else "",
        notified_text=_d(resident.notified_on, foreign) if full_record else "",
        previous_address=resident.previous_address if JuminhyoItem.PREVIOUS_ADDRESS in items else "",
        # 7条5号: 本籍のない者・本籍の明らかでない者 are stated as such, never left blank
        honseki=(resident.honseki or NO_HONSEKI) if honseki else "",
        hittousha=resident.hittousha if honseki else "",
        my_number=(resident.my_number or "") if JuminhyoItem.MY_NUMBER in items else "",
        juminhyo_code=(resident.juminhyo_code or "") if JuminhyoItem.JUMINHYO_CODE in items else "",
        former_surname=resident.former_surname if full_record else "",
        alias=resident.alias if full_record or foreign else "",
        nationality=resident.nationality if foreign else "",
        residence_status=resident.residence_status if with_status else "",
        foreign_category=resident.foreign_category if status_items else "",
        residence_period=resident.residence_period if with_status else "",
        residence_period_end_text=_d(resident.residence_period_end, True) if with_status else "",
        residence_card_no=(resident.residence_card_no
                           if foreign and JuminhyoItem.RESIDENCE_CARD_NO in items else ""),
        became_resident_label=FOREIGN_BECAME_LABEL if foreign else "",
        previous_address_label=("異動前住所" if moved_within else "転入前住所") if resident.previous_address else "",
        omitted_items=omitted_items(resident, cert, items),
        moved_to_address=resident.moved_to_address if cert is CertificateType.JOHYO else "",
        moved_out_notified_text=(_d(resident.moved_out_notified_on, foreign)
                                 if cert is CertificateType.JOHYO else ""),
        removal_text=removal,
    )


def _yen(amount: int) -> str:
    return f"{amount:,}円"


_INCOME_KINDS = (("business_income", "事業所得"), ("pension_income", "公的年金等に係る雑所得"),
                 ("misc_income", "その他の雑所得"))
_DEDUCTION_KINDS = (("social_insurance", "社会保険料控除"), ("basic", "基礎控除"), ("spouse", "配偶者控除"),
                    ("dependents_deduction", "扶養控除"), ("other_deductions", "その他の所得控除"))


def tax_rows(tax: TaxSummary, municipality: MunicipalityParams | None = None) -> tuple[tuple[str, str], ...]:
    """課税証明 rows (label, value): income by kind (給与所得 after the 給与所得控除), 所得控除 by
    kind, 所得割 and 均等割 per tax with the total, 森林環境税 from 令和6年度 (when recorded by kind)."""
    if tax.breakdown and municipality is not None:
        return _tax_rows_by_kind(tax, municipality)
    return (
        ("年度", fiscal_year_text(tax.tax_year)),
        ("所得の年分", f"{year_text(tax.tax_year - 1)}分"),
        ("合計所得金額", _yen(tax.total_income)),
        ("給与収入金額", _yen(tax.salary_income)),
        ("所得控除額合計", _yen(tax.deductions)),
        ("課税標準額", _yen(tax.taxable_income)),
        ("市町村民税額", _yen(tax.municipal_tax)),
        ("道府県民税額", _yen(tax.prefectural_tax)),
        ("扶養親族数", f"{tax.dependents}人"),
    )


def _tax_rows_by_kind(tax: TaxSummary, municipality: MunicipalityParams) -> tuple[tuple[str, str], ...]:
    b = tax.breakdown
    income_year = tax.tax_year - 1
    rows: list[tuple[str, str]] = [
        ("年度", fiscal_year_text(tax.tax_year)),
        ("所得の年分", f"{year_text(income_year)}分"),
        ("給与収入金額", _yen(tax.salary_income)),
        ("給与所得", _yen(salary_income(tax.salary_income, income_year))),
    ]
    rows += [(label, _yen(b[key])) for key, label in _INCOME_KINDS if b.get(key)]
    rows.append(("合計所得金額", _yen(tax.total_income)))
    rows += [(label, _yen(b[key])) for key, label in _DEDUCTION_KINDS if b.get(key)]
    rows += [("所得控除額合計", _yen(tax.deductions)), ("課税標準額", _yen(tax.taxable_income))]
    local, pref = tax_labels(municipality.name, municipality.prefecture)
    taxed = tax.total_income > 0 and (tax.municipal_tax > 0 or tax.prefectural_tax > 0)
    per_local, per_pref = per_capita_levy(tax.tax_year) if taxed else (0, 0)
    levy_local, levy_pref = b.get("municipal_income_levy", 0), b.get("prefectural_income_levy", 0)
    forest = forest_environment_tax(tax.tax_year) if taxed else 0
    rows += [
        (f"{local} 所得割額", _yen(levy_local)), (f"{local} 均等割額", _yen(per_local)),
        (f"{pref} 所得割額", _yen(levy_pref)), (f"{pref} 均等割額", _yen(per_pref)),
    ]
    if tax.tax_year >= FOREST_TAX_FROM:
        rows.append(("森林環境税額", _yen(forest)))
    rows += [("年税額合計", _yen(levy_local + per_local + levy_pref + per_pref + forest)),
             ("扶養親族数", f"{tax.dependents}人")]
    return tuple(rows)


def build_content(
    request: IssuanceRequest,
    ctx: EvaluationContext,
    persons: list[Resident],
    fee_per_copy: int,
    exemption_reason: str,
) -> CertificateContent:
    """The fully resolved content (``issue_number`` left empty for the caller)."""
    assert ctx.subject is not None
    subject = ctx.subject
    cert = request.cert_type
    items = printed_items(request)
    municipality = ctx.municipality
    today = japan_date(ctx.now)
    issuer_title, issuer_name = issuer_for(municipality, today)
    # the household as loaded may hold removed members; the 世帯主 printed is a current one
    # (for a 除票, the head of the household the person was removed from)
    members = [m for m in ctx.household if cert is CertificateType.JOHYO or m.status is ResidentStatus.RESIDENT]
    head = head_of(members) if JuminhyoItem.HEAD_RELATION in items else None
    layout = request.layout if cert in (CertificateType.JUMINHYO, CertificateType.KISAI_JIKO) else Layout.KOJIN
    form_params = ctx.form_parameters.get(form_id_for(cert, layout))
    registration_no = ""
    if cert is CertificateType.INKAN and ctx.seal is not None and form_params is not None and form_params.registration_no:
        registration_no = ctx.seal.registration_no
    return CertificateContent(
        cert_type=cert,
        title=cert.label_ja,
        layout=layout,
        municipality_code=municipality.code,
        municipality_name=municipality.name,
        prefecture=municipality.prefecture,
        issuer_title=issuer_title,
        issuer_name=issuer_name,
        issued_at=ctx.now,
        issue_date_text=to_wareki(today),
        address=subject.address,
        katagaki=subject.katagaki,
        head_name=head.name if head is not None else "",
        persons=tuple(printed_person(p, cert, items, municipality, registration_no) for p in persons),
        certification_text=certification_text(request, form_params),
        printed_items=tuple(sorted(i.value for i in items)),
        fee_yen=fee_per_copy,
        exemption_reason=exemption_reason,
        official_use=request.requester.kind is RequesterKind.OFFICIAL,
        training=request.training,
        issue_number="",
        seal_image_png=ctx.seal.seal_image_png if cert is CertificateType.INKAN and ctx.seal else b"",
        municipal_seal_png=municipality.seal_image_png,
        tax_rows=tax_rows(ctx.tax, municipality) if cert is CertificateType.KAZEI and ctx.tax is not None else (),
        notes=(form_params.note,) if form_params is not None and form_params.note else (),
        mode=ctx.mode,
        data_as_of=ctx.replica_as_of if ctx.mode is Mode.BCP else None,
    )
