"""Signed peer messages: who may talk, how a message is signed, how a replay is refused.

An envelope is canonical JSON ``{"v", "kind", "from", "to", "ts", "nonce", "body"}`` signed with
the sender's enrolled Ed25519 terminal key over ``b"MDGP1\\n" + canonical_json(envelope)``. The
receiver accepts it only when

* ``from`` is in its peer list (same municipality, same site) and the signature verifies with
  that peer's registered public key,
* ``to`` is the receiver itself (a message to one peer cannot be replayed to another),
* ``ts`` is within ``MAX_SKEW_SECONDS`` of its own clock and ``nonce`` has not been seen within
  the window (``ReplayGuard``).

Every answer is an envelope of kind ``reply`` signed by the receiver, naming the request's nonce
in ``body.in_reply_to``: the sender checks it the same way, so both ends are authenticated.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from client.errors import ClerkError

DOMAIN = b"MDGP1\n"
VERSION = 1
MAX_SKEW_SECONDS = 30.0
MAX_BODY_BYTES = 2_000_000


class PeerError(ClerkError):
    default_ja = "他の端末との通信に失敗しました。"


class PeerRefused(PeerError):
    """A message that is not from a known peer, not for us, too old, replayed or tampered with."""

    def __init__(self, code: str, message_en: str) -> None:
        super().__init__("他の端末からの通信を確認できないため、受け付けませんでした。", message_en, detail=code)
        self.code = code


class NotOnLanError(PeerError):
    def __init__(self, address: str) -> None:
        super().__init__(f"端末間通信は庁内LANのアドレスだけを使います({address} は使えません)。",
                         f"peer address {address!r} is not a loopback or private LAN address", detail="not_lan")


# loopback, RFC 1918, link-local, IPv6 loopback / ULA / link-local (``is_private`` would also let
# documentation and other reserved ranges through)
LAN_NETWORKS = tuple(ipaddress.ip_network(n) for n in (
    "127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16",
    "::1/128", "fc00::/7", "fe80::/10"))


def check_lan_host(host: str) -> str:
    """IP literals of the networks in ``LAN_NETWORKS`` only (no names, no public addresses)."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError as exc:
        raise NotOnLanError(host) from exc
    if not any(ip in net for net in LAN_NETWORKS):
        raise NotOnLanError(host)
    return host


def split_address(address: str) -> tuple[str, int]:
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise NotOnLanError(address)
    return check_lan_host(host.strip("[]")), int(port)


@dataclass(frozen=True)
class PeerInfo:
    terminal_id: str
    public_key: bytes  # raw 32-byte Ed25519
    address: str  # "host:port" on the LAN ("" when the terminal has no peer address yet)
    name: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"terminal_id": self.terminal_id, "name": self.name, "address": self.address,
                "public_key": base64.b64encode(self.public_key).decode("ascii")}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PeerInfo:
        key = base64.b64decode(str(d["public_key"]), validate=True)
        if len(key) != 32:
            raise ValueError("an Ed25519 public key has 32 bytes")
        address = str(d.get("address") or "")
        if address:
            split_address(address)
        return cls(str(d["terminal_id"]), key, address, str(d.get("name", "")))


