"""Mutual backup (相互バックアップ) in BCP mode: an enrolled terminal acting for a partner.

A terminal of municipality A that holds the replica of partner B (an agreement between A and B is
recorded, ``madoguchi-server agreement add``) may, with its own Ed25519 request signature,

* lease 発行番号 serials from B's counter (``POST /api/v1/serials/lease?municipality=B``),
* push the BCP issuances B's staff made on it (``POST /api/v1/bcp/issuances?municipality=B``),
* upload the BCP access log of that work (``POST /api/v1/bcp/access-log?municipality=B``).

The request is then handled as B's, by a principal whose terminal id is ``"A/<terminal id>"``:
B's leases, records, conflicts and audit chain say which partner terminal did the work, and an id
with a ``/`` can never be one of B's own terminals (enrolment allows ``[A-Za-z0-9_.-]`` only).
Without an agreement, or for a staff token, the request is refused with 403 before anything is
written.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from server_stub.auth.sign_in import Principal
from server_stub.errors import Refusal
from server_stub.models import BackupAgreement

PartnerQuery = Annotated[
    str | None,
    Query(min_length=1, max_length=16, pattern=r"^[0-9]+$",
          description="相互バックアップ: the partner municipality the terminal works for (BCP sync back)"),
]

_TERMINAL_ID_MAX = 64


def has_agreement(session: Session, a: str, b: str) -> bool:
    """An agreement between ``a`` and ``b`` is recorded (in either direction)."""
    row = session.execute(
        select(BackupAgreement.municipality_code).where(or_(
            and_(BackupAgreement.municipality_code == a, BackupAgreement.partner_code == b),
            and_(BackupAgreement.municipality_code == b, BackupAgreement.partner_code == a),
        )).limit(1)
    ).first()
    return row is not None


def partner_terminal_id(home_code: str, terminal_id: str) -> str:
    """How a partner's terminal is named in the municipality it works for: ``"<home>/<id>"``."""
    return f"{home_code}/{terminal_id}"


def home_terminal(principal: Principal) -> tuple[str, str]:
    """(municipality the terminal is enrolled in, its own terminal id) for any caller."""
    home, sep, terminal_id = principal.terminal_id.partition("/")
    return (home, terminal_id) if sep else (principal.municipality_code, principal.terminal_id)


def acting_for(session: Session, caller: Principal, municipality: str | None) -> Principal:
    """The caller itself, or the caller's terminal acting for ``municipality`` under an agreement.

    Reads only; raises ``Refusal(403)`` when the caller may not act for that municipality.
    """
    if not municipality or municipality == caller.municipality_code:
        return caller
    if caller.role != "terminal" or not caller.terminal_id or "/" in caller.terminal_id:
        raise Refusal(403, "partner_terminal_only",
                       "相互バックアップの同期は、登録済み端末の署名でのみ行えます。",
                       "only an enrolled terminal (request signature) may work for a partner municipality")
    if not has_agreement(session, caller.municipality_code, municipality):
        raise Refusal(403, "no_agreement", "この団体との相互バックアップ協定がありません。",
                       "no mutual backup agreement with that municipality")
    terminal_id = partner_terminal_id(caller.municipality_code, caller.terminal_id)
    if len(terminal_id) > _TERMINAL_ID_MAX:
        raise Refusal(422, "terminal_id_too_long", "端末IDが長すぎるため、相互バックアップに使えません。",
                       f"terminal id {caller.terminal_id!r} is too long to be named in a partner municipality")
    return Principal(municipality_code=municipality, user_id=f"terminal:{terminal_id}", name=caller.name,
                     role="terminal", terminal_id=terminal_id, terminal_name=caller.terminal_name,
                     revoked_at=caller.revoked_at)
