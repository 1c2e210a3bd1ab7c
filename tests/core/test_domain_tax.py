"""課税(所得)証明 by kind (issue 16): 給与所得控除, 均等割, 森林環境税, labels, the 年度 window."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest
from _domain_factories import context, request, resident

from client.domain import reasons as R
from client.domain.model import CertificateType, TaxSummary
from client.domain.rules import evaluate
from client.domain.tax import (
    fiscal_year_of,
    forest_environment_tax,
    per_capita_levy,
    salary_income,
    salary_income_deduction,
    tax_labels,
)

PERSON = resident(51, became_resident_on=date(2000, 4, 1))


@pytest.mark.parametrize("revenue, year, deduction", [
    (1_000_000, 2024, 550_000), (1_700_000, 2024, 580_000), (3_000_000, 2024, 980_000),
    (5_000_000, 2024, 1_440_000), (8_000_000, 2024, 1_900_000), (10_000_000, 2024, 1_950_000),
    (300_000, 2024, 300_000), (1_800_000, 2025, 650_000),  # 令和7年分: minimum 65万円 up to 190万円
])
def test_salary_income_deduction_table(revenue: int, year: int, deduction: int) -> None:
    assert salary_income_deduction(revenue, year) == deduction
    assert salary_income(revenue, year) == max(0, revenue - deduction)


def test_per_capita_levy_forest_tax_and_labels() -> None:
    assert per_capita_levy(2023) == (3_500, 1_500)  # 復興 surcharge until 令和5年度
    assert per_capita_levy(2024) == (3_000, 1_000)
    assert forest_environment_tax(2023) == 0 and forest_environment_tax(2024) == 1_000
    assert tax_labels("桜ヶ丘市", "東京都") == ("市民税", "都民税")
    assert tax_labels("緑川町", "埼玉県") == ("町民税", "県民税")
    assert fiscal_year_of(date(2027, 3, 31)) == 2026 and fiscal_year_of(date(2027, 4, 1)) == 2027


def _kazei(year: int, now: datetime, **tax_kw):  # type: ignore[no-untyped-def]
    tax = TaxSummary(PERSON.atena_no, year, True, 3_560_000, salary_income=5_000_000, deductions=1_010_000,
                     taxable_income=2_550_000, municipal_tax=156_000, prefectural_tax=103_000, dependents=1,
                     breakdown={"social_insurance": 700_000, "basic": 430_000, "municipal_income_levy": 153_000,
                                "prefectural_income_levy": 102_000}, **tax_kw)
    return evaluate(request(PERSON, cert_type=CertificateType.KAZEI, tax_year=year),
                    context(PERSON, (PERSON,), tax=tax, now=now))


def test_certificate_rows_by_kind() -> None:
    decision = _kazei(2026, datetime(2026, 11, 23, 10, 0))
    assert decision.allowed and decision.content is not None
    rows = dict(decision.content.tax_rows)
    assert rows["給与収入金額"] == "5,000,000円" and rows["給与所得"] == "3,560,000円"
    assert rows["社会保険料控除"] == "700,000円" and rows["基礎控除"] == "430,000円"
    assert rows["市民税 所得割額"] == "153,000円" and rows["市民税 均等割額"] == "3,000円"
    assert rows["都民税 所得割額"] == "102,000円" and rows["都民税 均等割額"] == "1,000円"
    assert rows["森林環境税額"] == "1,000円" and rows["年税額合計"] == "260,000円"
    old = dict(_kazei(2023, datetime(2026, 11, 23, 10, 0)).content.tax_rows)  # type: ignore[union-attr]
    assert old["市民税 均等割額"] == "3,500円" and "森林環境税額" not in old


def test_the_year_window_follows_the_fiscal_year_and_messages_are_in_wareki() -> None:
    # 令和9年2月: the current 年度 is still 令和8年度 (2026): 令和4年度 (2022) is within the five
    decision = _kazei(2022, datetime(2027, 2, 1, 10, 0))
    assert decision.allowed, decision.reasons
    late = _kazei(2027, datetime(2027, 2, 1, 10, 0))
    reason = next(r for r in late.reasons if r.code == R.TAX_YEAR_OUT_OF_RANGE)
    assert "令和9年度" in reason.message_ja and "令和4年度〜令和8年度" in reason.message_ja
    moved_in = replace(PERSON, became_resident_on=date(2026, 2, 1))
    d = evaluate(request(moved_in, cert_type=CertificateType.KAZEI, tax_year=2026),
                 context(moved_in, (moved_in,), now=datetime(2026, 11, 23, 10, 0)))
    msg = next(r for r in d.reasons if r.code == R.TAX_NOT_RESIDENT_ON_JAN1).message_ja
    assert "令和8年1月1日" in msg and "令和8年度" in msg
