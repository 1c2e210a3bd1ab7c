"""Emergency holds: a 抑止 or 仮支援措置 a supervisor records on a terminal during an outage.

A hold is a small record signed by the terminal that recorded it (``origin``), so a peer that
relays it (anti-entropy) cannot alter or invent one: every receiver checks the origin's
signature against the peer list. Holds are kept in their own SQLCipher file
(``peer_holds.db``, key ``peer-holds-<code>`` in the keyring) and survive restarts.

For the rule engine a hold is a domain object that fails closed in BCP mode:

* ``suppression`` (緊急抑止) → ``Suppression(process=発行, level=error)`` on the person;
* ``provisional_support`` (仮支援措置) → ``SupportMeasure(provisional=True)`` protecting the
  person (照会 and 発行 both refused, no release in BCP mode).

A hold stays until the data centre has it (the supervisor confirms the proposal online, and the
real 抑止/支援措置 then comes down with the replica).
"""

from __future__ import annotations

import json
import re
import threading
import uuid as uuidlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Column, Integer, MetaData, String, Table, Text, func, insert, select, update
from sqlalchemy.engine import Engine

from client.domain.model import (
    EvaluationContext,
    IssuanceRequest,
    Process,
    SupportMeasure,
    Suppression,
    SuppressionLevel,
)
from client.errors import ClerkError
from client.local.files import PEER_HOLDS_FILE, peer_holds_key_name
from client.local.secure_db import open_encrypted
from client.peers.wire import PeerList, PeerRefused, sign_bytes, verify_bytes

HOLD_DOMAIN = b"MDGH1\n"
KINDS = {"suppression": "緊急抑止", "provisional_support": "仮支援措置"}
ATENA_RE = re.compile(r"^[0-9A-Za-z-]{1,16}$")
FILE_NAME = PEER_HOLDS_FILE


def key_name(municipality_code: str) -> str:
    return peer_holds_key_name(municipality_code)


class HoldInputError(ClerkError):
    default_ja = "緊急措置の入力内容が正しくありません。"


def domain_id(hold_id: str) -> str:
    """The 抑止 / 支援措置 id a hold becomes (32 characters at most, as the register allows)."""
    return "EH-" + hold_id.replace("-", "")[:24]


@dataclass(frozen=True)
class Hold:
    hold_id: str
    kind: str
    municipality_code: str
    atena_no: str
    reason: str
    recorded_by: str  # the supervisor's user id
    origin: str  # terminal id that recorded and signed it
    recorded_at: str  # ISO 8601

    def to_dict(self) -> dict[str, str]:
        return {"hold_id": self.hold_id, "kind": self.kind, "municipality_code": self.municipality_code,
                "atena_no": self.atena_no, "reason": self.reason, "recorded_by": self.recorded_by,
                "origin": self.origin, "recorded_at": self.recorded_at}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Hold:
        hold = cls(**{k: str(d[k]) for k in ("hold_id", "kind", "municipality_code", "atena_no", "reason",
                                               "recorded_by", "origin", "recorded_at")})
        hold.validate()
        return hold

    def validate(self) -> None:
        if self.kind not in KINDS:
            raise HoldInputError("緊急措置の種類は「緊急抑止」か「仮支援措置」です。", f"unknown hold kind {self.kind!r}")
        if not ATENA_RE.match(self.atena_no):
            raise HoldInputError("宛名番号が正しくありません。", f"bad atena_no {self.atena_no!r}")
        if not self.reason.strip() or len(self.reason) > 200:
            raise HoldInputError("理由を200文字以内で入力してください。", "hold reason empty or over 200 characters")
        if not self.recorded_by or len(self.recorded_by) > 64:
            raise HoldInputError("記録した係長のIDがありません。", "hold without a supervisor")
        uuidlib.UUID(self.hold_id)
        datetime.fromisoformat(self.recorded_at)

    def measure(self) -> SupportMeasure:
        return SupportMeasure(measure_id=domain_id(self.hold_id), protected_atena_nos=(self.atena_no,),
                              provisional=True, processes=(Process.HAKKO, Process.SHOKAI))

    def suppression(self) -> Suppression:
        return Suppression(suppression_id=domain_id(self.hold_id), process=Process.HAKKO,
                           level=SuppressionLevel.ERROR, atena_no=self.atena_no,
                           reason=f"緊急抑止(BCP): {self.reason}")


