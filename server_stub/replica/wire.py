"""The line format of replica pages (``format=lines``): the same page as the JSON format, cheaper.

A JSON page carries each record's data as a JSON string inside JSON: every quote is escaped on
the server and unescaped on the client, and the client builds an object per record only to take
the string out again. For a city of 400,000 (1.6 million records, 870 MB before gzip) that is
most of the client's parsing time. The line format sends the data text as it is:

    {head JSON: next_cursor, as_of_seq, total, server_time, …, count, checksum}\\n
    ["kind","key","op",index]\\t{data JSON}\\n
    ["kind","key","op",index]\\t{data JSON}\\n
    …

* The head is one line of compact JSON; ``count`` is the number of record lines and
  ``checksum`` the SHA-256 of everything after the head's newline, so a truncated or damaged
  page is refused before anything is applied.
* Each record line is a compact JSON array ``[kind, key, op, index or null]``, a TAB, and the
  record's data text exactly as it is stored and checksummed (empty for a delete). Compact JSON
  never contains a raw TAB or newline (control characters are escaped inside strings), so the
  first TAB of a line ends its head and lines split on newlines.

Media type ``application/x-madoguchi-records``; the client asks with ``format=lines`` and falls
back to JSON when a server answers with JSON.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import orjson

from client.wire.replica import FORMATS as FORMATS  # the constants of both formats, declared once
from client.wire.replica import LINES_MEDIA_TYPE as LINES_MEDIA_TYPE


def lines_body(page: Mapping[str, Any]) -> bytes:
    """A page (``{records, …}`` as built by ``snapshot_page``/``changes_page``: record dicts or
    ``replica_records.Rec`` tuples) in the line format."""
    dumps = orjson.dumps
    lines = []
    for rec in page["records"]:
        if isinstance(rec, tuple):  # replica_records.Rec: (kind, key, op, index, data bytes)
            kind, key, op, index, data = rec
            lines.append(dumps([kind, key, op, index]) + b"\t" + (data if data is not None else b""))
            continue
        text = rec.get("data")
        lines.append(dumps([rec["kind"], rec["key"], rec["op"], rec.get("index")]) + b"\t"
                     + (text.encode() if text is not None else b""))
    records = b"\n".join(lines)
    head = {k: v for k, v in page.items() if k not in ("records", "checksum")}
    head["count"] = len(lines)
    head["checksum"] = hashlib.sha256(records).hexdigest()
    return dumps(head) + b"\n" + records
