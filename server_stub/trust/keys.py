"""The key hierarchy: root → (service key, municipality keys) → terminal BCP keys.

* The **root** signs the service key and every municipality key; its private key stays in the
  operator's file and is passed to the commands that need it (``--root-key FILE``).
* The **service key** (online, data centre) signs the trust list and the countersignatures.
* A **municipality key** signs online certificates within its signing period; a rollover gives
  the municipality a new key and ends the old one's period at the rollover time (root-signed), so
  everything the old key signed before keeps verifying.
* A **terminal key** (the key registered at enrolment) is certified by its municipality's key
  for a short signing period (``TERMINAL_PERIOD``), renewed whenever the terminal is online
  (enrolment, serial lease, BCP sync back).

Functions take the caller's session and write in its transaction; the caller commits.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from client.certificate.envelope import certify
from client.certificate.signing import generate_keypair, key_id_for
from server_stub.audit import chain as audit
from server_stub.clock import to_utc
from server_stub.models import Municipality, SerialLease, Terminal
from server_stub.trust.models import TrustKey, TrustKeyCertificate, TrustRevocation, TrustRoot
from server_stub.trust.root import RootKey

SERVICE_PERIOD = timedelta(days=3 * 366)
MUNICIPALITY_PERIOD = timedelta(days=5 * 366)
TERMINAL_PERIOD = timedelta(days=14)


class TrustError(ValueError):
    def __init__(self, code: str, message_ja: str, message_en: str) -> None:
        super().__init__(message_en)
        self.code = code
        self.message_ja = message_ja
        self.message_en = message_en


def _store_certificate(session: Session, envelope: dict[str, str], issuer_kid: str, kid: str,
                       not_before: datetime, not_after: datetime, now: datetime) -> None:
    session.add(TrustKeyCertificate(kid=kid, issuer_kid=issuer_kid, not_before=to_utc(not_before),
                                    not_after=to_utc(not_after), issued_at=to_utc(now),
                                    envelope_json=json.dumps(envelope, sort_keys=True)))


def current_root(session: Session) -> TrustRoot | None:
    return session.scalars(select(TrustRoot).order_by(TrustRoot.created_at)).first()


def _check_root(session: Session, root: RootKey) -> None:
    known = current_root(session)
    if known is None:
        raise TrustError("no_root", "ルート鍵が登録されていません（trust certify を先に実行してください）。",
                         "no root registered: run `trust certify --root-key FILE` first")
    if known.kid != root.kid:
        raise TrustError("wrong_root", f"このルート鍵（{root.kid}）は登録済みのルート鍵（{known.kid}）ではありません。",
                         f"root key {root.kid} is not the registered root {known.kid}")


def service_key(session: Session) -> TrustKey | None:
    return session.scalars(
        select(TrustKey).where(TrustKey.role == "service", TrustKey.retired_at.is_(None)).order_by(TrustKey.created_at)
    ).first()


def install_root(session: Session, root: RootKey, now: datetime) -> None:
    """Register the root's public key (once) and make sure an online service key is certified."""
    known = current_root(session)
    if known is None:
        session.add(TrustRoot(kid=root.kid, public_key=root.public_key, created_at=to_utc(now)))
        session.flush()
    else:
        _check_root(session, root)
    if service_key(session) is None:
        private, public = generate_keypair()
        kid = key_id_for(public)
        session.add(TrustKey(kid=kid, role="service", municipality_code="", terminal_id="", name="データセンター",
                             public_key=public, private_key=private, created_at=to_utc(now)))
        env = certify(root.private_key, public, role="service", name="データセンター", not_before=now,
                      not_after=now + SERVICE_PERIOD, issued_at=now)
        _store_certificate(session, env, root.kid, kid, now, now + SERVICE_PERIOD, now)
        session.flush()


