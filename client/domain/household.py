"""Standard household order (世帯の記載順): 世帯主 → 配偶者 → children by birth date → others.

Others are ordered by birth date too; every tie is broken by 宛名番号. A birth date that is
partly unknown sorts after the known dates of its known prefix (PartialDate.sort_key).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from client.domain.residents import Resident

SPOUSE_RELATIONS = frozenset({"妻", "夫", "妻(未届)", "夫(未届)", "妻（未届）", "夫（未届）", "配偶者"})
_CHILD = re.compile(r"^(子|養子|養女|長男|長女|(二|次|三|四|五|六|七|八|九|十)(男|女)|[0-9０-９]+(男|女))$")


def relation_rank(resident: Resident) -> int:
    """0 世帯主, 1 配偶者, 2 子, 3 others."""
    if resident.is_head or resident.relation == "世帯主" or resident.relation == "本人":
        return 0
    relation = resident.relation.strip()
    if relation in SPOUSE_RELATIONS:
        return 1
    if _CHILD.match(relation):
        return 2
    return 3


def household_sort_key(resident: Resident) -> tuple[int, tuple[int, int, int], str]:
    return (relation_rank(resident), resident.birth.sort_key(), resident.atena_no)


def household_order(members: Iterable[Resident]) -> list[Resident]:
    """The members in the order a 住民票 lists them."""
    return sorted(members, key=household_sort_key)


def head_of(members: Iterable[Resident]) -> Resident | None:
    """The 世帯主 (the first one by 宛名番号 if the data holds several)."""
    heads = [m for m in members if relation_rank(m) == 0]
    return min(heads, key=lambda r: r.atena_no) if heads else None
