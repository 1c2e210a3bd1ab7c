"""The peer endpoint of one terminal: an HTTP server on its LAN address and a client to the others.

Messages (all signed envelopes, see ``wire``; one ``POST /peer/v1`` each):

* ``hold`` ``{holds: [signed hold …]}`` → ``{stored: [hold ids new here]}``
* ``sync`` ``{holds: [every signed hold the sender has]}`` → ``{holds: [every signed hold the
  receiver has]}``: one round trip and both hold the union (anti-entropy, on joining and after
  a peer was unreachable);
* ``ping`` ``{}`` → ``{holds: count, x25519: public key}``: the receiver's current sealing key
  (made at start, so a restart rotates it), in a signed answer;
* ``mirror`` ``{sealed: {epk, nonce, ct}}`` → ``{stored: uuid}``: a BCP outbox record signed by
  its origin, sealed to the receiver (ephemeral X25519 with the receiver's sealing key, HKDF-SHA256
  bound to both terminal ids, AES-256-GCM): certificate content never crosses the LAN in clear.

``record_hold`` stores the hold first (it is in force here at once), then pushes it to every
reachable peer in parallel, each with a short timeout: an unreachable peer does not slow the
counter down, and gets the hold when it (re)joins.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import threading
import uuid as uuidlib
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from client.peers.holds import Hold, HoldStore, sign_hold, verify_hold
from client.peers.mirror import MirrorStore, sign_mirror, verify_mirror
from client.peers.wire import (
    MAX_BODY_BYTES,
    PeerError,
    PeerInfo,
    PeerList,
    PeerRefused,
    Signer,
    canonical,
    check_lan_host,
    split_address,
)

log = logging.getLogger(__name__)
PATH = "/peer/v1"


@dataclass
class PushReport:
    """Which peers took a hold (or a sync) and which could not be reached or refused."""

    reached: list[str] = field(default_factory=list)
    unreachable: dict[str, str] = field(default_factory=dict)


class PeerNode:
    def __init__(self, terminal_id: str, private_key: bytes, peers: PeerList, holds: HoldStore, *,
                 bind: str, connect_timeout: float = 0.5, read_timeout: float = 1.5,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 mirrors: MirrorStore | None = None) -> None:
        self.terminal_id = terminal_id
        self.mirrors = mirrors  # copies of the peers' BCP issuances kept here (None: this node keeps none)
        # (peer, count, now) → a signed lease transfer or None (client.peers.serials.SerialDonor)
        self.serial_donor: Callable[[str, int, datetime], dict[str, Any] | None] | None = None
        # day (YYYY-MM-DD, Japanese calendar) → this terminal's own BCP issuances of that day, as
        # ``client.peers.group.history_entry`` rows; answered sealed to the asking peer (the hall's history)
        self.history_source: Callable[[str], list[dict[str, Any]]] | None = None
        self._seal_key = X25519PrivateKey.generate()  # rotated at every start of the process
        self._peer_seal_keys: dict[str, bytes] = {}
        self.private_key = private_key
        self.signer = Signer(terminal_id, private_key, peers)
        self.holds = holds
        self.clock = clock
        self.bind_host, self.bind_port = split_address(bind)
        check_lan_host(self.bind_host)
        self._http = httpx.Client(timeout=httpx.Timeout(read_timeout, connect=connect_timeout), trust_env=False)
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix=f"peer-{terminal_id}")
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def peers(self) -> PeerList:
        return self.signer.peers

    def update_peers(self, peers: PeerList) -> None:
        self.signer.peers = peers

    @property
    def address(self) -> str:
        port = self._server.server_address[1] if self._server else self.bind_port
        return f"{self.bind_host}:{port}"

    # -- server ---------------------------------------------------------------------------------

    def start(self) -> PeerNode:
        node = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's name
                log.debug("peer %s: " + format, node.terminal_id, *args)

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                if node._server is None:  # stopped: a kept-alive connection gets nothing more
                    self.close_connection = True
                    self.send_error(503)
                    return
                try:
                    check_lan_host(self.client_address[0])
                    length = int(self.headers.get("content-length") or "0")
                    if self.path != PATH or not 0 < length <= MAX_BODY_BYTES:
                        raise PeerRefused("malformed", "wrong path or body size")
                    answer, status = node.handle(json.loads(self.rfile.read(length))), 200
                except PeerError as exc:
                    answer, status = {"error": exc.detail or "refused", "message_en": exc.message_en}, 403
                except (ValueError, UnicodeDecodeError):
                    answer, status = {"error": "malformed", "message_en": "not JSON"}, 400
                data = json.dumps(answer, ensure_ascii=False).encode("utf-8")
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer((self.bind_host, self.bind_port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name=f"peer-server-{self.terminal_id}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._http.close()

    def handle(self, message: Any) -> dict[str, Any]:
        env = self.signer.open(message, kinds=("hold", "sync", "ping", "mirror", "serials", "history"))
        sender, body = env["from"], env["body"]
        if env["kind"] == "hold":
            stored = self._take(body.get("holds"))
            reply: dict[str, Any] = {"stored": stored}
        elif env["kind"] == "sync":
            self._take(body.get("holds"))
            reply = {"holds": self.holds.signed()}
        elif env["kind"] == "serials":
            count = body.get("count")
            if not isinstance(count, int):
                raise PeerRefused("malformed", "serial count")
            reply = {"transfer": self.serial_donor(sender, count, self.clock()) if self.serial_donor else None}
        elif env["kind"] == "history":
            day, key = body.get("day"), body.get("x25519")
            if not isinstance(day, str) or len(day) != 10 or not isinstance(key, str):
                raise PeerRefused("malformed", "history request needs a day and a sealing key")
            try:
                raw_key = base64.b64decode(key, validate=True)
            except ValueError as exc:
                raise PeerRefused("malformed", "bad sealing key") from exc
            entries = self.history_source(day) if self.history_source is not None else []
            reply = {"sealed": self._seal_with(raw_key, sender, {"day": day, "entries": entries}, b"history")}
        elif env["kind"] == "mirror":
            if self.mirrors is None:
                raise PeerRefused("no_mirror", "this terminal keeps no mirrored records")
            signed = self._unseal(sender, body.get("sealed"))
            origin, record = verify_mirror(signed, self.peers)
            if origin != sender:
                raise PeerRefused("wrong_peer", "a record is mirrored by the terminal that issued it")
            self.mirrors.add(signed, origin, record["uuid"])
            reply = {"stored": record["uuid"]}
        else:
            reply = {"holds": self.holds.count(), "x25519": base64.b64encode(
                self._seal_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode("ascii")}
        reply["in_reply_to"] = env["nonce"]
        return self.signer.seal(sender, "reply", reply)

    def _take(self, signed_holds: Any) -> list[str]:
        if not isinstance(signed_holds, list) or len(signed_holds) > 10_000:
            raise PeerRefused("malformed", "holds must be a list")
        new = []
        for signed in signed_holds:
            hold = verify_hold(signed, self.peers)  # a forged hold refuses the whole message
            if self.holds.add(signed, hold):
                new.append(hold.hold_id)
        return new

    # -- client ---------------------------------------------------------------------------------

    def send(self, peer: PeerInfo, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        """One signed request and its verified, signed answer (``PeerError`` otherwise)."""
        host, port = split_address(peer.address)
        message = self.signer.seal(peer.terminal_id, kind, body)
        try:
            response = self._http.post(f"http://{host}:{port}{PATH}", json=message)
        except httpx.HTTPError as exc:
            raise PeerError("他の端末に接続できません。", f"peer {peer.terminal_id} unreachable: {exc}",
                            detail="unreachable") from exc
        if response.status_code != 200:
            raise PeerError("他の端末が通信を拒否しました。",
                            f"peer {peer.terminal_id} answered {response.status_code}: {response.text[:200]}",
                            detail="refused")
        env = self.signer.open(response.json(), expect_from=peer.terminal_id, kinds=("reply",))
        if env["body"].get("in_reply_to") != message["envelope"]["nonce"]:
            raise PeerRefused("wrong_reply", "answer to another request")
        body_out: dict[str, Any] = env["body"]
        return body_out

    def _fan_out(self, kind: str, body: dict[str, Any],
                 on_reply: Callable[[PeerInfo, dict[str, Any]], None] | None = None) -> PushReport:
        report = PushReport()
        others = self.peers.others(self.terminal_id)
        futures = {p.terminal_id: (p, self._pool.submit(self.send, p, kind, body)) for p in others}
        for terminal_id, (peer, future) in futures.items():
            try:
                reply = future.result()
            except PeerError as exc:
                report.unreachable[terminal_id] = exc.message_en
                continue
            if on_reply is not None:
                try:
                    on_reply(peer, reply)
                except PeerError as exc:
                    report.unreachable[terminal_id] = exc.message_en
                    continue
            report.reached.append(terminal_id)
        return report

    def record_hold(self, kind: str, atena_no: str, reason: str, *, supervisor: str) -> tuple[Hold, PushReport]:
        """Record an emergency hold here (in force at once) and push it to every reachable peer."""
        hold = Hold(hold_id=str(uuidlib.uuid4()), kind=kind, municipality_code=self.peers.municipality_code,
                    atena_no=atena_no.strip(), reason=reason.strip(), recorded_by=supervisor,
                    origin=self.terminal_id, recorded_at=self.clock().isoformat())
        signed = sign_hold(hold, self.private_key)  # validates: bad input stores nothing
        self.holds.add(signed, hold)
        return hold, self._fan_out("hold", {"holds": [signed]})

    @staticmethod
    def _box_key(shared: bytes, sender: str, receiver: str) -> bytes:
        info = f"MDGP1 mirror {sender}->{receiver}".encode()
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(shared)

    def _seal(self, peer: PeerInfo, payload: dict[str, Any]) -> dict[str, str]:
        key = self._peer_seal_keys.get(peer.terminal_id)
        if key is None:
            key = base64.b64decode(str(self.send(peer, "ping", {}).get("x25519", "")), validate=True)
            self._peer_seal_keys[peer.terminal_id] = key
        return self._seal_with(key, peer.terminal_id, payload)

    def _seal_with(self, key: bytes, receiver: str, payload: dict[str, Any], aad: bytes = b"mirror") -> dict[str, str]:
        """``payload`` sealed to ``receiver``'s X25519 key (ephemeral key, HKDF bound to both ids, AES-GCM)."""
        ephemeral = X25519PrivateKey.generate()
        try:
            peer_key = X25519PublicKey.from_public_bytes(key)
        except ValueError as exc:
            raise PeerRefused("malformed", "bad sealing key") from exc
        box = self._box_key(ephemeral.exchange(peer_key), self.terminal_id, receiver)
        nonce = os.urandom(12)
        return {"epk": base64.b64encode(ephemeral.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode(),
                "nonce": base64.b64encode(nonce).decode(),
                "ct": base64.b64encode(AESGCM(box).encrypt(nonce, canonical(payload), aad)).decode()}

    def _unseal(self, sender: str, sealed: Any, aad: bytes = b"mirror") -> Any:
        try:
            epk = X25519PublicKey.from_public_bytes(base64.b64decode(sealed["epk"], validate=True))
            box = self._box_key(self._seal_key.exchange(epk), sender, self.terminal_id)
            plain = AESGCM(box).decrypt(base64.b64decode(sealed["nonce"], validate=True),
                                        base64.b64decode(sealed["ct"], validate=True), aad)
        except InvalidTag as exc:  # sealed to a key of ours from before a restart
            raise PeerRefused("stale_seal_key", "sealed to another key of this terminal") from exc
        except (KeyError, TypeError, ValueError) as exc:
            raise PeerRefused("malformed", "not a sealed record") from exc
        return json.loads(plain)

    def mirror_record(self, record: Mapping[str, Any]) -> str | None:
        """Copy one outbox record to the first peer that stores it; its terminal id, or None if none could."""
        signed = sign_mirror(record, self.terminal_id, self.private_key)
        for peer in self.peers.others(self.terminal_id):
            try:
                try:
                    reply = self.send(peer, "mirror", {"sealed": self._seal(peer, signed)})
                except PeerError as exc:
                    if peer.terminal_id not in self._peer_seal_keys:
                        raise
                    # the peer restarted (new sealing key) or the key is unknown: fetch it once more
                    log.info("resealing for %s after %s", peer.terminal_id, exc.message_en)
                    self._peer_seal_keys.pop(peer.terminal_id, None)
                    reply = self.send(peer, "mirror", {"sealed": self._seal(peer, signed)})
            except PeerError as exc:
                log.info("record %s not mirrored at %s: %s", record.get("uuid"), peer.terminal_id, exc.message_en)
                continue
            if reply.get("stored") == record["uuid"]:
                return peer.terminal_id
        return None

    def request_serials(self, count: int) -> dict[str, Any] | None:
        """Ask the peers in turn for ``count`` unused serials; the first verified transfer, or None."""
        from client.peers.serials import verify_transfer

        for peer in self.peers.others(self.terminal_id):
            try:
                signed = self.send(peer, "serials", {"count": count}).get("transfer")
                if signed is None:
                    continue
                transfer = verify_transfer(signed, self.peers, to=self.terminal_id)
            except PeerError as exc:
                log.info("no serials from %s: %s", peer.terminal_id, exc.message_en)
                continue
            if transfer["from"] == peer.terminal_id and transfer["last"] - transfer["first"] + 1 == count:
                return dict(signed)
        return None

    def hall_history(self, day: str) -> tuple[dict[str, list[dict[str, Any]]], PushReport]:
        """Every reachable peer's own BCP issuances of ``day``, sealed to this terminal on the way back.

        The request carries this node's current sealing key inside the signed envelope, so only this
        process can open the answers; each answer is checked like any reply (signature, nonce).
        """
        key = base64.b64encode(self._seal_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()
        found: dict[str, list[dict[str, Any]]] = {}

        def take(peer: PeerInfo, reply: dict[str, Any]) -> None:
            opened = self._unseal(peer.terminal_id, reply.get("sealed"), b"history")
            entries = opened.get("entries") if isinstance(opened, dict) else None
            if not isinstance(entries, list) or opened.get("day") != day:
                raise PeerRefused("malformed", "history answer for another day")
            found[peer.terminal_id] = [e for e in entries if isinstance(e, dict)]

        return found, self._fan_out("history", {"day": day, "x25519": key}, on_reply=take)

    def sync(self) -> PushReport:
        """Anti-entropy with every reachable peer: both ends end up with the union of their holds."""
        def merge(_peer: PeerInfo, reply: dict[str, Any]) -> None:
            self._take(reply.get("holds"))

        return self._fan_out("sync", {"holds": self.holds.signed()}, on_reply=merge)

    def join(self) -> PushReport:
        """On start (or when the peer list changed): fetch what the others hold and give them ours."""
        return self.sync()
