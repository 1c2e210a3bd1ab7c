"""Mutual backup (相互バックアップ) in BCP mode: issuing from a partner's replica on this terminal.

The terminal already pulls the replicas of partner municipalities (``client.replica.partners``).
This module lets a partner's staff work from it while the line is down, reusing the BCP classes
per municipality — one *desk* per partner:

* the partner's replica (``ReplicaStore``), read by the same ``ReplicaLookups``/``ReplicaSearch``
  and the same rule engine (a 支援措置 or 抑止 always refuses);
* the partner's own outbox file (``outbox-partner-<code>.db`` under its own keyring entry): its
  records, the partner's leased serials, the BCP access log of that work and the offline sign-in
  lockout (so lockout is per municipality + user). A separate file rather than a municipality
  column: the outbox schema has none, and leases, lockouts and the hash-chained access log are all
  per municipality anyway — one file each keeps every query and the push unchanged;
* a ``BcpIssuer`` signing with this terminal's key and a ``BcpBackend`` that signs in against the
  partner replica's staff records only;
* the terminal-signed client, every POST naming the partner (``?municipality=CODE``): serial
  leases from the partner's counter, the outbox push and the access-log upload go to the partner,
  and the server refuses them (403 ``no_agreement``) unless an agreement is recorded.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from client.local.files import (
    partner_outbox_codes,
    partner_outbox_key_name,
    partner_outbox_path,
    replica_present,
)
from client.outbox.access_upload import AccessLogRefused, upload_access_log
from client.outbox.issuer import BcpIssuer
from client.outbox.leases import LeaseKeeper, LeaseReport
from client.outbox.push import OutboxPusher, PushResult
from client.outbox.store import Outbox, count_partner_pending
from client.printing.seal_marks import with_seal_marks
from client.replica.lookups import ReplicaLookups
from client.replica.search import ReplicaSearch
from client.replica.store import ReplicaStore
from client.services.bcp_backend import BcpBackend
from client.services.errors import SignInError
from client.services.records import SignedIn

log = logging.getLogger(__name__)

PARTNER_LEASE_BLOCK = 50  # serials held per partner (a partner's staff issue little from here)
PARTNER_LEASE_LOW_WATER = 10


class JsonRemote(Protocol):
    def request_json(self, method: str, path: str, *, params: dict[str, Any] | None = None,
                     json_body: Any = None) -> Any: ...


class PartnerRemote:
    """The terminal-signed client with every POST naming the partner (``?municipality=CODE``).

    The query string is part of the signed request, so it cannot be altered on the way.
    """

    def __init__(self, remote: JsonRemote, code: str) -> None:
        self.remote = remote
        self.code = code

    def post(self, path: str, body: Any = None) -> Any:
        return self.remote.request_json("POST", path, params={"municipality": self.code},
                                        json_body=body if body is not None else {})


def partner_replica_codes(data_dir: Path, own_code: str) -> list[str]:
    """Partners whose replica is complete on this terminal (a bootstrap in progress is not)."""
    from client.replica.status import replica_codes

    return [c for c in replica_codes(data_dir)
            if c != own_code and replica_present(data_dir, c)]


@dataclass
class PartnerDesk:
    """One partner municipality's BCP parts on this terminal."""

    code: str
    store: ReplicaStore
    outbox: Outbox
    backend: BcpBackend
    leases: LeaseKeeper
    remote: PartnerRemote

    def push(self, now: Callable[[], datetime]) -> PushResult:
        """Sync back to the partner: its issuances, then the access log of the work done for it."""
        result = OutboxPusher(self.outbox, self.remote).push(now)
        try:
            upload_access_log(self.outbox, self.remote)
        except AccessLogRefused as exc:  # kept and retried; the issuances are what must not wait
            log.warning("partner %s refused the BCP access log: %s", self.code, exc)
        return result

    def close(self) -> None:
        self.outbox.close()
        self.store.close()


