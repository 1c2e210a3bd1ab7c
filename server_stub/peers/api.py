"""Peer groups at the data centre (issue 18): the site's peer list and emergency hold proposals.

* ``GET /api/v1/peers`` — for an enrolled terminal (its own request signature, while online): the
  terminals of its site with their public keys and LAN addresses (``client.peers.directory``).
* ``PUT /api/v1/peers/terminals/{terminal_id}`` ``{site, address}`` (admin) — where a terminal sits
  and the ``host:port`` its peer endpoint listens on (a loopback or private LAN address).
* ``POST /api/v1/peers/hold-proposals`` ``{holds: [signed hold …]}`` (terminal or staff) — the
  emergency 抑止 / 仮支援措置 recorded in BCP mode, each checked against its origin terminal's key
  and stored once (``stored`` / ``duplicate`` / ``rejected`` per hold).
* ``POST /api/v1/peers/mirrored-issuances`` ``{records: [{record, origin, sig} …]}`` (terminal) — BCP
  outbox records mirrored to the calling terminal by a peer of its site, each signed by its origin
  terminal; stored as the origin's (its leases, its certificate keys), once by UUID, exactly as
  the origin's own push would (``stored`` / ``duplicate`` / ``rejected`` per record).
* ``POST /api/v1/peers/lease-transfers`` ``{transfers: [{transfer, sig} …]}`` (terminal) — serial
  rebalancing: the unused tail of a donor's lease handed to a peer, signed by the donor; the
  donor's lease is cut and the range becomes a lease of the recipient (id = transfer id, same
  lease time and expiry), once per transfer; refused when any number of it was issued already.
* ``GET /api/v1/peers/hold-proposals?status=proposed`` (supervisor) — what awaits a decision.
* ``GET /api/v1/peers/hold-decisions`` (terminal) — the decided proposals (hold id, confirmed or
  declined, and the change-log seq of the register entry a confirmed one became): a terminal
  retires a declined hold at once and a confirmed one once its replica has that seq
  (``client.peers.directory.retire_decided``).
* ``POST /api/v1/peers/hold-proposals/{hold_id}/confirm`` ``{note}`` (supervisor) — the hold
  becomes a real 抑止 (発行, error) or 仮支援措置 in the register, with its change-log row (so
  every replica gets it); ``…/decline`` ``{note}`` records the refusal. Both are logged.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi import APIRouter, Path, Query
from pydantic import Field, StringConstraints
from sqlalchemy import select
from sqlalchemy.orm import Session

from client.wire.bcp import BcpIssuanceRecord
from server_stub.api.deps import AdminDep, CallerDep, SessionDep, SupervisorDep
from server_stub.api.errors import ApiError
from server_stub.api.schemas import _Model
from server_stub.audit import chain as audit
from server_stub.auth.sign_in import Principal, terminal_for
from server_stub.clock import now_jst
from server_stub.db import begin_write
from server_stub.models import HoldProposal, PeerAddress, Terminal
from server_stub.register.writes import add_support_measure, add_suppression

router = APIRouter(prefix="/api/v1/peers", tags=["peers"])

HOLD_DOMAIN = b"MDGH1\n"  # same bytes as client.peers.holds.HOLD_DOMAIN
MIRROR_DOMAIN = b"MDGM1\n"  # same bytes as client.peers.mirror.MIRROR_DOMAIN
SERIAL_DOMAIN = b"MDGS1\n"  # same bytes as client.peers.serials.SERIAL_DOMAIN
TRANSFER_FIELDS = ("transfer_id", "municipality_code", "from", "to", "lease_id", "first", "last", "expires_at")
HOLD_KINDS = ("suppression", "provisional_support")
LAN_NETWORKS = tuple(ipaddress.ip_network(n) for n in (  # as client.peers.wire.LAN_NETWORKS
    "127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16",
    "::1/128", "fc00::/7", "fe80::/10"))


def canonical(obj: Any) -> bytes:
    """Same bytes as client.peers.wire.canonical."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def lan_address(address: str) -> str:
    host, sep, port = address.rpartition(":")
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        ip = None
    if (not sep or not port.isdigit() or not 0 < int(port) < 65536 or ip is None
            or not any(ip in net for net in LAN_NETWORKS)):
        raise ApiError(422, "not_lan_address", "端末間通信のアドレスは庁内LANのIPアドレスとポートで指定してください。",
                       f"{address!r} is not a loopback/private LAN host:port")
    return address