def sign_hold(hold: Hold, private_key: bytes) -> dict[str, Any]:
    hold.validate()
    body = hold.to_dict()
    return {"hold": body, "sig": sign_bytes(Ed25519PrivateKey.from_private_bytes(private_key), HOLD_DOMAIN, body)}


def verify_hold(signed: Any, peers: PeerList) -> Hold:
    """The hold, if its origin is a peer of this site and its signature verifies; else ``PeerRefused``."""
    if not isinstance(signed, dict) or not isinstance(signed.get("hold"), dict) or not isinstance(signed.get("sig"), str):
        raise PeerRefused("malformed", "not a signed hold")
    try:
        hold = Hold.from_dict(signed["hold"])
    except (KeyError, ValueError, HoldInputError) as exc:
        raise PeerRefused("malformed", f"bad hold: {exc}") from exc
    origin = peers.get(hold.origin)
    if origin is None or hold.municipality_code != peers.municipality_code:
        raise PeerRefused("unknown_peer", f"hold from {hold.origin!r}, not a peer of this site")
    if not verify_bytes(origin.public_key, HOLD_DOMAIN, signed["hold"], signed["sig"]):
        raise PeerRefused("bad_signature", f"hold {hold.hold_id} is not signed by {hold.origin!r}")
    return hold


_meta = MetaData()
holds_table = Table(
    "holds", _meta,
    Column("hold_id", String(36), primary_key=True),
    Column("signed_json", Text, nullable=False),
    Column("atena_no", String(16), nullable=False),
    Column("received_at", String(40), nullable=False),
    Column("proposed", Integer, nullable=False, default=0),  # 1 once the data centre stored it
)
meta_table = Table("meta", _meta, Column("key", String(64), primary_key=True), Column("value", Text))
# holds the data centre decided: no longer in force, never taken again from a peer (a tombstone)
retired_table = Table(
    "retired_holds", _meta,
    Column("hold_id", String(36), primary_key=True),
    Column("outcome", String(16), nullable=False),  # confirmed | declined
    Column("retired_at", String(40), nullable=False),
)


