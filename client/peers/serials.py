"""Serial rebalancing: a terminal low on leased 発行番号 serials is handed the unused tail of a peer's lease.

The donor cuts the tail off its own lease in its outbox (``Outbox.cede_serials``: it can never
use those numbers again), signs a transfer ``{transfer_id, from, to, lease_id, first, last,
expires_at}`` (``"MDGS1\\n"``) and answers with it; the recipient checks the donor's signature and
adds the range to its outbox as a lease of its own, whose id is the transfer id. Both keep the
transfer and push it on recovery BEFORE their outbox (``POST /api/v1/peers/lease-transfers``): the
data centre splits the donor's lease the same way, once by transfer id, so reconciliation finds
every number leased to exactly one terminal, and the recipient's issuances on those numbers are
accepted as its own.
"""

from __future__ import annotations

import json
import uuid as uuidlib
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from client.peers.holds import HoldStore
from client.peers.wire import PeerList, PeerRefused, sign_bytes, verify_bytes

SERIAL_DOMAIN = b"MDGS1\n"
META_TRANSFERS = "lease_transfers"  # JSON list of signed transfers, in the holds file
FIELDS = ("transfer_id", "municipality_code", "from", "to", "lease_id", "first", "last", "expires_at")


def sign_transfer(transfer: dict[str, Any], private_key: bytes) -> dict[str, Any]:
    return {"transfer": transfer,
            "sig": sign_bytes(Ed25519PrivateKey.from_private_bytes(private_key), SERIAL_DOMAIN, transfer)}


def verify_transfer(signed: Any, peers: PeerList, *, to: str | None = None) -> dict[str, Any]:
    if not isinstance(signed, dict) or not isinstance(signed.get("transfer"), dict) \
            or not isinstance(signed.get("sig"), str):
        raise PeerRefused("malformed", "not a signed lease transfer")
    t = signed["transfer"]
    if set(t) != set(FIELDS) or not isinstance(t["first"], int) or not isinstance(t["last"], int) \
            or not 1 <= t["first"] <= t["last"]:
        raise PeerRefused("malformed", "lease transfer fields")
    donor = peers.get(str(t["from"]))
    if donor is None or t["municipality_code"] != peers.municipality_code or (to is not None and t["to"] != to):
        raise PeerRefused("unknown_peer", "lease transfer not between peers of this site")
    if not verify_bytes(donor.public_key, SERIAL_DOMAIN, t, signed["sig"]):
        raise PeerRefused("bad_signature", f"lease transfer not signed by {t['from']!r}")
    return dict(t)


def remember(holds: HoldStore, signed: dict[str, Any]) -> None:
    known = transfers(holds)
    if all(k["transfer"]["transfer_id"] != signed["transfer"]["transfer_id"] for k in known):
        holds.set_meta(META_TRANSFERS, json.dumps([*known, signed], ensure_ascii=False))


def transfers(holds: HoldStore) -> list[dict[str, Any]]:
    text = holds.get_meta(META_TRANSFERS)
    return list(json.loads(text)) if text else []


class SerialDonor:
    """Answers a peer's request from this terminal's outbox, keeping at least ``keep`` serials here."""

    def __init__(self, outbox: Any, holds: HoldStore, municipality_code: str, terminal_id: str, private_key: bytes,
                 *, keep: int = 10) -> None:
        self.outbox, self.holds, self.keep = outbox, holds, keep
        self.municipality_code, self.terminal_id, self.private_key = municipality_code, terminal_id, private_key

    def __call__(self, to: str, count: int, now: datetime) -> dict[str, Any] | None:
        if not 1 <= count <= 1000:
            raise PeerRefused("malformed", "serial count out of range")
        ceded = self.outbox.cede_serials(count, now, keep=self.keep)
        if ceded is None:
            return None
        lease_id, first, last, expires = ceded
        signed = sign_transfer({"transfer_id": str(uuidlib.uuid4()), "municipality_code": self.municipality_code,
                                "from": self.terminal_id, "to": to, "lease_id": lease_id, "first": first,
                                "last": last, "expires_at": expires.isoformat()}, self.private_key)
        remember(self.holds, signed)  # pushed by the donor too: a lost answer leaves no number unaccounted
        return signed


def push_transfers(remote: Any, holds: HoldStore) -> dict[str, str]:
    """Send every transfer this terminal made or received (idempotent at the data centre)."""
    known = transfers(holds)
    if not known:
        return {}
    ordered = sorted(known, key=lambda s: (s["transfer"]["lease_id"], -int(s["transfer"]["first"])))  # tails first
    answer = remote.post("/api/v1/peers/lease-transfers", {"transfers": ordered})
    return {str(r["transfer_id"]): str(r["status"]) for r in answer.get("results", [])}


def accept_transfer(outbox: Any, holds: HoldStore, signed: dict[str, Any]) -> int:
    """The recipient's side: the range becomes a lease of this terminal's outbox; returns its size."""
    from client.outbox.store import Lease

    t = signed["transfer"]
    outbox.add_lease(Lease(str(t["transfer_id"]), int(t["first"]), int(t["last"]),
                           datetime.fromisoformat(str(t["expires_at"]))))
    remember(holds, signed)
    return int(t["last"]) - int(t["first"]) + 1