class PeerAddressIn(_Model):
    site: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"\S")]
    address: Annotated[str, StringConstraints(min_length=3, max_length=64)]


class HoldProposalsIn(_Model):
    holds: Annotated[list[dict[str, Any]], Field(min_length=1, max_length=500)]


class DecisionIn(_Model):
    note: Annotated[str, StringConstraints(max_length=1000)] = ""


def _peer_row(terminal: Terminal, address: PeerAddress) -> dict[str, str]:
    return {"terminal_id": terminal.terminal_id, "name": terminal.name, "key_id": terminal.key_id,
            "public_key": base64.b64encode(bytes(terminal.public_key)).decode("ascii"), "address": address.address}


@router.get("")
def get_peers(caller: CallerDep, session: SessionDep) -> dict[str, Any]:
    """The caller terminal's site and every active terminal there (the caller included)."""
    if caller.role != "terminal":
        raise ApiError(403, "terminal_only", "端末の署名で呼び出してください。", "the peer list is for terminals")
    code = caller.municipality_code
    own = session.get(PeerAddress, (code, caller.terminal_id))
    if own is None:
        return {"municipality_code": code, "site": "", "peers": []}
    rows = session.execute(
        select(Terminal, PeerAddress).join(
            PeerAddress, (PeerAddress.municipality_code == Terminal.municipality_code)
            & (PeerAddress.terminal_id == Terminal.terminal_id))
        .where(Terminal.municipality_code == code, Terminal.active.is_(True), PeerAddress.site == own.site)
        .order_by(Terminal.terminal_id)
    ).all()
    return {"municipality_code": code, "site": own.site, "peers": [_peer_row(t, a) for t, a in rows]}


@router.put("/terminals/{terminal_id}")
def put_peer_address(body: PeerAddressIn, principal: AdminDep, session: SessionDep,
                     terminal_id: Annotated[str, Path(min_length=1, max_length=64)]) -> dict[str, Any]:
    address = lan_address(body.address)
    begin_write(session)
    code = principal.municipality_code
    if terminal_for(session, code, terminal_id) is None:
        raise ApiError(404, "unknown_terminal", "その端末は登録されていません。", f"no active terminal {terminal_id}")
    now = now_jst()
    row = session.get(PeerAddress, (code, terminal_id))
    if row is None:
        row = PeerAddress(municipality_code=code, terminal_id=terminal_id, site=body.site, address=address,
                          updated_at=now, updated_by=principal.user_id)
        session.add(row)
    else:
        row.site, row.address, row.updated_at, row.updated_by = body.site, address, now, principal.user_id
    audit.append(session, code, now=now, user_id=principal.user_id, terminal_id=principal.terminal_id,
                 action="peer_address", subject=terminal_id, detail={"site": body.site, "address": address})
    session.commit()
    return {"terminal_id": terminal_id, "site": body.site, "address": address}


class _Refused(Exception):
    def __init__(self, code: str, message_en: str) -> None:
        super().__init__(message_en)
        self.code = code