class PartnerDesks:
    """The partner desks of an enrolled terminal, opened on first use (a partner's replica may
    arrive while the application runs: the scheduler bootstraps new partners)."""

    def __init__(self, data_dir: Path, own_code: str, keystore: Any, remote: JsonRemote, *,
                 terminal_name: str, signing_key: bytes, key_id: str,
                 clock: Callable[[], datetime]) -> None:
        self.data_dir = Path(data_dir)
        self.own_code = own_code
        self.keystore = keystore
        self.remote = remote
        self.terminal_name = terminal_name
        self.signing_key = signing_key
        self.key_id = key_id
        self.clock = clock
        self._desks: dict[str, PartnerDesk] = {}
        self._lock = threading.Lock()

    def codes(self) -> list[str]:
        """Partners a clerk may sign in for (their replica is on this terminal)."""
        return partner_replica_codes(self.data_dir, self.own_code)

    def names(self) -> dict[str, str]:
        """code → municipality name from each partner replica (for the sign-in choice)."""
        out = {}
        for code in self.codes():
            desk = self.desk(code)
            if desk is None:
                continue
            try:
                out[code] = ReplicaLookups(desk.store).municipality().name
            except Exception:  # noqa: BLE001 - an unreadable replica: shown by its code
                out[code] = code
        return out

    def desk(self, code: str) -> PartnerDesk | None:
        """The partner's desk, or None when its replica is not on this terminal."""
        with self._lock:
            desk = self._desks.get(code)
            if desk is not None:
                return desk
            if code == self.own_code or not replica_present(self.data_dir, code):
                return None
            desk = self._open(code)
            self._desks[code] = desk
            return desk

    def _open(self, code: str) -> PartnerDesk:
        store = ReplicaStore(self.data_dir, code, self.keystore)
        outbox = Outbox.open(partner_outbox_path(self.data_dir, code),
                             self.keystore.ensure_database_key(partner_outbox_key_name(code)))
        lookups = ReplicaLookups(store)
        issuer = BcpIssuer(outbox, lookups, terminal_name=self.terminal_name, signing_key=self.signing_key,
                           key_id=self.key_id, place_seals=with_seal_marks)
        backend = BcpBackend(lookups, ReplicaSearch(store), outbox, issuer, clock=self.clock)
        remote = PartnerRemote(self.remote, code)
        leases = LeaseKeeper(outbox, remote, block_size=PARTNER_LEASE_BLOCK, low_water=PARTNER_LEASE_LOW_WATER)
        return PartnerDesk(code, store, outbox, backend, leases, remote)

    def opened(self, code: str) -> PartnerDesk | None:
        """The partner's desk if it is open already (never opens one)."""
        with self._lock:
            return self._desks.get(code)

    def drop(self, code: str) -> None:
        """Close a partner's desk (its replica is about to be removed; the outbox file stays)."""
        with self._lock:
            desk = self._desks.pop(code, None)
        if desk is not None:
            desk.close()

    def backends(self) -> dict[str, BcpBackend]:
        return {code: desk.backend for code in self.codes() if (desk := self.desk(code)) is not None}

    # -- while online ------------------------------------------------------------------------

    def refill_leases(self, now: datetime) -> dict[str, LeaseReport]:
        """Keep a small block of each partner's serials. A refusal (the agreement ended) is logged
        and does not stop the others or the terminal's own upkeep; line errors propagate."""
        from client.remote.errors import RemoteRejectedError

        out: dict[str, LeaseReport] = {}
        for code in self.codes():
            desk = self.desk(code)
            if desk is None:
                continue
            try:
                out[code] = desk.leases.refill(now)
            except RemoteRejectedError as exc:
                log.warning("no serials leased for partner %s: %s", code, exc)
        return out

    def push(self, now: Callable[[], datetime]) -> PushResult:
        """Push every partner outbox that holds records (also of a partner whose replica is gone)."""
        total = PushResult()
        for code in partner_outbox_codes(self.data_dir):
            desk = self.desk(code)
            if desk is not None:
                merge_push(total, desk.push(now))
            else:
                merge_push(total, push_partner_outbox(self.data_dir, self.keystore, self.remote, code))
        return total

    def pending(self) -> int:
        total = 0
        for code in partner_outbox_codes(self.data_dir):
            desk = self._desks.get(code)
            total += (desk.outbox.count_pending() if desk is not None
                      else count_partner_pending(self.data_dir, self.keystore, code))
        return total

    def close(self) -> None:
        with self._lock:
            for desk in self._desks.values():
                desk.close()
            self._desks.clear()


