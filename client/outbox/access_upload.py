"""Upload the terminal's BCP access log so it joins the data centre's hash chain.

Call after the outbox push, while online. Entries not yet uploaded go oldest first in batches;
after each batch the server has appended (or already held) every entry up to its ``last_seq``,
and those are marked uploaded here. A line failure raises and leaves the rest pending: the next
upload resends them and the server skips the ones it already has. A refused batch (the chain does
not check out: a gap or a tampered entry) raises :class:`AccessLogRefused` and marks nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from client.errors import ClerkError
from client.outbox.store import Outbox

UPLOAD_PATH = "/api/v1/bcp/access-log"


class Poster(Protocol):
    def post(self, path: str, body: Any = None) -> Any: ...


class AccessLogRefused(ClerkError):
    """The server refused the terminal's log (chain gap or hash mismatch): a supervisor must look."""

    def __init__(self, code: str, message_ja: str, message_en: str) -> None:
        super().__init__(message_ja, message_en)
        self.code = code


@dataclass
class AccessUploadResult:
    appended: int = 0
    duplicates: int = 0
    last_seq: int = 0


def upload_access_log(outbox: Outbox, remote: Poster, *, batch_size: int = 200,
                      rejected_error: type[Exception] | None = None) -> AccessUploadResult:
    """Upload every pending access-log entry; returns the counts. Network errors propagate."""
    if rejected_error is None:
        from client.remote.errors import RemoteRejectedError

        rejected_error = RemoteRejectedError
    result = AccessUploadResult()
    pending = outbox.access_entries(only_pending_upload=True)
    for i in range(0, len(pending), batch_size):
        batch = pending[i:i + batch_size]
        try:
            answer = remote.post(UPLOAD_PATH, {"entries": batch})
        except rejected_error as exc:
            raise AccessLogRefused(getattr(exc, "code", "") or "refused",
                                   getattr(exc, "message_ja", "") or "アクセスログの送信が拒否されました。",
                                   getattr(exc, "message_en", "") or str(exc)) from exc
        last_seq = int(answer.get("last_seq", 0))
        result.appended += int(answer.get("appended", 0))
        result.duplicates += int(answer.get("duplicates", 0))
        if last_seq < int(batch[-1]["seq"]):
            raise AccessLogRefused("incomplete", "アクセスログの一部が受け付けられませんでした。",
                                   f"server stopped at seq {last_seq}, batch ended at {batch[-1]['seq']}")
        outbox.mark_access_uploaded(int(batch[-1]["seq"]))
        result.last_seq = last_seq
    return result