@dataclass(frozen=True)
class PeerList:
    """This terminal's site and the other terminals of it (itself included or not)."""

    municipality_code: str
    site: str
    peers: tuple[PeerInfo, ...]

    def get(self, terminal_id: str) -> PeerInfo | None:
        return next((p for p in self.peers if p.terminal_id == terminal_id), None)

    def others(self, me: str) -> tuple[PeerInfo, ...]:
        return tuple(p for p in self.peers if p.terminal_id != me and p.address)

    def to_dict(self) -> dict[str, Any]:
        return {"municipality_code": self.municipality_code, "site": self.site,
                "peers": [p.to_dict() for p in self.peers]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PeerList:
        return cls(str(d["municipality_code"]), str(d.get("site", "")),
                   tuple(PeerInfo.from_dict(p) for p in d.get("peers", [])))


def canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sign_bytes(key: Ed25519PrivateKey, domain: bytes, obj: Any) -> str:
    return base64.b64encode(key.sign(domain + canonical(obj))).decode("ascii")


def verify_bytes(public_key: bytes, domain: bytes, obj: Any, signature: str) -> bool:
    try:
        sig = base64.b64decode(signature, validate=True)
        Ed25519PublicKey.from_public_bytes(public_key).verify(sig, domain + canonical(obj))
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


class ReplayGuard:
    """Nonces seen within the time window; a message outside the window is refused outright."""

    def __init__(self, window: float = MAX_SKEW_SECONDS, clock: Callable[[], float] = time.time) -> None:
        self.window = window
        self.clock = clock
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def check(self, nonce: str, ts: float) -> None:
        now = self.clock()
        if abs(now - ts) > self.window:
            raise PeerRefused("clock_skew", f"message time {ts:.0f} is {now - ts:+.0f} s from ours")
        with self._lock:
            if len(self._seen) > 10_000 or any(t < now - 2 * self.window for t in list(self._seen.values())[:64]):
                self._seen = {n: t for n, t in self._seen.items() if t >= now - 2 * self.window}
            if nonce in self._seen:
                raise PeerRefused("replay", f"nonce {nonce} seen already")
            self._seen[nonce] = now


class Signer:
    """Seals envelopes as one terminal and opens the ones addressed to it."""

    def __init__(self, terminal_id: str, private_key: bytes, peers: PeerList, *,
                 clock: Callable[[], float] = time.time, guard: ReplayGuard | None = None) -> None:
        self.terminal_id = terminal_id
        self._key = Ed25519PrivateKey.from_private_bytes(private_key)
        self.peers = peers
        self.clock = clock
        self.guard = guard or ReplayGuard(clock=clock)

    def seal(self, to: str, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        envelope = {"v": VERSION, "kind": kind, "from": self.terminal_id, "to": to, "ts": round(self.clock(), 3),
                    "nonce": secrets.token_hex(16), "body": body}
        return {"envelope": envelope, "sig": sign_bytes(self._key, DOMAIN, envelope)}

    def open(self, message: Any, *, expect_from: str | None = None, kinds: Iterable[str] | None = None
             ) -> dict[str, Any]:
        """The verified envelope, or ``PeerRefused``."""
        if not isinstance(message, dict) or not isinstance(message.get("envelope"), dict):
            raise PeerRefused("malformed", "not a peer message")
        env = message["envelope"]
        sender, sig = env.get("from"), message.get("sig")
        if env.get("v") != VERSION or not isinstance(sender, str) or not isinstance(sig, str):
            raise PeerRefused("malformed", "unsupported or incomplete envelope")
        if not isinstance(env.get("nonce"), str) or not isinstance(env.get("ts"), int | float) \
                or not isinstance(env.get("body"), dict) or not isinstance(env.get("kind"), str):
            raise PeerRefused("malformed", "envelope fields of the wrong type")
        if expect_from is not None and sender != expect_from:
            raise PeerRefused("wrong_peer", f"answer from {sender!r}, expected {expect_from!r}")
        if kinds is not None and env["kind"] not in set(kinds):
            raise PeerRefused("wrong_kind", f"unexpected message kind {env['kind']!r}")
        peer = self.peers.get(sender)
        if peer is None or sender == self.terminal_id:
            raise PeerRefused("unknown_peer", f"{sender!r} is not a peer of this site")
        if env.get("to") != self.terminal_id:
            raise PeerRefused("not_for_us", f"message for {env.get('to')!r}, we are {self.terminal_id!r}")
        if not verify_bytes(peer.public_key, DOMAIN, env, sig):
            raise PeerRefused("bad_signature", f"signature of {sender!r} does not verify")
        self.guard.check(env["nonce"], float(env["ts"]))
        return env
