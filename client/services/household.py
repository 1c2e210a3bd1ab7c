"""Household members in the standard order (世帯主 → 配偶者 → 子 by birth → others; ties by 宛名番号).

The domain's ordering, so that the detail pane and the certificate agree.
"""

from __future__ import annotations

from collections.abc import Iterable

from client.domain.household import household_order
from client.domain.model import Resident


def order_household(members: Iterable[Resident]) -> tuple[Resident, ...]:
    return tuple(household_order(members))
