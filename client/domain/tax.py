"""個人住民税 figures a 課税(所得)証明書 states: 給与所得控除, 均等割, 森林環境税, tax labels.

- 給与所得 = 給与収入 − 給与所得控除 (令和2年分以降の表; 令和7年分 onwards the minimum is 65万円);
- 均等割: 市町村民税 3,000円 and 道府県民税 1,000円, plus 500円 each (復興特別) for 平成26年度 to
  令和5年度; 森林環境税 (国税, collected with 住民税) 1,000円 from 令和6年度;
- the labels follow the municipality: 市民税 / 町民税 / 村民税 / 特別区民税 and 都民税 / 道民税 /
  府民税 / 県民税.

Pure functions of the figures and the 年度 (a 年度 taxes the income of the previous calendar year).
"""

from __future__ import annotations

from datetime import date

FOREST_TAX_FROM = 2024  # 令和6年度
RECONSTRUCTION_YEARS = range(2014, 2024)  # 平成26年度〜令和5年度: 均等割 +500円 each


def fiscal_year_of(day: date) -> int:
    """The 年度 (April to March) ``day`` falls in: 2027-03-31 → 2026."""
    return day.year if day.month >= 4 else day.year - 1


def salary_income_deduction(revenue: int, income_year: int) -> int:
    """給与所得控除 for 給与収入 ``revenue`` earned in calendar year ``income_year`` (令和2年分以降)."""
    minimum = 650_000 if income_year >= 2025 else 550_000
    if revenue <= 1_625_000 or (income_year >= 2025 and revenue <= 1_900_000):
        return min(revenue, minimum)
    if revenue <= 1_800_000:
        return int(revenue * 0.4) - 100_000
    if revenue <= 3_600_000:
        return int(revenue * 0.3) + 80_000
    if revenue <= 6_600_000:
        return int(revenue * 0.2) + 440_000
    if revenue <= 8_500_000:
        return int(revenue * 0.1) + 1_100_000
    return 1_950_000


def salary_income(revenue: int, income_year: int) -> int:
    """給与所得 (never negative)."""
    return max(0, revenue - salary_income_deduction(revenue, income_year))


def per_capita_levy(fiscal_year: int) -> tuple[int, int]:
    """均等割 (市町村民税, 道府県民税) for a 年度."""
    extra = 500 if fiscal_year in RECONSTRUCTION_YEARS else 0
    return 3_000 + extra, 1_000 + extra


def forest_environment_tax(fiscal_year: int) -> int:
    return 1_000 if fiscal_year >= FOREST_TAX_FROM else 0


def tax_labels(municipality_name: str, prefecture: str) -> tuple[str, str]:
    """(市町村民税, 道府県民税) as the municipality names them: 市民税 and 都民税 for 桜ヶ丘市, 東京都."""
    local = {"市": "市民税", "町": "町民税", "村": "村民税", "区": "特別区民税"}.get(municipality_name[-1:], "市町村民税")
    pref = {"都": "都民税", "道": "道民税", "府": "府民税", "県": "県民税"}.get(prefecture[-1:], "道府県民税")
    return local, pref
