"""Replica pages: the heads the data centre sends with each snapshot or change page, and the
constants of the two page formats (``server_stub/replica/api.py`` builds the pages,
``server_stub/replica/wire.py`` writes the line format, ``client/remote/wire.py`` and
``client/replica/sync.py`` read them).

A JSON page is ``{…head, "checksum": sha256(records bytes), "records": [...]}`` with ``records``
last (``RECORDS_MARKER``), so the client checks the checksum on the raw bytes before parsing; a
line-format page is one head line (``LinesHead``: the head plus ``count`` and ``checksum``) and a
line per record.
"""

# no `from __future__ import annotations`: TypedDict reads NotRequired[...] at runtime (3.11)
from typing import Any, NotRequired, TypedDict

LINES_MEDIA_TYPE = "application/x-madoguchi-records"
FORMATS = ("json", "lines")  # ``format=`` of the page requests
RECORDS_MARKER = b',"records":'  # a JSON page's records array starts here and runs to the last "}"


class SnapshotHead(TypedDict):
    next_cursor: str | None  # None on the last page
    as_of_seq: int  # the change sequence read before the first page: pull changes after it
    total: int | None  # records in the whole snapshot, on the first page only
    server_time: str


class ChangesHead(TypedDict):
    last_seq: int
    has_more: bool
    current_seq: int
    server_time: str


class SnapshotPage(SnapshotHead):
    records: list[Any]  # record dicts, or (kind, key, op, index, data) tuples for the line format


class ChangesPage(ChangesHead):
    records: list[Any]


class PageCheck(TypedDict):
    """What every page head carries besides its own fields: the records' SHA-256 (and, in the
    line format, their number)."""

    checksum: str
    count: NotRequired[int]  # line format only
