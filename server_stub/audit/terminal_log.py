"""Terminals' BCP access-log entries joining the server's hash chain.

A terminal keeps its own chain while in BCP mode (``sha256(prev_hash + canonical_json(entry))``,
the canonical entry being every field except ``seq``, ``prev_hash`` and ``hash``). On upload the
server checks that chain link by link from where the terminal's last upload ended, then appends
each entry to the municipality's access log (mode ``bcp``) with the terminal's seq and hashes kept
in ``detail``. Entries at or below the cursor are duplicates of an earlier upload and skipped
(one at the cursor must carry the hash received before: else 409 ``terminal_log_conflict``). A
chain starting again at seq 1 with a different first entry (the outbox was rebuilt) is a new
chain: it is appended too, its first entry marked ``terminal_chain_restarted``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from server_stub.audit import chain as audit
from server_stub.clock import JST
from server_stub.errors import Refusal
from server_stub.models import TerminalLogCursor

GENESIS = "0" * 64
_CHAIN_FIELDS = ("seq", "prev_hash", "hash")


class TerminalLogRejected(Refusal):
    """An uploaded terminal log refused at entry ``seq`` (an extra field of the error body)."""

    def __init__(self, status: int, code: str, seq: int, message_ja: str, message_en: str) -> None:
        super().__init__(status, code, message_ja, message_en, seq=seq)
        self.seq = seq


@dataclass(frozen=True)
class UploadOutcome:
    appended: int
    duplicates: int
    last_seq: int

    def to_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def terminal_entry_hash(prev_hash: str, entry: dict[str, Any]) -> str:
    canonical = {k: v for k, v in entry.items() if k not in _CHAIN_FIELDS}
    text = json.dumps(canonical, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256((prev_hash + text).encode("utf-8")).hexdigest()


def _at(value: Any, seq: int) -> datetime:
    try:
        at = datetime.fromisoformat(str(value))
    except ValueError:
        raise TerminalLogRejected(422, "bad_entry", seq, f"アクセスログ{seq}番の日時が読めません。",
                                  f"entry {seq}: bad time {value!r}") from None
    return at if at.tzinfo else at.replace(tzinfo=JST)


def append_terminal_entries(session: Session, municipality_code: str, terminal_id: str, uploaded_by: str,
                            entries: list[dict[str, Any]], now: datetime) -> UploadOutcome:
    """Check and append in the caller's write transaction; raises TerminalLogRejected."""
    cursor = session.get(TerminalLogCursor, (municipality_code, terminal_id))
    last_seq, last_hash = (cursor.last_seq, cursor.last_hash) if cursor else (0, GENESIS)
    first_hash = cursor.first_hash if cursor else ""
    ordered = sorted(entries, key=lambda e: int(e["seq"]))
    restarted = False
    if (ordered and int(ordered[0]["seq"]) == 1 and ordered[0]["prev_hash"] == GENESIS and first_hash
            and ordered[0]["hash"] != first_hash):
        # The terminal's outbox was rebuilt: a new chain. Keep it (appended after the old one's entries).
        last_seq, last_hash, restarted = 0, GENESIS, True
    duplicates = appended = 0
    for entry in ordered:
        seq = int(entry["seq"])
        if seq <= last_seq:
            if seq == last_seq and entry["hash"] != last_hash:
                raise TerminalLogRejected(
                    409, "terminal_log_conflict", seq,
                    f"端末のアクセスログ{seq}番が、受信済みの記録と一致しません。",
                    f"terminal log entry {seq} differs from the one already received")
            duplicates += 1
            continue
        if seq != last_seq + 1 or entry["prev_hash"] != last_hash:
            raise TerminalLogRejected(
                409, "terminal_log_gap", last_seq + 1,
                f"端末のアクセスログ{last_seq + 1}番が欠けているか、前の記録とつながりません。",
                f"terminal log entry {last_seq + 1} is missing or does not link to the previous one")
        if terminal_entry_hash(entry["prev_hash"], entry) != entry["hash"]:
            raise TerminalLogRejected(
                422, "terminal_log_tampered", seq,
                f"端末のアクセスログ{seq}番のハッシュが一致しません(改ざんの疑い)。",
                f"terminal log entry {seq}: hash mismatch (tampered?)")
        detail = {k: v for k, v in entry.items() if k not in ("at", "user_id", "action", "subject", *_CHAIN_FIELDS)}
        audit.append(
            session, municipality_code, now=_at(entry["at"], seq), user_id=str(entry["user_id"]),
            terminal_id=terminal_id, action=str(entry["action"])[:32], subject=str(entry.get("subject", "")),
            mode="bcp", outcome=str(detail.get("outcome", "ok")),
            detail={"terminal_seq": seq, "terminal_prev_hash": entry["prev_hash"], "terminal_hash": entry["hash"],
                    "uploaded_by": uploaded_by, "uploaded_at": now.isoformat(), "entry": detail,
                    **({"terminal_chain_restarted": True} if restarted and seq == 1 else {})},
        )
        if seq == 1:
            first_hash = entry["hash"]
        last_seq, last_hash = seq, entry["hash"]
        appended += 1
    if appended:
        if cursor is None:
            cursor = TerminalLogCursor(municipality_code=municipality_code, terminal_id=terminal_id)
            session.add(cursor)
        cursor.last_seq, cursor.last_hash, cursor.first_hash, cursor.updated_at = last_seq, last_hash, first_hash, now
        session.flush()
    return UploadOutcome(appended, duplicates, last_seq)
