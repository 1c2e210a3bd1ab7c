"""発行番号: 発行年月日・市区町村名・端末・プリンタ・連番・頁/総頁.

Example: ``20200502 ●●市 本庁1 プリンタ001 011 1/2``. Every copy has its own number; the
serial is terminal-scoped (leased blocks in BCP mode), so numbers stay unique offline. The page
suffix is added by the renderer per page with ``page_suffix``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_WS = re.compile(r"\s+")
_ISSUE_NUMBER = re.compile(r"^(\d{8}) (\S+) (\S+) (\S+) (\d{3,})(?: (\d+)/(\d+))?$")


class IssueNumberError(ValueError):
    """A component of a 発行番号 is empty or invalid."""


def _part(value: str, what: str) -> str:
    cleaned = _WS.sub("", value or "")
    if not cleaned:
        raise IssueNumberError(f"発行番号: empty {what}")
    return cleaned


def format_issue_number(
    issued_on: date, municipality_name: str, terminal_name: str, printer_id: str, serial: int
) -> str:
    """e.g. ``20200502 ●●市 本庁1 プリンタ001 011`` (serial zero-padded to at least 3 digits).

    Whitespace inside a component is removed so that the number always splits into 5 fields.
    """
    if isinstance(serial, bool) or not isinstance(serial, int) or serial < 0:
        raise IssueNumberError(f"発行番号: serial must be a non-negative integer, got {serial!r}")
    return " ".join(
        (
            issued_on.strftime("%Y%m%d"),
            _part(municipality_name, "municipality name"),
            _part(terminal_name, "terminal name"),
            _part(printer_id, "printer id"),
            f"{serial:03d}",
        )
    )


def page_suffix(page: int, total: int) -> str:
    """``1/2``: page number and total pages of one copy."""
    if total < 1 or not 1 <= page <= total:
        raise IssueNumberError(f"発行番号: page {page} of {total}")
    return f"{page}/{total}"


@dataclass(frozen=True)
class IssueNumber:
    issued_on: date
    municipality_name: str
    terminal_name: str
    printer_id: str
    serial: int
    page: int | None = None
    total: int | None = None


def parse_issue_number(text: str) -> IssueNumber:
    """Split a 発行番号 (with or without the page suffix) back into its parts."""
    m = _ISSUE_NUMBER.match(text.strip())
    if not m:
        raise IssueNumberError(f"not a 発行番号: {text!r}")
    ymd, muni, term, printer, serial, page, total = m.groups()
    try:
        issued_on = date(int(ymd[:4]), int(ymd[4:6]), int(ymd[6:]))
    except ValueError as exc:
        raise IssueNumberError(f"発行番号: bad date {ymd}") from exc
    return IssueNumber(
        issued_on, muni, term, printer, int(serial),
        int(page) if page else None, int(total) if total else None,
    )
