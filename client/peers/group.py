"""One terminal's membership of its hall's peer group, as the terminal runtime uses it.

* ``PeerGroup.open(...)`` opens the holds file (the holds are enforced even with no peer around)
  and, when the cached peer list names an address for this terminal, starts its endpoint;
* ``refresh(remote)`` (online upkeep): fetch the site's peer list, start or re-address the
  endpoint, then join (anti-entropy with every reachable peer);
* ``mirror(record)``: copy a BCP outbox record to the first reachable peer (the BCP backend calls it
  before handing the certificates over);
* ``recovered(remote)`` (line back): push the peers' records mirrored here, send the hold
  proposals, then join again;
* ``borrow_serials(count)``: a terminal low on 発行番号 serials is handed the unused tail of a
  peer's lease (``client.peers.serials``); ``push_transfers(remote)`` goes before the outbox push;
* ``status()``: the banner's figures.

Every network step is best effort: a peer or the data centre that does not answer is logged and
tried again at the next upkeep; it never stops the counter.
"""

from __future__ import annotations

import logging
import uuid as uuidlib
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from client.local.files import PEER_HOLDS_FILE, PEER_MIRROR_FILE, peer_holds_key_name, peer_mirror_key_name
from client.peers.directory import Remote, cached_peer_list, fetch_peer_list, propose_holds
from client.peers.holds import Hold, HoldStore, sign_hold
from client.peers.mirror import MirrorStore, push_mirrored
from client.peers.node import PeerNode, PushReport
from client.peers.serials import SerialDonor, accept_transfer
from client.peers.serials import push_transfers as _push_transfers
from client.peers.wire import PeerList

log = logging.getLogger(__name__)


class PeerGroup:
    def __init__(self, municipality_code: str, terminal_id: str, private_key: bytes, holds: HoldStore,
                 mirrors: MirrorStore | None = None, outbox: Any = None) -> None:
        self.municipality_code = municipality_code
        self.outbox = outbox  # this terminal's own outbox: serials handed to peers come off its leases
        self.mirrors = mirrors
        self.terminal_id = terminal_id
        self.private_key = private_key
        self.holds = holds
        self.node: PeerNode | None = None
        peers = cached_peer_list(holds)
        if peers is not None:
            self._use(peers)

    @classmethod
    def open(cls, data_dir: Path, municipality_code: str, terminal_id: str, private_key: bytes,
             keystore: Any, outbox: Any = None) -> PeerGroup:
        key = keystore.ensure_database_key(peer_holds_key_name(municipality_code))
        mirror_key = keystore.ensure_database_key(peer_mirror_key_name(municipality_code))
        return cls(municipality_code, terminal_id, private_key, HoldStore.open(Path(data_dir) / PEER_HOLDS_FILE, key),
                   MirrorStore.open(Path(data_dir) / PEER_MIRROR_FILE, mirror_key), outbox)

    def _use(self, peers: PeerList) -> None:
        own = peers.get(self.terminal_id)
        if own is None or not own.address:
            if self.node is not None:  # taken out of the group
                self.node.stop()
                self.node = None
            return
        if self.node is not None and self.node.address == own.address:
            self.node.update_peers(peers)
            return
        if self.node is not None:
            self.node.stop()
        self.node = PeerNode(self.terminal_id, self.private_key, peers, self.holds, bind=own.address,
                             mirrors=self.mirrors)
        if self.outbox is not None:
            self.node.serial_donor = SerialDonor(self.outbox, self.holds, self.municipality_code, self.terminal_id,
                                                 self.private_key)
        self.node.start()

    def refresh(self, remote: Remote) -> PushReport | None:
        try:
            self._use(fetch_peer_list(remote, self.holds))
        except Exception as exc:  # noqa: BLE001 - the cached list stays in use
            log.warning("peer list not refreshed: %s", exc)
        return self.join()

    def join(self) -> PushReport | None:
        if self.node is None:
            return None
        report = self.node.join()
        if report.unreachable:
            log.info("peers not reachable: %s", sorted(report.unreachable))
        return report

    def mirror(self, record: Mapping[str, Any]) -> str | None:
        """The peer that now holds a copy of ``record``, or None (no peer reachable: issued anyway)."""
        if self.node is None:
            return None
        try:
            return self.node.mirror_record(record)
        except Exception as exc:  # noqa: BLE001 - a mirror failure never stops the hand-over
            log.warning("record %s not mirrored: %s", record.get("uuid"), exc)
            return None

    def borrow_serials(self, count: int) -> int:
        """Ask the peers for ``count`` unused serials; how many were added to this terminal's outbox."""
        if self.node is None or self.outbox is None:
            return 0
        signed = self.node.request_serials(count)
        return accept_transfer(self.outbox, self.holds, signed) if signed is not None else 0

    def push_transfers(self, remote: Remote) -> dict[str, str]:
        """Lease transfers made or received here, to the data centre (before the outbox push)."""
        try:
            return _push_transfers(remote, self.holds)
        except Exception as exc:  # noqa: BLE001 - the outbox push then reports what it cannot store
            log.warning("lease transfers not pushed: %s", exc)
            return {}

    def recovered(self, remote: Remote) -> dict[str, str]:
        """The line is back: push the mirrored records, hand the holds over as proposals (each stored once)."""
        if self.mirrors is not None:
            try:
                push_mirrored(remote, self.mirrors)
            except Exception as exc:  # noqa: BLE001 - retried at the next recovery
                log.warning("mirrored records not pushed: %s", exc)
        try:
            results = propose_holds(remote, self.holds)
        except Exception as exc:  # noqa: BLE001 - retried at the next recovery or upkeep
            log.warning("hold proposals not sent: %s", exc)
            results = {}
        self.join()
        return results

    def record_hold(self, kind: str, atena_no: str, reason: str, *, supervisor: str) -> tuple[Hold, PushReport]:
        """Record a hold (in force here at once) and share it with the reachable peers, if any.

        A terminal with no peer address keeps the hold to itself (enforced here, proposed to the
        data centre on recovery); the report then lists no peer.
        """
        if self.node is not None:
            return self.node.record_hold(kind, atena_no, reason, supervisor=supervisor)
        hold = Hold(hold_id=str(uuidlib.uuid4()), kind=kind, municipality_code=self.municipality_code,
                    atena_no=atena_no.strip(), reason=reason.strip(), recorded_by=supervisor,
                    origin=self.terminal_id, recorded_at=datetime.now(UTC).isoformat())
        self.holds.add(sign_hold(hold, self.private_key), hold)
        return hold, PushReport()

    def status(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(self.holds.status())
        out["peer_address"] = self.node.address if self.node is not None else None
        out["peers"] = len(self.node.peers.others(self.terminal_id)) if self.node is not None else 0
        out["mirrored_pending"] = self.mirrors.count(pending_only=True) if self.mirrors is not None else 0
        return out

    def close(self) -> None:
        if self.node is not None:
            self.node.stop()
            self.node = None
        self.holds.close()
        if self.mirrors is not None:
            self.mirrors.close()