def _verified(session: Session, code: str, signed: dict[str, Any]) -> dict[str, str]:
    hold, sig = signed.get("hold"), signed.get("sig")
    if not isinstance(hold, dict) or not isinstance(sig, str):
        raise _Refused("malformed", "not a signed hold")
    fields = ("hold_id", "kind", "municipality_code", "atena_no", "reason", "recorded_by", "origin", "recorded_at")
    if set(hold) != set(fields) or not all(isinstance(hold[f], str) for f in fields):
        raise _Refused("malformed", "hold fields missing or of the wrong type")
    try:
        uuid.UUID(hold["hold_id"])
        datetime.fromisoformat(hold["recorded_at"])
    except ValueError as exc:
        raise _Refused("malformed", f"bad hold id or time: {exc}") from exc
    if hold["kind"] not in HOLD_KINDS or not 0 < len(hold["atena_no"]) <= 16 or not 0 < len(hold["reason"]) <= 200 \
            or not 0 < len(hold["recorded_by"]) <= 64:
        raise _Refused("malformed", "hold kind, 宛名番号, reason or supervisor out of range")
    if hold["municipality_code"] != code:
        raise _Refused("wrong_municipality", "hold of another municipality")
    origin = terminal_for(session, code, hold["origin"])
    if origin is None:
        raise _Refused("unknown_terminal", f"hold origin {hold['origin']!r} is not an enrolled terminal")
    try:
        Ed25519PublicKey.from_public_bytes(bytes(origin.public_key)).verify(
            base64.b64decode(sig, validate=True), HOLD_DOMAIN + canonical(hold))
    except (InvalidSignature, ValueError) as exc:
        raise _Refused("bad_signature", "hold signature does not verify with its origin's key") from exc
    return hold


@router.post("/hold-proposals")
def post_hold_proposals(body: HoldProposalsIn, caller: CallerDep, session: SessionDep) -> dict[str, Any]:
    code = caller.municipality_code
    begin_write(session)
    now = now_jst()
    results: list[dict[str, Any]] = []
    for signed in body.holds:
        try:
            hold = _verified(session, code, signed)
        except _Refused as exc:
            raw = signed.get("hold")
            results.append({"hold_id": str(raw.get("hold_id", "")) if isinstance(raw, dict) else "",
                            "status": "rejected", "code": exc.code, "message_en": str(exc)})
            continue
        existing = session.scalars(select(HoldProposal).where(HoldProposal.municipality_code == code,
                                                              HoldProposal.hold_id == hold["hold_id"])).first()
        if existing is not None:
            results.append({"hold_id": hold["hold_id"], "status": "duplicate"})
            continue
        session.add(HoldProposal(
            municipality_code=code, hold_id=hold["hold_id"], kind=hold["kind"], atena_no=hold["atena_no"],
            reason=hold["reason"], recorded_by=hold["recorded_by"], origin_terminal=hold["origin"],
            recorded_at=hold["recorded_at"], signed_json=json.dumps(signed, ensure_ascii=False), received_at=now,
            received_from=caller.terminal_id or caller.user_id, status="proposed", decided_by="", note=""))
        session.flush()
        audit.append(session, code, now=now, user_id=caller.user_id, terminal_id=caller.terminal_id,
                     action="hold_proposal", subject=hold["atena_no"], mode="bcp",
                     detail={"hold_id": hold["hold_id"], "kind": hold["kind"], "origin": hold["origin"]})
        results.append({"hold_id": hold["hold_id"], "status": "stored"})
    session.commit()
    return {"results": results}


def proposal_to_dict(row: HoldProposal) -> dict[str, Any]:
    return {"hold_id": row.hold_id, "kind": row.kind, "atena_no": row.atena_no, "reason": row.reason,
            "recorded_by": row.recorded_by, "origin_terminal": row.origin_terminal, "recorded_at": row.recorded_at,
            "received_at": row.received_at.isoformat(), "received_from": row.received_from, "status": row.status,
            "decided_by": row.decided_by, "decided_at": row.decided_at.isoformat() if row.decided_at else None,
            "note": row.note}


@router.get("/hold-proposals")
def list_hold_proposals(principal: SupervisorDep, session: SessionDep,
                        status: Annotated[Literal["proposed", "confirmed", "declined", "all"], Query()] = "proposed",
                        ) -> dict[str, Any]:
    stmt = select(HoldProposal).where(HoldProposal.municipality_code == principal.municipality_code)
    if status != "all":
        stmt = stmt.where(HoldProposal.status == status)
    return {"proposals": [proposal_to_dict(r) for r in session.scalars(stmt.order_by(HoldProposal.id))]}


