"""Sign-in, lockout and tokens. Nothing lives in process memory: any server process on the DB works.

Tokens are random (256 bits); only their SHA-256 is stored, bound to municipality, user and
terminal. Five consecutive failures lock the account (counter in the DB) until an admin unlocks it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, and_, bindparam, select, update
from sqlalchemy.orm import Session

from server_stub.auth.passwords import verify_password
from server_stub.auth.terminal_standing import ACTIVE as ACTIVE_TERMINAL
from server_stub.errors import Refusal
from server_stub.models import AuthToken, Municipality, Staff, Terminal
from server_stub.replica import changes

MAX_FAILURES = 5
TOKEN_LIFETIME = timedelta(hours=12)
ADMIN_CONSOLE_TERMINAL = "admin-console"


class AuthError(Refusal):
    """Sign-in refused. ``code`` is machine-readable; messages for the clerk and the log."""

    def __init__(self, code: str, message_ja: str, message_en: str, status: int = 401) -> None:
        super().__init__(status, code, message_ja, message_en)


@dataclass(frozen=True)
class Principal:
    """Who is calling: the municipality always comes from here, never from the request."""

    municipality_code: str
    user_id: str
    name: str
    role: str
    terminal_id: str
    terminal_name: str
    signed: bool = False  # the token came from a login signed by its terminal: every use must be too
    revoked_at: datetime | None = None  # set only for a revoked terminal's late outbox push


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _bad_credentials() -> AuthError:
    return AuthError(
        "bad_credentials",
        "職員ID・パスワード・団体コードのいずれかが正しくありません。",
        "Unknown user or wrong password",
    )


def login(session: Session, *, municipality_code: str, user_id: str, password: str, terminal_id: str,
          now: datetime, signed: bool = False) -> tuple[str, datetime, Staff, Municipality]:
    """Check the credentials inside a write transaction; the failure counter is committed by the caller.

    Returns (token, expires_at, staff, municipality). Raises AuthError; on a wrong password the
    staff row's counter has been incremented in ``session`` (the caller commits before raising on).
    """
    muni = session.get(Municipality, municipality_code)
    staff = None
    if muni is not None:
        staff = session.scalars(
            select(Staff).where(Staff.municipality_code == municipality_code, Staff.user_id == user_id)
        ).one_or_none()
    if staff is None or not staff.active:
        verify_password(None, password)
        raise _bad_credentials()
    if staff.locked:
        raise AuthError(
            "locked",
            "パスワードの誤りが続いたため、このアカウントはロックされています。管理者に解除を依頼してください。",
            "Account locked after repeated failures",
            status=403,
        )
    if not verify_password(staff.password_hash, password):
        failures = staff.failed_attempts + 1
        session.execute(
            update(Staff)
            .where(Staff.id == staff.id)
            .values(failed_attempts=Staff.failed_attempts + 1, locked=failures >= MAX_FAILURES, updated_at=now)
        )
        if failures >= MAX_FAILURES:  # the replica must learn the lock too (offline sign-in)
            changes.record_change(session, municipality_code, "staff", user_id, changes.UPSERT, now)
        raise _bad_credentials()
    terminal = terminal_for(session, municipality_code, terminal_id)
    from server_stub.auth.terminal_standing import terminal_row

    named = terminal_row(session, municipality_code, terminal_id) if terminal is None else None
    if named is not None:  # enrolled but not active: nobody signs in there, admins neither
        raise AuthError("terminal_revoked", "この端末はデータセンターにより利用停止(失効)されています。",
                        f"Terminal {terminal_id!r} is not active ({named.status})", status=403)
    if terminal is None and staff.role != "admin":
        raise AuthError(
            "unknown_terminal",
            "この端末は登録されていません。管理者に端末登録を依頼してください。",
            f"Terminal {terminal_id!r} is not enrolled",
            status=403,
        )
    if staff.failed_attempts:
        staff.failed_attempts = 0
        staff.updated_at = now
    token = secrets.token_urlsafe(32)
    while token.startswith("-"):  # a token pasted after `madoguchi verify --token` must not read as an option
        token = secrets.token_urlsafe(32)
    expires = now + TOKEN_LIFETIME
    session.add(
        AuthToken(
            token_hash=_token_hash(token),
            municipality_code=municipality_code,
            user_id=user_id,
            terminal_id=terminal.terminal_id if terminal else (terminal_id or ADMIN_CONSOLE_TERMINAL),
            issued_at=now,
            expires_at=expires,
            revoked=False,
            signed=signed,
        )
    )
    return token, expires, staff, muni  # type: ignore[return-value]


def terminal_for(session: Session, municipality_code: str, terminal_id: str) -> Terminal | None:
    if not terminal_id:
        return None
    return session.scalars(
        select(Terminal).where(
            Terminal.municipality_code == municipality_code,
            Terminal.terminal_id == terminal_id,
            Terminal.active.is_(True),
            Terminal.status == "active",  # fail closed (issue 15): any other standing is not active
        )
    ).one_or_none()


def _aware(value: datetime, like: datetime) -> datetime:
    if value.tzinfo is None and like.tzinfo is not None:
        return value.replace(tzinfo=like.tzinfo)
    return value


# One statement per request for the bearer token, its staff member and its terminal: built once,
# compiled once (SQLAlchemy's statement cache), executed with fresh data every time. Nothing of it
# is cached in process memory, so a logout, a lock, a disabled account or a terminal's status
# change is seen by every serve process at the next request.
_t = cast(Table, AuthToken.__table__)
_s = cast(Table, Staff.__table__)
_term = cast(Table, Terminal.__table__)
_PRINCIPAL = (
    select(_t.c.municipality_code, _t.c.user_id, _t.c.terminal_id, _t.c.expires_at, _t.c.revoked,
           _s.c.user_id.label("staff_user_id"), _s.c.name.label("staff_name"), _s.c.role, _s.c.active, _s.c.locked,
           _t.c.signed, _term.c.name.label("terminal_name"), _term.c.terminal_id.label("terminal_row_id"),
           _term.c.status.label("terminal_status"), _term.c.active.label("terminal_active"))
    .select_from(
        _t.outerjoin(_s, and_(_s.c.municipality_code == _t.c.municipality_code, _s.c.user_id == _t.c.user_id))
        .outerjoin(_term, and_(_term.c.municipality_code == _t.c.municipality_code,
                               _term.c.terminal_id == _t.c.terminal_id)))
    .where(_t.c.token_hash == bindparam("token_hash"))
)


def principal_for_token(session: Session, token: str, now: datetime) -> Principal:
    """Resolve a bearer token. Raises AuthError (401) when unknown, revoked or expired."""
    row = session.execute(_PRINCIPAL, {"token_hash": _token_hash(token)}).first() if token else None
    if row is not None and row.terminal_row_id is not None and not (
            row.terminal_status == ACTIVE_TERMINAL and row.terminal_active is True):  # fail closed (issue 15)
        raise AuthError("terminal_revoked", "この端末はデータセンターにより利用停止(失効)されています。",
                        f"Terminal {row.terminal_id!r} is not active ({row.terminal_status})", status=403)
    if row is None or row.revoked:
        raise AuthError("invalid_token", "ログインし直してください。", "Unknown or revoked token")
    if _aware(row.expires_at, now) <= now:
        raise AuthError("expired_token", "ログインの有効期限が切れました。ログインし直してください。",
                        "Token expired")
    if row.staff_user_id is None or not row.active or row.locked:
        raise AuthError("invalid_token", "このアカウントは使用できません。", "Account disabled or locked")
    return Principal(
        municipality_code=row.municipality_code,
        user_id=row.staff_user_id,
        name=row.staff_name,
        role=row.role,
        terminal_id=row.terminal_id,
        terminal_name=row.terminal_name or row.terminal_id,
        signed=bool(row.signed),
    )


def revoke(session: Session, token: str) -> None:
    session.execute(update(AuthToken).where(AuthToken.token_hash == _token_hash(token)).values(revoked=True))