def merge_push(total: PushResult, part: PushResult) -> PushResult:
    total.stored += part.stored
    total.duplicates += part.duplicates
    total.rejected += part.rejected
    total.conflicts.extend(part.conflicts)
    total.remaining += part.remaining
    return total


def push_partner_outbox(data_dir: Path, keystore: Any, remote: JsonRemote, code: str, *,
                        progress: Callable[[int, int], None] | None = None) -> PushResult:
    """Push one partner outbox without opening its replica (``madoguchi sync``, or a partner whose
    agreement — and replica — ended while records waited: the server then refuses them, and they
    are kept as rejected for a supervisor)."""
    from datetime import UTC

    outbox = Outbox.open(partner_outbox_path(data_dir, code), keystore.database_key(partner_outbox_key_name(code)),
                         create=False)
    try:
        partner = PartnerRemote(remote, code)
        result = OutboxPusher(outbox, partner).push(lambda: datetime.now(UTC), progress)
        try:
            upload_access_log(outbox, partner)
        except AccessLogRefused as exc:
            log.warning("partner %s refused the BCP access log: %s", code, exc)
        return result
    finally:
        outbox.close()


def push_partner_outboxes(data_dir: Path, keystore: Any, remote: JsonRemote) -> dict[str, PushResult]:
    return {code: push_partner_outbox(data_dir, keystore, remote, code) for code in partner_outbox_codes(data_dir)}


class MutualBackupBackend:
    """The counter's ``bcp`` backend on a terminal that may hold partner replicas.

    Sign-in names the municipality: this terminal's own (the own ``BcpBackend``) or a partner whose
    replica is here (that partner's desk, checked against that replica's staff records only). The
    counter then works on the municipality signed in for until the next sign-in.
    """

    mode = "bcp"

    def __init__(self, own: BcpBackend, own_code: str, desks: PartnerDesks) -> None:
        self.own = own
        self.own_code = own_code
        self.desks = desks
        self.active: BcpBackend = own
        self.active_code = own_code

    def backend_for(self, municipality_code: str) -> BcpBackend:
        if not municipality_code or municipality_code == self.own_code:
            return self.own
        desk = self.desks.desk(municipality_code)
        if desk is None:
            raise SignInError("この端末はその団体の複製データを保持していません"
                              "(相互バックアップ協定がないか、まだ取得していません)。",
                              f"no replica of municipality {municipality_code} on this terminal")
        return desk.backend

    def sign_in(self, municipality_code: str, user_id: str, password: str, terminal_id: str) -> SignedIn:
        backend = self.backend_for(municipality_code)
        signed = backend.sign_in(municipality_code, user_id, password, terminal_id)
        self.active = backend
        self.active_code = municipality_code or self.own_code
        return signed

    def for_user(self, municipality_code: str, user_id: str, password: str, terminal_id: str
                 ) -> tuple[SignedIn, BcpBackend]:
        return self.backend_for(municipality_code).for_user(municipality_code, user_id, password, terminal_id)

    def search(self, query: str, limit: int = 50) -> Any:
        return self.active.search(query, limit)

    def resident(self, atena_no: str) -> Any:
        return self.active.resident(atena_no)

    def evaluate(self, request: Any, release: Any = None) -> Any:
        return self.active.evaluate(request, release)

    def issue(self, request: Any, release: Any, printer_id: str) -> Any:
        return self.active.issue(request, release, printer_id)

    def history(self, day: Any = None, atena_no: str | None = None) -> Any:
        return self.active.history(day, atena_no)

    def void(self, issuance_id: str, reason: str) -> None:
        self.active.void(issuance_id, reason)

    def reprint(self, issuance_id: str, reason: str) -> Any:
        return self.active.reprint(issuance_id, reason)

    def __getattr__(self, name: str) -> Any:
        if name in ("active", "own"):  # not yet set (during construction)
            raise AttributeError(name)
        return getattr(self.active, name)
