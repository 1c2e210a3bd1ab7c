"""日計表: totals of one day's issuances by certificate type, exemption reason, terminal and user.

Voided issuances are counted apart and left out of the totals (their fee is refunded).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date

from client.services.display import cert_label
from client.services.records import DayCloseReport, DayCloseRow, HistoryEntry

NO_EXEMPTION = "(有料)"


def _rows(entries: list[HistoryEntry], key: Callable[[HistoryEntry], str]) -> tuple[DayCloseRow, ...]:
    acc: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for e in entries:
        a = acc[key(e)]
        a[0] += 1
        a[1] += e.copies
        a[2] += e.fee_yen
    return tuple(DayCloseRow(k, c, n, f) for k, (c, n, f) in sorted(acc.items()))


def aggregate_day_close(day: date, municipality_name: str, entries: Iterable[HistoryEntry]) -> DayCloseReport:
    all_entries = list(entries)
    valid = [e for e in all_entries if not e.voided]
    return DayCloseReport(
        day=day,
        municipality_name=municipality_name,
        by_type=_rows(valid, lambda e: cert_label(e.cert_type)),
        by_exemption=_rows(valid, lambda e: e.exemption_reason or NO_EXEMPTION),
        by_terminal=_rows(valid, lambda e: e.terminal_id or "-"),
        by_user=_rows(valid, lambda e: e.user_id or "-"),
        total_count=len(valid),
        total_copies=sum(e.copies for e in valid),
        total_fee_yen=sum(e.fee_yen for e in valid),
        voided_count=len(all_entries) - len(valid),
    )
