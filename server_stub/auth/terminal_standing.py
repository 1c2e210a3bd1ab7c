"""A terminal's standing at the data centre (issue 15): active or revoked, and what follows.

Revocation (端末の利用停止) by the data-centre admin, through the API or
``madoguchi-server terminal revoke``:

* the terminal's ``status`` becomes ``revoked`` with who, when and why (and the audit log says
  so); from then on every request of the terminal, signed or with a staff token issued for it,
  is refused -- the standing is read from the database on every request and only the exact
  value ``active`` passes (an unknown status is not active);
* its staff tokens are revoked and its active serial leases are closed as ``voided``: the serials
  not used by an issuance the server holds at that moment are recorded in ``unused_json``;
  ``lease_accounting`` tells, per lease, used / voided (and used by a late push of an issuance
  made before the revocation: the one call a revoked terminal may still make);
* its replica wrapping key is withdrawn (the terminal can no longer renew it,
  docs/terminal-security.md);
* :func:`revoke_key_in_trust_list` is the hook for the trust list (issue 14).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from client.wire.bcp import BcpIssuanceRecord, BcpPushResult
from server_stub.audit import chain as audit
from server_stub.clock import to_utc
from server_stub.errors import Refusal
from server_stub.models import AuthToken, IssuedCopy, Municipality, SerialLease, Terminal
from server_stub.replica import changes

ACTIVE = "active"
REVOKED = "revoked"
WRAPPING_KEY_BYTES = 32
DEFAULT_KEY_DAYS = 14


class StandingError(Refusal):
    def __init__(self, code: str, message_ja: str, message_en: str, status: int = 400) -> None:
        super().__init__(status, code, message_ja, message_en)


def terminal_row(session: Session, municipality_code: str, terminal_id: str) -> Terminal | None:
    """The terminal whatever its standing (``auth.terminal_for`` gives only active ones)."""
    if not municipality_code or not terminal_id:
        return None
    return session.scalars(select(Terminal).where(Terminal.municipality_code == municipality_code,
                                                  Terminal.terminal_id == terminal_id)).one_or_none()


def is_active(terminal: Terminal) -> bool:
    """Fail closed: only the exact status ``active`` (and the legacy flag still set) is active."""
    return terminal.status == ACTIVE and terminal.active is True


def revoked_at_iso(terminal: Terminal) -> str | None:
    return to_utc(terminal.revoked_at).isoformat() if terminal.revoked_at is not None else None


def revoke_key_in_trust_list(session: Session, terminal: Terminal, revoked_at: datetime, *, reason: str,
                             actor: str) -> None:
    """Revoke ``terminal.key_id`` in the trust list as of ``revoked_at`` (docs/trust.md): a BCP
    certificate it signs after that time no longer verifies, the countersigned ones from before stay
    valid, and one the data centre never saw fails (its leases are closed: voided above)."""
    from server_stub.trust.keys import revoke_terminal_key
    from server_stub.trust.models import TrustRevocation

    if session.scalars(select(TrustRevocation).where(TrustRevocation.kid == terminal.key_id)).first() is not None:
        return  # already revoked in the trust list (``madoguchi-server trust revoke-terminal``): that time stands
    revoke_terminal_key(session, terminal.municipality_code, terminal.terminal_id, revoked_at, reason, actor,
                        now=revoked_at)


@dataclass(frozen=True)
class RevocationReport:
    municipality_code: str
    terminal_id: str
    key_id: str
    revoked_at: str
    revoked_by: str
    reason: str
    tokens_revoked: int
    leases_voided: int
    serials_voided: int
    already_revoked: bool

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _ranges(values: list[int]) -> list[list[int]]:
    out: list[list[int]] = []
    for v in sorted(values):
        if out and out[-1][1] == v - 1:
            out[-1][1] = v
        else:
            out.append([v, v])
    return out


def _used_serials(session: Session, code: str, first: int, last: int) -> set[int]:
    return set(session.scalars(select(IssuedCopy.serial).where(
        IssuedCopy.municipality_code == code, IssuedCopy.serial >= first, IssuedCopy.serial <= last)))


def revoke_terminal(session: Session, municipality_code: str, terminal_id: str, *, by: str, reason: str,
                    now: datetime) -> RevocationReport:
    """Revoke in the caller's write transaction (the caller commits). Revoking twice changes
    nothing and says so; the first revocation's time, author and reason stay."""
    reason = reason.strip()
    if not reason:
        raise StandingError("reason_required", "利用停止の理由を入力してください。", "a reason is required", 422)
    if len(reason) > 500:
        raise StandingError("reason_too_long", "理由は500文字以内で入力してください。", "reason over 500 characters", 422)
    terminal = terminal_row(session, municipality_code, terminal_id)
    if terminal is None:
        raise StandingError("unknown_terminal", "この端末は登録されていません。",
                            f"terminal {municipality_code}/{terminal_id} is not enrolled", 404)
    if terminal.status == REVOKED:
        return RevocationReport(municipality_code, terminal_id, terminal.key_id, revoked_at_iso(terminal) or "",
                                terminal.revoked_by, terminal.revoked_reason, 0, 0, 0, True)
    at = to_utc(now)
    terminal.status = REVOKED
    terminal.active = False
    terminal.revoked_at = at
    terminal.revoked_by = by
    terminal.revoked_reason = reason
    terminal.wrapping_key = None  # never renewed again
    tokens = session.execute(update(AuthToken).where(
        AuthToken.municipality_code == municipality_code, AuthToken.terminal_id == terminal_id,
        AuthToken.revoked.is_(False)).values(revoked=True))
    from server_stub.tenants.mutual_backup import partner_terminal_id

    # its own leases, and those it took from mutual-backup partners (named "<home>/<id>" there)
    leases = list(session.scalars(select(SerialLease).where(
        ((SerialLease.municipality_code == municipality_code) & (SerialLease.terminal_id == terminal_id))
        | (SerialLease.terminal_id == partner_terminal_id(municipality_code, terminal_id)),
        SerialLease.status == "active")))
    voided = 0
    for lease in leases:
        used = _used_serials(session, lease.municipality_code, lease.first, lease.last)
        unused = [s for s in range(lease.first, lease.last + 1) if s not in used]
        voided += len(unused)
        lease.status = "voided"
        lease.returned_at = at
        lease.unused_json = json.dumps(_ranges(unused))
    changes.record_change(session, municipality_code, "terminal", terminal_id, changes.UPSERT, at)
    audit.append(session, municipality_code, now=now, user_id=by, terminal_id=terminal_id,
                 action="revoke_terminal", subject=f"{terminal_id}: {reason}"[:200])
    revoke_key_in_trust_list(session, terminal, at, reason=reason, actor=by)
    return RevocationReport(municipality_code, terminal_id, terminal.key_id, at.isoformat(), by, reason,
                            int(getattr(tokens, "rowcount", 0) or 0), len(leases), voided, False)


