"""Mirrored outboxes: each BCP issuance copied to a peer before the certificate is handed over.

The issuing terminal signs the outbox record (``"MDGM1\\n" + canonical JSON``) with its terminal
key; a peer keeps the copy in a SQLCipher file of its own (``peer_mirror.db``, key
``peer-mirror-<code>``), apart from its own outbox. Whichever terminal reaches the data centre
first pushes the copies it holds (``POST /api/v1/peers/mirrored-issuances``): the server checks
the origin's signature and stores each record as the origin terminal's, once by its UUID, so the
origin's own push later (or a second mirror) answers ``duplicate``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Column, Integer, MetaData, String, Table, Text, func, insert, select, update
from sqlalchemy.engine import Engine

from client.local.files import PEER_MIRROR_FILE, peer_mirror_key_name
from client.local.secure_db import open_encrypted
from client.peers.wire import PeerList, PeerRefused, sign_bytes, verify_bytes

MIRROR_DOMAIN = b"MDGM1\n"
MIRROR_FILE = PEER_MIRROR_FILE


def mirror_key_name(code: str) -> str:
    return peer_mirror_key_name(code)


def sign_mirror(record: Mapping[str, Any], origin: str, private_key: bytes) -> dict[str, Any]:
    return {"record": record, "origin": origin,
            "sig": sign_bytes(Ed25519PrivateKey.from_private_bytes(private_key), MIRROR_DOMAIN,
                              {"origin": origin, "record": record})}


def verify_mirror(signed: Any, peers: PeerList) -> tuple[str, dict[str, Any]]:
    if not isinstance(signed, dict) or not isinstance(signed.get("record"), dict) \
            or not isinstance(signed.get("origin"), str) or not isinstance(signed.get("sig"), str):
        raise PeerRefused("malformed", "not a signed mirrored record")
    origin, record = signed["origin"], signed["record"]
    if not isinstance(record.get("uuid"), str) or len(record["uuid"]) != 36:
        raise PeerRefused("malformed", "mirrored record without a UUID")
    peer = peers.get(origin)
    if peer is None:
        raise PeerRefused("unknown_peer", f"mirrored record from {origin!r}, not a peer of this site")
    if not verify_bytes(peer.public_key, MIRROR_DOMAIN, {"origin": origin, "record": record}, signed["sig"]):
        raise PeerRefused("bad_signature", f"mirrored record {record['uuid']} is not signed by {origin!r}")
    return origin, record


_meta = MetaData()
mirrored = Table(
    "mirrored", _meta,
    Column("uuid", String(36), primary_key=True),
    Column("origin", String(64), nullable=False),
    Column("signed_json", Text, nullable=False),
    Column("received_at", String(40), nullable=False),
    Column("pushed", Integer, nullable=False, default=0),  # 1 once the data centre has it
)


class MirrorStore:
    def __init__(self, engine: Engine, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.engine = engine
        self.clock = clock
        _meta.create_all(engine)

    @classmethod
    def open(cls, path: Path, key: bytes, *, create: bool = True) -> MirrorStore:
        return cls(open_encrypted(path, key, create=create, begin_statement="BEGIN IMMEDIATE"))

    def close(self) -> None:
        self.engine.dispose()

    def add(self, signed: dict[str, Any], origin: str, record_uuid: str) -> bool:
        with self.engine.begin() as conn:
            if conn.execute(select(mirrored.c.uuid).where(mirrored.c.uuid == record_uuid)).first():
                return False
            conn.execute(insert(mirrored).values(uuid=record_uuid, origin=origin, pushed=0,
                                                 signed_json=json.dumps(signed, ensure_ascii=False),
                                                 received_at=self.clock().isoformat()))
        return True

    def pending(self, limit: int = 100) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(mirrored.c.signed_json).where(mirrored.c.pushed == 0)
                                .order_by(mirrored.c.received_at, mirrored.c.uuid).limit(limit))
            return [json.loads(r[0]) for r in rows]

    def records(self) -> list[dict[str, Any]]:
        """Every copy kept here (pushed or not): the hall's BCP history falls back on them."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(mirrored.c.signed_json).order_by(mirrored.c.received_at, mirrored.c.uuid))
            return [json.loads(r[0]) for r in rows]

    def count(self, *, pending_only: bool = False) -> int:
        stmt = select(func.count()).select_from(mirrored)
        if pending_only:
            stmt = stmt.where(mirrored.c.pushed == 0)
        with self.engine.connect() as conn:
            return int(conn.execute(stmt).scalar_one())

    def mark_pushed(self, uuids: list[str]) -> None:
        if uuids:
            with self.engine.begin() as conn:
                conn.execute(update(mirrored).where(mirrored.c.uuid.in_(uuids)).values(pushed=1))


def push_mirrored(remote: Any, mirrors: MirrorStore, batch_size: int = 100) -> dict[str, str]:
    """Push every copy not yet at the data centre; returns record UUID → stored | duplicate | rejected."""
    results: dict[str, str] = {}
    while True:
        batch = [s for s in mirrors.pending(batch_size) if s["record"]["uuid"] not in results]
        if not batch:
            return results
        answer = remote.post("/api/v1/peers/mirrored-issuances", {"records": batch})
        done = []
        for r in answer.get("results", []):
            results[str(r["uuid"])] = str(r["status"])
            if r["status"] in ("stored", "duplicate"):
                done.append(str(r["uuid"]))
        mirrors.mark_pushed(done)
