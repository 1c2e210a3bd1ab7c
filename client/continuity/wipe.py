"""Wipe on contact: a revoked terminal that reaches the data centre erases itself, after first
pushing what it issued before its revocation (those issuances were lawful: losing them would
lose the 交付履歴).

Order, each step safe to interrupt (a flapping line) and to run again at the next contact:

1. a marker ``terminal-revoked.json`` records the revocation: from now on the application
   refuses to open the counter on this terminal (``check_not_revoked``);
2. the replica keys (own and partners') and the wrapping-key lease are deleted from the keyring:
   the replicas are unreadable from this moment, whatever happens next;
3. the outboxes (own and partners') are pushed; the server accepts the records issued before
   ``revoked_at`` (exactly once: their UUIDs) and rejects later ones (``issued_after_revocation``);
   if the line fails here, the outboxes and their keys stay and step 3 runs again next time;
4. everything else goes: outbox keys, the terminal key's passphrase, the data directory
   (``client.lifecycle.decommission``), leaving only the marker with what happened.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from client.local.keystore import KeyStore, LocalDataError

log = logging.getLogger(__name__)

MARKER_FILE = "terminal-revoked.json"
REVOKED_CODE = "terminal_revoked"


class TerminalRevokedError(LocalDataError):
    """This terminal was revoked by the data centre: nothing on it may be used."""

    default_ja = "この端末はデータセンターにより利用停止されています。システム管理者に連絡してください。"


@dataclass
class WipeReport:
    revoked_at: str | None
    reason: str
    completed: bool
    pushed: int = 0  # issuances stored (or already stored) at the data centre
    discarded: int = 0  # refused by the data centre (issued after the revocation), erased
    pending: int = 0  # still to push (the line failed): kept for the next contact
    erased_files: int = 0
    error: str = ""
    discarded_codes: dict[str, int] = field(default_factory=dict)

    @property
    def message_ja(self) -> str:
        when = self.revoked_at or "不明"
        head = f"この端末はデータセンターにより利用停止されました(利用停止日時: {when}"
        head += f"、理由: {self.reason})。" if self.reason else ")。"
        if not self.completed:
            return (head + "端末内の住民データ(複製)は閉じました。利用停止前の未送信の交付記録の送信が"
                    f"完了していないため({self.pending} 件)、回線が安定したら再度送信します。"
                    "この端末で窓口業務は行えません。システム管理者に連絡してください。")
        text = (head + f"利用停止前の交付記録 {self.pushed} 件をデータセンターへ送信し、"
                "端末内の住民データ(複製・相互バックアップ分)と暗号鍵を消去しました。")
        if self.discarded:
            text += f"利用停止後の交付記録 {self.discarded} 件はデータセンターが受け付けず、消去されました。"
        return text + "この端末は使用できません。システム管理者に連絡してください。"

    @property
    def message_en(self) -> str:
        head = f"This terminal was revoked by the data centre at {self.revoked_at or 'an unknown time'}"
        head += f" ({self.reason}). " if self.reason else ". "
        if not self.completed:
            return (head + f"Its replicas are closed; {self.pending} unsynced issuance(s) made before the "
                    "revocation are not yet pushed and will be pushed at the next contact. The counter "
                    "cannot be used on this terminal; contact the system administrator.")
        text = (head + f"{self.pushed} issuance(s) made before the revocation were pushed; the replicas "
                "(own and partners') and the keys on this terminal have been erased.")
        if self.discarded:
            text += f" {self.discarded} issuance(s) made after the revocation were refused and erased."
        return text + " Contact the system administrator."


def marker_path(data_dir: Path) -> Path:
    return Path(data_dir) / MARKER_FILE


def read_marker(data_dir: Path) -> dict[str, Any] | None:
    try:
        return dict(json.loads(marker_path(data_dir).read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return None


def _write_marker(data_dir: Path, data: dict[str, Any]) -> None:
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    path = marker_path(data_dir)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, path)


def check_not_revoked(data_dir: Path) -> None:
    """Raise ``TerminalRevokedError`` (with what happened) if this terminal learnt it was revoked."""
    marker = read_marker(data_dir)
    if marker is None:
        return
    raise TerminalRevokedError(str(marker.get("message_ja") or TerminalRevokedError.default_ja),
                               str(marker.get("message_en") or "this terminal was revoked by the data centre"))


def is_revocation(exc: BaseException) -> bool:
    return getattr(exc, "code", "") == REVOKED_CODE


def _revoked_at_of(exc: BaseException | None) -> str | None:
    detail = getattr(exc, "revoked_at", None)
    return str(detail) if detail else None


def _standing(remote: Any) -> dict[str, Any]:
    try:
        answer = remote.get("/api/v1/terminal/standing")
        return dict(answer) if isinstance(answer, dict) else {}
    except Exception as exc:  # noqa: BLE001 - best effort: the reason is shown when known
        log.info("terminal standing not read: %s", exc)
        return {}


def wipe_revoked_terminal(data_dir: Path, keystore: KeyStore, remote: Any, *,
                          now: datetime | None = None) -> WipeReport:
    """Steps 1-4 above. Never raises for the line: an incomplete wipe says so in the report."""
    from client.continuity.partner_desks import push_partner_outboxes
    from client.lifecycle.decommission import decommission, real_keyring_delete
    from client.lifecycle.enrollment import Enrolment, NotEnrolledError
    from client.local.wrapping import LEASE_ENTRY, _delete, replica_key_names
    from client.outbox.push import push_terminal_outbox

    data_dir = Path(data_dir)
    now = now or datetime.now(UTC)
    standing = _standing(remote)
    previous = read_marker(data_dir) or {}
    report = WipeReport(revoked_at=standing.get("revoked_at") or previous.get("revoked_at"),
                        reason=str(standing.get("revoked_reason") or previous.get("reason") or ""), completed=False)
    try:
        code: str | None = Enrolment.load(data_dir).municipality_code
    except NotEnrolledError:
        code = None
    marker = {"revoked_at": report.revoked_at, "reason": report.reason, "learned_at": now.isoformat(),
              "state": "pushing"}
    _write_marker(data_dir, {**marker, "message_ja": report.message_ja, "message_en": report.message_en})
    for name in replica_key_names(data_dir):  # step 2: the replicas are closed at once
        keystore.delete_database_key(name)
    _delete(keystore, LEASE_ENTRY)
    try:  # step 3
        results = []
        if code is not None:
            own = push_terminal_outbox(data_dir, keystore, remote, code)
            if own is not None:
                results.append(own)
        results.extend(push_partner_outboxes(data_dir, keystore, remote).values())
    except Exception as exc:  # noqa: BLE001 - the line (or anything) failed: keep the outboxes, retry later
        report.error = f"{type(exc).__name__}: {exc}"
        report.pending = _pending(data_dir, keystore, code)
        _write_marker(data_dir, {**marker, "pending": report.pending, "message_ja": report.message_ja,
                                 "message_en": report.message_en})
        log.warning("revoked terminal: push incomplete, kept for the next contact: %s", report.error)
        return report
    report.pushed = sum(r.stored + r.duplicates for r in results)
    report.discarded = sum(r.rejected for r in results)
    report.pending = sum(r.remaining for r in results)
    if report.pending:
        _write_marker(data_dir, {**marker, "pending": report.pending, "message_ja": report.message_ja,
                                 "message_en": report.message_en})
        return report
    report.discarded_codes = _rejected_codes(data_dir, keystore, code)
    erased = decommission(data_dir, outbox_count=lambda: 0, keyring_delete=real_keyring_delete(data_dir, code),
                          force=True)  # step 4 (the outboxes hold nothing the data centre still needs)
    report.completed = True
    report.erased_files = erased.removed_files
    _write_marker(data_dir, {**marker, **asdict(report), "state": "wiped", "wiped_at": now.isoformat(),
                             "message_ja": report.message_ja, "message_en": report.message_en})
    log.warning("revoked terminal wiped: %s", report.message_en)
    return report


def _pending(data_dir: Path, keystore: KeyStore, code: str | None) -> int:
    """The BCP issuances still to push, own and partners' (the access log goes with them; it is
    not counted here: the report speaks of issuances)."""
    try:
        from client.local.files import OUTBOX_FILE, outbox_key_name, partner_outbox_codes
        from client.outbox.store import Outbox, count_partner_pending

        total = 0
        if code is not None and (Path(data_dir) / OUTBOX_FILE).exists():
            box = Outbox.open(Path(data_dir) / OUTBOX_FILE, keystore.database_key(outbox_key_name(code)),
                              create=False)
            try:
                total += box.count_pending()
            finally:
                box.close()
        return total + sum(count_partner_pending(data_dir, keystore, p) for p in partner_outbox_codes(data_dir))
    except Exception:  # noqa: BLE001 - unknown: reported as 0 pending, the marker says "pushing"
        return 0


def _rejected_codes(data_dir: Path, keystore: KeyStore, code: str | None) -> dict[str, int]:
    from client.lifecycle.enrollment import OUTBOX_FILE, outbox_key_name
    from client.outbox.store import Outbox

    out: dict[str, int] = {}
    path = data_dir / OUTBOX_FILE
    if code is None or not path.exists():
        return out
    try:
        box = Outbox.open(path, keystore.database_key(outbox_key_name(code)), create=False)
    except LocalDataError:
        return out
    try:
        for rec in box.rejected():
            out[str(rec.reject_code)] = out.get(str(rec.reject_code), 0) + 1
    finally:
        box.close()
    return out
