"""Push the outbox to the data centre: exactly once, whatever the number of retries.

Records go in batches of :data:`BATCH_SIZE`, oldest first (the server takes up to 200; it stores
a batch in one write transaction, so a larger batch would hold other counters' writes longer).
The server stores each UUID once and answers per record: ``stored`` or ``duplicate`` → marked
synced here; ``rejected`` → kept with the code for a supervisor (never dropped). A line failure
mid-batch raises and leaves the unanswered records pending: the next push sends them again and
the server recognises the ones it already has.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from client.outbox.store import Outbox, OutboxRecord
from client.wire.bcp import PUSH_PATH, SYNCED_STATUSES, BcpPushAnswer, BcpPushBody, BcpPushResult

__all__ = ["BATCH_SIZE", "PUSH_PATH", "OutboxPusher", "PushResult", "push_terminal_outbox"]

BATCH_SIZE = 50  # 20 → 50: −15 % sync-back time; the server holds its write lock ~0.1 s per batch


class Poster(Protocol):
    def post(self, path: str, body: Any = None) -> Any: ...


@dataclass
class PushResult:
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    conflicts: list[tuple[str, list[str]]] = field(default_factory=list)  # (uuid, codes)
    remaining: int = 0

    @property
    def sent(self) -> int:
        return self.stored + self.duplicates + self.rejected


class OutboxPusher:
    def __init__(self, outbox: Outbox, remote: Poster, *, batch_size: int = BATCH_SIZE,
                 rejected_error: type[Exception] | None = None) -> None:
        self.outbox = outbox
        self.remote = remote
        self.batch_size = batch_size
        if rejected_error is None:
            from client.remote.errors import RemoteRejectedError

            rejected_error = RemoteRejectedError
        self.rejected_error = rejected_error

    def push(self, now: Callable[[], datetime],
             progress: Callable[[int, int], None] | None = None) -> PushResult:
        """Push every pending record. Network errors propagate (the caller returns to BCP)."""
        result = PushResult()
        total = self.outbox.count_pending()
        while True:
            batch = self.outbox.pending(self.batch_size)
            if not batch:
                break
            try:
                answers = self._send(batch)
            except self.rejected_error as exc:
                if len(batch) == 1:
                    self._apply_rejection(batch[0], exc, result)
                    continue
                # One malformed record fails the whole batch's validation: isolate it.
                for record in batch:
                    try:
                        self._apply(record, self._send([record])[record.uuid], now(), result)
                    except self.rejected_error as single:
                        self._apply_rejection(record, single, result)
                continue
            for record in batch:
                answer = answers.get(record.uuid)
                if answer is None:
                    raise RuntimeError(f"server did not answer for record {record.uuid}")
                self._apply(record, answer, now(), result)
            if progress is not None:
                progress(result.sent, total)
        result.remaining = self.outbox.count_pending()
        return result

    def _send(self, batch: list[OutboxRecord]) -> dict[str, BcpPushResult]:
        for record in batch:
            self.outbox.note_attempt(record.uuid)
        body = BcpPushBody(records=[r.record for r in batch])
        answer: BcpPushAnswer = self.remote.post(PUSH_PATH, body)
        return {str(a["uuid"]): a for a in answer.get("results", [])}

    def _apply(self, record: OutboxRecord, answer: BcpPushResult, now: datetime, result: PushResult) -> None:
        status = answer.get("status")
        if status in SYNCED_STATUSES:
            self.outbox.mark_synced(record.uuid, str(answer.get("issuance_id", "")), now)
            if status == "stored":
                result.stored += 1
            else:
                result.duplicates += 1
            if answer.get("conflicts"):
                result.conflicts.append((record.uuid, list(answer["conflicts"])))
        else:
            self.outbox.mark_rejected(record.uuid, str(answer.get("code", "rejected")),
                                      str(answer.get("message_ja") or answer.get("message_en", "")))
            result.rejected += 1

    def _apply_rejection(self, record: OutboxRecord, exc: Exception, result: PushResult) -> None:
        code = getattr(exc, "code", "") or "rejected"
        message = " / ".join(m for m in (getattr(exc, "message_ja", ""), getattr(exc, "message_en", "") or str(exc)) if m)
        self.outbox.mark_rejected(record.uuid, code, message)
        result.rejected += 1


def push_terminal_outbox(data_dir: Any, keystore: Any, remote: Poster, municipality_code: str, *,
                         progress: Callable[[int, int], None] | None = None) -> PushResult | None:
    """Push an enrolled terminal's outbox (``madoguchi sync``); None when there is no outbox yet."""
    from datetime import UTC
    from pathlib import Path

    from client.local.files import OUTBOX_FILE, outbox_key_name

    path = Path(data_dir) / OUTBOX_FILE
    if not path.exists():
        return None
    outbox = Outbox.open(path, keystore.database_key(outbox_key_name(municipality_code)), create=False)
    try:
        return OutboxPusher(outbox, remote).push(lambda: datetime.now(UTC), progress)
    finally:
        outbox.close()