def _certify_municipality_key(session: Session, root: RootKey, muni: Municipality, not_before: datetime,
                              now: datetime) -> None:
    public = bytes(muni.signing_public_key)
    if session.get(TrustKey, muni.signing_key_id) is None:
        session.add(TrustKey(kid=muni.signing_key_id, role="municipality", municipality_code=muni.code,
                             terminal_id="", name=muni.name, public_key=public, private_key=None,
                             created_at=to_utc(now)))
    env = certify(root.private_key, public, role="municipality", municipality_code=muni.code, name=muni.name,
                  not_before=not_before, not_after=not_before + MUNICIPALITY_PERIOD, issued_at=now)
    _store_certificate(session, env, root.kid, muni.signing_key_id, not_before, not_before + MUNICIPALITY_PERIOD, now)
    session.flush()


def certify_all(session: Session, root: RootKey, now: datetime) -> dict[str, int]:
    """Register the root, certify every municipality key not yet certified and every active terminal."""
    install_root(session, root, now)
    munis = terminals = 0
    for muni in session.scalars(select(Municipality).order_by(Municipality.code)):
        if session.get(TrustKey, muni.signing_key_id) is None:
            _certify_municipality_key(session, root, muni, to_utc(muni.created_at), now)
            munis += 1
        for t in session.scalars(select(Terminal).where(Terminal.municipality_code == muni.code,
                                                        Terminal.active.is_(True))):
            if renew_terminal(session, muni.code, t.terminal_id, now):
                terminals += 1
    return {"municipalities": munis, "terminals": terminals}


def rollover_municipality(session: Session, root: RootKey, code: str, now: datetime, *, actor: str,
                          reason: str = "rollover") -> str:
    """A new signing key for ``code``; the old key's period ends now (root-signed). Returns the new kid."""
    _check_root(session, root)
    muni = session.get(Municipality, code)
    if muni is None:
        raise TrustError("unknown_municipality", f"団体 {code} がありません。", f"no municipality {code}")
    old_kid = muni.signing_key_id
    old = session.get(TrustKey, old_kid)
    if old is not None:
        first = session.scalars(select(TrustKeyCertificate).where(TrustKeyCertificate.kid == old_kid)
                                .order_by(TrustKeyCertificate.id)).first()
        nbf = to_utc(first.not_before) if first else to_utc(muni.created_at)
        env = certify(root.private_key, bytes(old.public_key), role="municipality", municipality_code=code,
                      name=muni.name, not_before=nbf, not_after=now, issued_at=now)
        _store_certificate(session, env, root.kid, old_kid, nbf, now, now)
        old.retired_at = to_utc(now)
    private, public = generate_keypair()
    muni.signing_private_key, muni.signing_public_key, muni.signing_key_id = private, public, key_id_for(public)
    session.flush()
    _certify_municipality_key(session, root, muni, now, now)
    for t in session.scalars(select(Terminal).where(Terminal.municipality_code == code, Terminal.active.is_(True))):
        renew_terminal(session, code, t.terminal_id, now, force_new_period=True)
    audit.append(session, code, now=now, user_id=actor, terminal_id="", action="trust_rollover",
                 subject=muni.signing_key_id, detail={"old_key_id": old_kid, "new_key_id": muni.signing_key_id,
                                                      "reason": reason})
    return muni.signing_key_id