def lease_accounting(session: Session, municipality_code: str, terminal_id: str) -> list[dict[str, Any]]:
    """Per lease of the terminal (its own and those taken from mutual-backup partners): serials
    used by an issuance the server holds, and for a voided lease the serials voided (never to be
    issued) -- used + voided = size."""
    from server_stub.tenants.mutual_backup import partner_terminal_id

    out = []
    for lease in session.scalars(select(SerialLease).where(
            ((SerialLease.municipality_code == municipality_code) & (SerialLease.terminal_id == terminal_id))
            | (SerialLease.terminal_id == partner_terminal_id(municipality_code, terminal_id)))
            .order_by(SerialLease.municipality_code, SerialLease.first)):
        used = _used_serials(session, lease.municipality_code, lease.first, lease.last)
        size = lease.last - lease.first + 1
        row: dict[str, Any] = {"lease_id": lease.lease_id, "municipality_code": lease.municipality_code,
                               "first": lease.first, "last": lease.last, "status": lease.status, "used": len(used)}
        if lease.status == "voided":
            row["voided"] = size - len(used)
            at_revocation = sum(b - a + 1 for a, b in json.loads(lease.unused_json or "[]"))
            row["used_after_revocation"] = at_revocation - row["voided"]  # late pushes
        out.append(row)
    return out


def standing(session: Session, terminal: Terminal, now: datetime) -> dict[str, Any]:
    """What the terminal (and an admin) may know of its standing."""
    return {
        "municipality_code": terminal.municipality_code,
        "terminal_id": terminal.terminal_id,
        "key_id": terminal.key_id,
        "status": terminal.status if terminal.status in (ACTIVE, REVOKED) else f"unknown:{terminal.status}",
        "active": is_active(terminal),
        "revoked_at": revoked_at_iso(terminal),
        "revoked_reason": terminal.revoked_reason if terminal.status == REVOKED else "",
        "server_time": to_utc(now).isoformat(),
    }


def key_days(session: Session, municipality_code: str) -> int:
    muni = session.get(Municipality, municipality_code)
    days = getattr(muni, "replica_key_days", None) if muni is not None else None
    return int(days) if days and int(days) > 0 else DEFAULT_KEY_DAYS


def lease_wrapping_key(session: Session, terminal: Terminal, now: datetime) -> dict[str, Any]:
    """The replica wrapping key with its validity (active terminals only; the caller commits).

    The key stays the same for the terminal's enrolment (the replica is wrapped once); each
    lease restates ``valid_until`` = now + the municipality's limit.
    """
    if not is_active(terminal):
        raise StandingError("terminal_revoked", "この端末は利用停止されています。",
                            "a terminal that is not active gets no wrapping key", 403)
    if terminal.wrapping_key is None:
        terminal.wrapping_key = secrets.token_bytes(WRAPPING_KEY_BYTES)
    days = key_days(session, terminal.municipality_code)
    import base64

    return {
        "key_b64": base64.b64encode(bytes(terminal.wrapping_key)).decode("ascii"),
        "issued_at": to_utc(now).isoformat(),
        "valid_until": (to_utc(now) + timedelta(days=days)).isoformat(),
        "days": days,
    }


def after_revocation(principal: Any, record: BcpIssuanceRecord) -> BcpPushResult | None:
    """For a revoked terminal's push: None when ``record`` was issued before the revocation
    (stored as usual, once: its UUID makes a retry a duplicate), else the rejection to report."""
    revoked_at = getattr(principal, "revoked_at", None)
    if revoked_at is None:
        return None
    try:
        issued = datetime.fromisoformat(str(record.get("issued_at")))
    except ValueError:
        issued = None
    if issued is not None and issued.tzinfo is not None and to_utc(issued) < to_utc(revoked_at):
        return None
    return BcpPushResult(uuid=record["uuid"], status="rejected", code="issued_after_revocation", http_status=403,
                         message_ja="この端末の利用停止後(またはその時刻が不明)の発行記録は受け付けられません。",
                         message_en=f"issued at {record.get('issued_at')!r}, not before the terminal's revocation "
                                    f"at {to_utc(revoked_at).isoformat()}")