@router.get("/hold-decisions")
def hold_decisions(caller: CallerDep, session: SessionDep) -> dict[str, Any]:
    """For the terminals: which holds a supervisor decided (no reason, no note, no person), and for a
    confirmed one the change-log seq of the register's 抑止 / 仮支援措置 it became."""
    from sqlalchemy import func

    from server_stub.models import ChangeLogEntry

    if caller.role != "terminal":
        raise ApiError(403, "terminal_only", "端末の署名で呼び出してください。", "hold decisions are for terminals")
    code = caller.municipality_code
    rows = session.execute(select(HoldProposal.hold_id, HoldProposal.status).where(
        HoldProposal.municipality_code == code, HoldProposal.status != "proposed").order_by(HoldProposal.id)).all()
    register_ids = {_register_id(h): h for h, status in rows if status == "confirmed"}
    seqs: dict[str, int] = {}
    if register_ids:
        for key, seq in session.execute(
                select(ChangeLogEntry.key, func.max(ChangeLogEntry.seq)).where(
                    ChangeLogEntry.municipality_code == code, ChangeLogEntry.key.in_(list(register_ids)),
                    ChangeLogEntry.kind.in_(("support_measure", "suppression"))).group_by(ChangeLogEntry.key)):
            seqs[register_ids[key]] = int(seq)
    return {"decisions": [{"hold_id": h, "status": status, "change_seq": seqs.get(h)} for h, status in rows]}


def _register_id(hold_id: str) -> str:
    return "EH-" + hold_id.replace("-", "")[:24]  # as client.peers.holds.domain_id


def _decide(session: Session, principal: Principal, hold_id: str, outcome: str, note: str) -> HoldProposal:
    begin_write(session)
    code = principal.municipality_code
    row = session.scalars(select(HoldProposal).where(HoldProposal.municipality_code == code,
                                                     HoldProposal.hold_id == hold_id)).first()
    if row is None:
        raise ApiError(404, "not_found", "緊急措置の提案が見つかりません。", f"no hold proposal {hold_id}")
    if row.status != "proposed":
        raise ApiError(409, "already_decided", "この提案は処理済みです。", f"hold proposal {hold_id} is {row.status}")
    now = now_jst()
    if outcome == "confirmed":
        register_id = _register_id(row.hold_id)
        if row.kind == "suppression":
            add_suppression(session, code, suppression_id=register_id, process="hakko", level="error", now=now,
                            atena_no=row.atena_no, start=now.date(), reason=f"緊急抑止(BCP): {row.reason}")
        else:
            add_support_measure(session, code, measure_id=register_id, protected=[row.atena_no], now=now,
                                provisional=True, start=now.date())
    row.status, row.decided_by, row.decided_at, row.note = outcome, principal.user_id, now, note
    audit.append(session, code, now=now, user_id=principal.user_id, terminal_id=principal.terminal_id,
                 action=f"hold_{outcome}", subject=row.atena_no,
                 detail={"hold_id": row.hold_id, "kind": row.kind, "note": note})
    session.commit()
    return row


@router.post("/hold-proposals/{hold_id}/confirm")
def confirm_hold(body: DecisionIn, principal: SupervisorDep, session: SessionDep,
                 hold_id: Annotated[str, Path(pattern=r"^[0-9a-fA-F-]{36}$")]) -> dict[str, Any]:
    return proposal_to_dict(_decide(session, principal, hold_id, "confirmed", body.note))


@router.post("/hold-proposals/{hold_id}/decline")
def decline_hold(body: DecisionIn, principal: SupervisorDep, session: SessionDep,
                 hold_id: Annotated[str, Path(pattern=r"^[0-9a-fA-F-]{36}$")]) -> dict[str, Any]:
    if not body.note.strip():
        raise ApiError(422, "note_required", "取り下げの理由を入力してください。", "a decline needs a note")
    return proposal_to_dict(_decide(session, principal, hold_id, "declined", body.note))


class MirroredIn(_Model):
    records: Annotated[list[dict[str, Any]], Field(min_length=1, max_length=200)]