def renew_terminal(session: Session, code: str, terminal_id: str, now: datetime, *,
                   force_new_period: bool = False) -> bool:
    """Certify (or re-certify) a terminal's key for ``TERMINAL_PERIOD`` from now, by the municipality key.

    A renewal while the previous period still runs keeps its start, so one certificate covers the
    whole time the terminal stayed in touch. Nothing happens before the municipality key is
    certified, or for a revoked key. Returns whether a certificate was written.
    """
    muni = session.get(Municipality, code)
    if muni is None or session.get(TrustKey, muni.signing_key_id) is None:
        return False
    terminal = session.scalars(select(Terminal).where(Terminal.municipality_code == code,
                                                      Terminal.terminal_id == terminal_id,
                                                      Terminal.active.is_(True))).first()
    if terminal is None or session.scalars(select(TrustRevocation).where(
            TrustRevocation.kid == terminal.key_id)).first() is not None:
        return False
    if session.get(TrustKey, terminal.key_id) is None:
        session.add(TrustKey(kid=terminal.key_id, role="terminal", municipality_code=code, terminal_id=terminal_id,
                             name=terminal.name, public_key=bytes(terminal.public_key), private_key=None,
                             created_at=to_utc(now)))
    last = session.scalars(select(TrustKeyCertificate).where(
        TrustKeyCertificate.kid == terminal.key_id, TrustKeyCertificate.issuer_kid == muni.signing_key_id)
        .order_by(TrustKeyCertificate.id.desc())).first()
    nbf = now
    if last is not None and not force_new_period and to_utc(last.not_after) >= to_utc(now):
        nbf = to_utc(last.not_before)
        if to_utc(last.not_after) - to_utc(now) > TERMINAL_PERIOD - timedelta(hours=1):
            return False  # renewed within the last hour: nothing to add
    env = certify(bytes(muni.signing_private_key), bytes(terminal.public_key), role="terminal",
                  municipality_code=code, terminal_id=terminal_id, name=terminal.name, not_before=nbf,
                  not_after=now + TERMINAL_PERIOD, issued_at=now)
    _store_certificate(session, env, muni.signing_key_id, terminal.key_id, nbf, now + TERMINAL_PERIOD, now)
    session.flush()
    return True


def _revoke(session: Session, kid: str, effective_at: datetime, reason: str, actor: str, now: datetime) -> None:
    if not reason.strip():
        raise TrustError("reason_required", "失効の理由を入力してください。", "a revocation needs a reason")
    if session.scalars(select(TrustRevocation).where(TrustRevocation.kid == kid)).first() is not None:
        raise TrustError("already_revoked", f"鍵 {kid} は既に失効しています。", f"key {kid} is already revoked")
    session.add(TrustRevocation(kid=kid, effective_at=to_utc(effective_at), reason=reason[:500], actor=actor[:64],
                                recorded_at=to_utc(now)))
    session.flush()


def revoke_terminal_key(session: Session, municipality: str, terminal_id: str, effective_at: datetime,
                        reason: str, actor: str, *, now: datetime | None = None) -> str:
    """Revoke the BCP key of ``terminal_id`` as of ``effective_at`` (for the admin's terminal revocation).

    Certificates it signed before ``effective_at`` and that the data centre countersigned stay
    valid; anything it signed at or after ``effective_at`` fails, and so does any BCP certificate
    of that key the data centre never saw (its leases count as closed). Returns the key id.
    """
    now = now or effective_at
    terminal = session.scalars(select(Terminal).where(Terminal.municipality_code == municipality,
                                                      Terminal.terminal_id == terminal_id)
                               .order_by(Terminal.id.desc())).first()
    if terminal is None:
        raise TrustError("unknown_terminal", f"端末 {terminal_id} は登録されていません。", f"no terminal {terminal_id}")
    _revoke(session, terminal.key_id, effective_at, reason, actor, now)
    session.execute(
        update(SerialLease)
        .where(SerialLease.municipality_code == municipality, SerialLease.terminal_id == terminal_id,
               SerialLease.status == "active")
        .values(status="revoked", returned_at=to_utc(now))
    )
    audit.append(session, municipality, now=now, user_id=actor, terminal_id=terminal_id, action="trust_revoke_terminal",
                 subject=terminal.key_id, detail={"effective_at": effective_at.isoformat(), "reason": reason[:500]})
    return terminal.key_id


def revoke_municipality_key(session: Session, root: RootKey, code: str, effective_at: datetime, reason: str,
                            actor: str, now: datetime) -> str:
    """Revoke the municipality's current key as of ``effective_at`` and roll over to a new one.

    Returns the new key id. Terminal keys are re-certified by the new key.
    """
    _check_root(session, root)
    muni = session.get(Municipality, code)
    if muni is None:
        raise TrustError("unknown_municipality", f"団体 {code} がありません。", f"no municipality {code}")
    _revoke(session, muni.signing_key_id, effective_at, reason, actor, now)
    return rollover_municipality(session, root, code, now, actor=actor, reason=f"revoked: {reason}")