class HoldStore:
    """The holds this terminal knows (its own and its peers'), in an encrypted file of their own."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.engine = engine
        self.clock = clock
        _meta.create_all(engine)
        self._lock = threading.Lock()
        self._cache: list[Hold] | None = None
        self._cache_stamp: tuple[Any, ...] = ()
        self.listeners: list[Callable[[Hold], None]] = []

    @classmethod
    def open(cls, path: Path, key: bytes, *, create: bool = True) -> HoldStore:
        return cls(open_encrypted(path, key, create=create, begin_statement="BEGIN IMMEDIATE"))

    def close(self) -> None:
        self.engine.dispose()

    def add(self, signed: dict[str, Any], hold: Hold) -> bool:
        """Store a verified hold; True when it was new here (listeners are told)."""
        with self._lock, self.engine.begin() as conn:
            if conn.execute(select(holds_table.c.hold_id).where(holds_table.c.hold_id == hold.hold_id)).first():
                return False
            if conn.execute(select(retired_table.c.hold_id).where(retired_table.c.hold_id == hold.hold_id)).first():
                return False  # decided at the data centre: a peer that has not heard yet cannot bring it back
            conn.execute(insert(holds_table).values(hold_id=hold.hold_id, atena_no=hold.atena_no,
                                                    signed_json=json.dumps(signed, ensure_ascii=False),
                                                    received_at=self.clock().isoformat(), proposed=0))
            self._cache = None
        for listener in list(self.listeners):
            listener(hold)
        return True

    def signed(self, *, unproposed_only: bool = False) -> list[dict[str, Any]]:
        """The holds in force here, as their origins signed them (retired ones are not shared)."""
        stmt = (select(holds_table.c.signed_json)
                .where(holds_table.c.hold_id.not_in(select(retired_table.c.hold_id)))
                .order_by(holds_table.c.received_at, holds_table.c.hold_id))
        if unproposed_only:
            stmt = stmt.where(holds_table.c.proposed == 0)
        with self.engine.connect() as conn:
            return [json.loads(row[0]) for row in conn.execute(stmt)]

    def holds(self) -> list[Hold]:
        """The holds in force here. Cached, and checked against the file on every call (one small
        query), so a hold another process of this terminal wrote (a CLI run beside the window) is
        enforced at once."""
        stamp = self._stamp()
        cached = self._cache
        if cached is None or self._cache_stamp != stamp:
            cached = [Hold.from_dict(s["hold"]) for s in self.signed()]
            self._cache, self._cache_stamp = cached, stamp
        return list(cached)

    def _stamp(self) -> tuple[Any, ...]:
        with self.engine.connect() as conn:
            held = conn.execute(select(func.count(), func.max(holds_table.c.received_at))).one()
            retired = conn.execute(select(func.count()).select_from(retired_table)).scalar_one()
        return (*held, retired)

    def ids(self) -> set[str]:
        return {h.hold_id for h in self.holds()}

    def count(self) -> int:
        """The holds in force here."""
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(holds_table).where(
                holds_table.c.hold_id.not_in(select(retired_table.c.hold_id)))).scalar_one())

    def retire(self, decided: dict[str, str]) -> list[str]:
        """Hold id → outcome (confirmed | declined): no longer in force here; the ids newly retired."""
        done = []
        with self._lock, self.engine.begin() as conn:
            known = set(conn.execute(select(retired_table.c.hold_id)).scalars())
            for hold_id, outcome in decided.items():
                if hold_id not in known:
                    conn.execute(insert(retired_table).values(hold_id=hold_id, outcome=outcome,
                                                              retired_at=self.clock().isoformat()))
                    done.append(hold_id)
            self._cache = None
        return done

    def mark_proposed(self, hold_ids: Iterable[str]) -> None:
        ids = list(hold_ids)
        if not ids:
            return
        with self.engine.begin() as conn:
            conn.execute(update(holds_table).where(holds_table.c.hold_id.in_(ids)).values(proposed=1))

    def get_meta(self, key: str) -> str | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(meta_table.c.value).where(meta_table.c.key == key)).first()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        with self.engine.begin() as conn:
            if conn.execute(select(meta_table.c.key).where(meta_table.c.key == key)).first():
                conn.execute(update(meta_table).where(meta_table.c.key == key).values(value=value))
            else:
                conn.execute(insert(meta_table).values(key=key, value=value))

    # -- what the rule engine sees --------------------------------------------------------------

    def support_measures(self) -> tuple[SupportMeasure, ...]:
        return tuple(h.measure() for h in self.holds() if h.kind == "provisional_support")

    def suppressions(self) -> tuple[Suppression, ...]:
        return tuple(h.suppression() for h in self.holds() if h.kind == "suppression")

    def status(self) -> dict[str, int]:
        """What the banner shows: how many emergency holds are in force on this terminal."""
        holds = self.holds()
        return {"holds": len(holds), "suppressions": sum(h.kind == "suppression" for h in holds),
                "provisional_support": sum(h.kind == "provisional_support" for h in holds)}


class HeldContext:
    """A ``ContextSource`` (``client.outbox.issuer``) that adds the held persons to the replica's context.

    ``BcpIssuer(outbox, HeldContext(ReplicaLookups(store), holds), …)``: every BCP decision then
    sees the holds as 抑止 / 仮支援措置 and the rule engine fails closed on them.
    """

    def __init__(self, source: Any, holds: HoldStore) -> None:
        self.source = source
        self.holds = holds

    def evaluation_context(self, request: IssuanceRequest, now: datetime, *,
                           stale_override_reason: str = "") -> EvaluationContext:
        ctx: EvaluationContext = self.source.evaluation_context(request, now,
                                                                stale_override_reason=stale_override_reason)
        return replace(ctx, support_measures=ctx.support_measures + self.holds.support_measures(),
                       suppressions=ctx.suppressions + self.holds.suppressions())

    def __getattr__(self, name: str) -> Any:
        return getattr(self.source, name)
