"""Text the clerk sees for dates and statuses (和暦 birth dates, status labels).

Prefers the domain's 和暦 formatter; the fallback covers the eras from 明治 with 元年.
"""

from __future__ import annotations

from datetime import date

from client.domain.model import CertificateType, RequesterKind, ResidentStatus
from client.domain.partial_date import PartialDate
from client.domain.wareki import format_partial

STATUS_JA = {
    ResidentStatus.RESIDENT: "住民",
    ResidentStatus.MOVED_OUT: "転出(除票)",
    ResidentStatus.DECEASED: "死亡(除票)",
}

REQUESTER_JA = {
    RequesterKind.SELF: "本人",
    RequesterKind.HOUSEHOLD: "同一世帯員",
    RequesterKind.AGENT: "代理人",
    RequesterKind.THIRD_PARTY: "第三者",
    RequesterKind.PROFESSIONAL: "職務上請求",
    RequesterKind.OFFICIAL: "公用",
}


def cert_label(value: str) -> str:
    try:
        return CertificateType(value).label_ja
    except ValueError:
        return value


def birth_text(pd: PartialDate, *, foreign: bool = False) -> str:
    """和暦 (or 西暦 for foreign residents), partly unknown dates spelled out."""
    try:
        return format_partial(pd, foreign=foreign)
    except ValueError:
        return pd.to_str()


def age_text(pd: PartialDate, today: date) -> str:
    """満年齢 on ``today`` as the counter reads it; 約 when only the year is known; empty when unknown."""
    if pd.year is None:
        return ""
    if pd.month is None or pd.day is None or pd.approximate:
        return f"約{today.year - pd.year}歳"
    age = today.year - pd.year - ((today.month, today.day) < (pd.month, pd.day))
    return f"{age}歳"
