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
* ``hall_history(day)``: the hall's BCP issuances of a day: this terminal's own, each reachable
  peer's (asked over the LAN, answered sealed), and the copies mirrored here of a peer that does
  not answer;
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

from client.domain.calendar_day import japan_date
from client.local.files import PEER_HOLDS_FILE, PEER_MIRROR_FILE, peer_holds_key_name, peer_mirror_key_name
from client.peers.directory import Remote, cached_peer_list, fetch_peer_list, propose_holds, retire_decided
from client.peers.holds import Hold, HoldStore, sign_hold
from client.peers.mirror import MirrorStore, push_mirrored
from client.peers.node import PeerNode, PushReport
from client.peers.serials import SerialDonor, accept_transfer
from client.peers.serials import push_transfers as _push_transfers
from client.peers.wire import PeerList

log = logging.getLogger(__name__)

_STATUS = {"pending": "unsynced", "synced": "issued", "rejected": "rejected"}


def history_entry(uuid: str, terminal_id: str, record: dict[str, Any], status: str) -> dict[str, Any]:
    """The few fields of a BCP outbox record the hall's history shows (no address, no content)."""
    persons = (record.get("content") or {}).get("persons") or [{}]
    request = record.get("request") or {}
    return {"uuid": uuid, "terminal_id": terminal_id, "issued_at": str(record.get("issued_at", "")),
            "cert_type": str(request.get("cert_type", "")), "subject_atena_no": str(request.get("subject_atena_no", "")),
            "subject_name": str(persons[0].get("name", "")),
            "issue_numbers": [str(c.get("issue_number", "")) for c in record.get("copies") or ()],
            "fee_yen": int(record.get("fee_yen", 0) or 0), "user_id": str(record.get("user_id", "")),
            "status": _STATUS.get(status, status)}


def _on_day(record: dict[str, Any], day: str) -> bool:
    try:
        return japan_date(datetime.fromisoformat(str(record.get("issued_at")))).isoformat() == day
    except (TypeError, ValueError):
        return False


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
        self.node.history_source = self.own_history
        if self.outbox is not None:
            self.node.serial_donor = SerialDonor(self.outbox, self.holds, self.municipality_code, self.terminal_id,
                                                 self.private_key)
        try:
            self.node.start()
        except OSError as exc:
            # the address is taken: the window of this terminal listens there and a CLI run
            # (madoguchi hold add, issue) shares its holds file. This process still sends (holds,
            # mirrored records, history requests); it only does not answer.
            log.warning("peer endpoint %s not started (%s): sending only", own.address, exc)

    def refresh(self, remote: Remote, replica_seq: int | None = None) -> PushReport | None:
        try:
            self._use(fetch_peer_list(remote, self.holds))
        except Exception as exc:  # noqa: BLE001 - the cached list stays in use
            log.warning("peer list not refreshed: %s", exc)
        self.retire_decided(remote, replica_seq)
        return self.join()

    def retire_decided(self, remote: Remote, replica_seq: int | None) -> list[str]:
        """Holds the data centre decided stop here (docs/peers.md); best effort, retried at the next upkeep."""
        try:
            retired = retire_decided(remote, self.holds, replica_seq)
        except Exception as exc:  # noqa: BLE001 - the holds stay in force (fail closed)
            log.warning("hold decisions not fetched: %s", exc)
            return []
        if retired:
            log.info("emergency holds retired after the data centre's decision: %s", retired)
        return retired

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

    def own_history(self, day: str) -> list[dict[str, Any]]:
        """This terminal's own BCP issuances of ``day`` (YYYY-MM-DD, the Japanese calendar day)."""
        if self.outbox is None:
            return []
        return [history_entry(rec.uuid, self.terminal_id, rec.record, rec.status)
                for rec in self.outbox.all_records() if _on_day(rec.record, day)]

    def hall_history(self, day: str) -> tuple[list[dict[str, Any]], dict[str, str]]:
        """The hall's BCP issuances of ``day`` and the peers that did not answer (id → why).

        Own records first, then each peer's answer; a peer that does not answer is represented by
        the copies of its records mirrored here (the status then is the one at mirroring).
        """
        rows = {e["uuid"]: e for e in self.own_history(day)}
        unreachable: dict[str, str] = {}
        if self.node is not None:
            answers, report = self.node.hall_history(day)
            unreachable = dict(report.unreachable)
            for peer_id, entries in answers.items():
                for e in entries:
                    if isinstance(e.get("uuid"), str):  # a peer answers for its own window only
                        rows.setdefault(e["uuid"], {**e, "terminal_id": peer_id})
        if self.mirrors is not None:
            for signed in self.mirrors.records():
                record, origin = signed.get("record") or {}, str(signed.get("origin", ""))
                uuid = str(record.get("uuid", ""))
                if uuid and uuid not in rows and _on_day(record, day):
                    rows[uuid] = {**history_entry(uuid, origin, record, "pending"), "source": "mirror"}
        return list(rows.values()), unreachable

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
