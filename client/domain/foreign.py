"""外国人住民 (住基法30条の45): the 規定区分 and what each one carries.

Since 平成24年7月9日 (2012-07-09) foreign residents are recorded in the 住民基本台帳; those
registered on that day carry it as their 外国人住民となった年月日, so no earlier date exists.
A 特別永住者 holds a 特別永住者証明書 (its number is the 在留カード等の番号) and has no 在留資格 and
no 在留期間; a 中長期在留者 has both, and the 在留期間の満了の日.
"""

from __future__ import annotations

from datetime import date

from client.domain.residents import ForeignResidentCategory, Resident

FOREIGN_RESIDENTS_FROM = date(2012, 7, 9)  # 平成24年7月9日: 改正住基法の施行日


def has_residence_status(resident: Resident) -> bool:
    """Whether the person's 区分 carries a 在留資格 and 在留期間 (not 特別永住者)."""
    return resident.is_foreign and resident.foreign_category != ForeignResidentCategory.SPECIAL_PERMANENT.value


def record_problems(resident: Resident) -> list[str]:
    """What is impossible in a foreign resident's record (English, for a clear error)."""
    if not resident.is_foreign:
        return []
    out: list[str] = []
    if resident.became_resident_on is not None and resident.became_resident_on < FOREIGN_RESIDENTS_FROM:
        out.append(f"{resident.atena_no}: 外国人住民となった年月日 {resident.became_resident_on} is before 2012-07-09")
    if resident.foreign_category and resident.foreign_category not in {c.value for c in ForeignResidentCategory}:
        out.append(f"{resident.atena_no}: unknown 30条の45規定区分 {resident.foreign_category!r}")
    if not has_residence_status(resident) and (resident.residence_status or resident.residence_period):
        out.append(f"{resident.atena_no}: a 特別永住者 has no 在留資格 nor 在留期間")
    return out


def period_expired(resident: Resident, today: date) -> bool:
    """The 在留期間の満了の日 has passed (the record may need 職権 action: an alert for the clerk)."""
    return (has_residence_status(resident) and resident.residence_period_end is not None
            and resident.residence_period_end < today)