def _mirror_origin(session: Session, caller: Principal, signed: dict[str, Any]) -> Terminal:
    record, origin_id, sig = signed.get("record"), signed.get("origin"), signed.get("sig")
    if not isinstance(record, dict) or not isinstance(origin_id, str) or not isinstance(sig, str):
        raise _Refused("malformed", "not a signed mirrored record")
    code = caller.municipality_code
    origin = terminal_for(session, code, origin_id)
    if origin is None:
        raise _Refused("unknown_terminal", f"origin {origin_id!r} is not an enrolled terminal")
    own, theirs = session.get(PeerAddress, (code, caller.terminal_id)), session.get(PeerAddress, (code, origin_id))
    if own is None or theirs is None or own.site != theirs.site:
        raise _Refused("not_a_peer", f"{origin_id!r} is not a peer of {caller.terminal_id!r}")
    try:
        Ed25519PublicKey.from_public_bytes(bytes(origin.public_key)).verify(
            base64.b64decode(sig, validate=True), MIRROR_DOMAIN + canonical({"origin": origin_id, "record": record}))
    except (InvalidSignature, ValueError) as exc:
        raise _Refused("bad_signature", "mirrored record not signed by its origin terminal") from exc
    return origin


@router.post("/mirrored-issuances")
def post_mirrored(body: MirroredIn, caller: CallerDep, session: SessionDep) -> dict[str, Any]:
    from pydantic import ValidationError

    from server_stub.api.bcp import BcpRecordIn
    from server_stub.issuing.bcp_batch import BcpBatch, BcpRejected
    from server_stub.issuing.reconcile import store_bcp_issuance

    if caller.role != "terminal":
        raise ApiError(403, "terminal_only", "端末の署名で呼び出してください。", "mirrored records come from terminals")
    begin_write(session)
    results: list[dict[str, Any]] = []
    accepted: dict[str, tuple[Principal, list[BcpIssuanceRecord]]] = {}
    for signed in body.records:
        raw = signed.get("record")
        uuid_text = str(raw.get("uuid", "")) if isinstance(raw, dict) else ""
        try:
            origin = _mirror_origin(session, caller, signed)
            record = BcpRecordIn.model_validate(raw).to_wire()
        except _Refused as exc:
            results.append({"uuid": uuid_text, "status": "rejected", "code": exc.code, "message_en": str(exc)})
            continue
        except ValidationError as exc:
            results.append({"uuid": uuid_text, "status": "rejected", "code": "bad_record",
                            "message_en": str(exc)[:500]})
            continue
        principal = Principal(municipality_code=caller.municipality_code, user_id=f"terminal:{origin.terminal_id}",
                              name=origin.name, role="terminal", terminal_id=origin.terminal_id,
                              terminal_name=origin.name)
        accepted.setdefault(origin.terminal_id, (principal, []))[1].append(record)
    now = now_jst()
    for principal, records in accepted.values():
        batch = BcpBatch(session, principal, records)
        for record in records:
            savepoint = session.begin_nested()
            try:
                stored = store_bcp_issuance(session, principal, record, now, batch)
                savepoint.commit()
            except BcpRejected as exc:
                savepoint.rollback()
                results.append({"uuid": record["uuid"], "status": "rejected", "code": exc.code,
                                "message_en": exc.message_en})
                continue
            results.append({"uuid": record["uuid"], "status": "duplicate" if stored.duplicate else "stored",
                            "issuance_id": stored.issuance_id, "origin": principal.terminal_id,
                            "conflicts": list(stored.conflict_codes)})
    session.commit()
    return {"results": results}


class TransfersIn(_Model):
    transfers: Annotated[list[dict[str, Any]], Field(min_length=1, max_length=200)]


def _same_site(session: Session, code: str, *terminal_ids: str) -> bool:
    rows = [session.get(PeerAddress, (code, t)) for t in terminal_ids]
    return all(r is not None for r in rows) and len({r.site for r in rows if r is not None}) == 1


def _apply_transfer(session: Session, caller: Principal, signed: dict[str, Any]) -> str:
    from server_stub.models import IssuedCopy, SerialLease

    t, sig = signed.get("transfer"), signed.get("sig")
    if not isinstance(t, dict) or not isinstance(sig, str) or set(t) != set(TRANSFER_FIELDS) \
            or not all(isinstance(t[k], int) for k in ("first", "last")) \
            or not all(isinstance(t[k], str) for k in TRANSFER_FIELDS if k not in ("first", "last")) \
            or not 1 <= t["first"] <= t["last"]:
        raise _Refused("malformed", "not a signed lease transfer")
    code = caller.municipality_code
    if t["municipality_code"] != code or caller.terminal_id not in (t["from"], t["to"]):
        raise _Refused("not_a_party", "only the donor or the recipient pushes a transfer")
    donor, recipient = terminal_for(session, code, t["from"]), terminal_for(session, code, t["to"])
    if donor is None or recipient is None or not _same_site(session, code, t["from"], t["to"]):
        raise _Refused("not_a_peer", "donor and recipient are not enrolled peers of one site")
    try:
        Ed25519PublicKey.from_public_bytes(bytes(donor.public_key)).verify(
            base64.b64decode(sig, validate=True), SERIAL_DOMAIN + canonical(t))
    except (InvalidSignature, ValueError) as exc:
        raise _Refused("bad_signature", "lease transfer not signed by its donor") from exc
    existing = session.get(SerialLease, t["transfer_id"])
    if existing is not None:
        if (existing.terminal_id, existing.first, existing.last) != (t["to"], t["first"], t["last"]):
            raise _Refused("transfer_id_taken", "another lease has this id")
        return "duplicate"
    lease = session.get(SerialLease, t["lease_id"])
    if lease is None or lease.municipality_code != code or lease.terminal_id != t["from"] or lease.status != "active":
        raise _Refused("unknown_lease", "the donor holds no such active lease")
    if lease.last != t["last"] or t["first"] < lease.first:
        raise _Refused("not_tail", "a transfer is the unused tail of the donor's lease (push the later one first)")
    used = session.scalar(select(IssuedCopy.serial).where(
        IssuedCopy.municipality_code == code, IssuedCopy.serial >= t["first"], IssuedCopy.serial <= t["last"]).limit(1))
    if used is not None:
        raise _Refused("serial_used", f"serial {used} of the range was issued already")
    lease.last = t["first"] - 1
    session.add(SerialLease(lease_id=t["transfer_id"], municipality_code=code, terminal_id=t["to"],
                            first=t["first"], last=t["last"], leased_at=lease.leased_at, expires_at=lease.expires_at,
                            status="active", unused_json="[]"))
    session.flush()
    audit.append(session, code, now=now_jst(), user_id=caller.user_id, terminal_id=caller.terminal_id,
                 action="lease_transfer", subject=t["lease_id"], mode="bcp",
                 detail={"transfer_id": t["transfer_id"], "from": t["from"], "to": t["to"],
                         "first": t["first"], "last": t["last"]})
    return "stored"


@router.post("/lease-transfers")
def post_lease_transfers(body: TransfersIn, caller: CallerDep, session: SessionDep) -> dict[str, Any]:
    if caller.role != "terminal":
        raise ApiError(403, "terminal_only", "端末の署名で呼び出してください。", "lease transfers come from terminals")
    begin_write(session)
    results: list[dict[str, Any]] = []
    for signed in body.transfers:
        raw = signed.get("transfer")
        transfer_id = str(raw.get("transfer_id", "")) if isinstance(raw, dict) else ""
        savepoint = session.begin_nested()
        try:
            status = _apply_transfer(session, caller, signed)
            savepoint.commit()
            results.append({"transfer_id": transfer_id, "status": status})
        except _Refused as exc:
            savepoint.rollback()
            results.append({"transfer_id": transfer_id, "status": "rejected", "code": exc.code,
                            "message_en": str(exc)})
    session.commit()
    return {"results": results}
