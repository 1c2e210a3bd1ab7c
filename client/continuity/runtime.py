"""The enrolled terminal's continuity parts, wired once from its configuration.

Shared by the GUI, the CLI and the headless demo (STYLE.md rule 5: the object graph is built
here and passed in, nothing reaches for globals):

* one terminal-signed data-centre client (replica pull, serial leases, outbox push) whose
  request outcomes feed the connectivity state machine,
* the replica, the outbox, the BCP issuer and the BCP counter backend,
* the desks of mutual-backup partners whose replicas are here (``client.continuity.partner_desks``): in BCP
  mode a partner's staff sign in against that replica and issue with the partner's serials,
* the state machine and :class:`~client.continuity.orchestrator.Continuity`, which moves the counter's
  backend router between ``online`` and ``bcp`` and syncs back on recovery.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from client.continuity.machine import ConnectivityMachine
from client.continuity.orchestrator import Continuity, start_scheduler
from client.continuity.partner_desks import PartnerDesks, merge_push
from client.continuity.service_levels import OutageTracker, ResponseSampler, TimedRemote
from client.lifecycle.enrollment import Enrolment
from client.local.files import outbox_key_name
from client.outbox.access_upload import upload_access_log
from client.outbox.issuer import BcpIssuer
from client.outbox.leases import LeaseKeeper
from client.outbox.push import OutboxPusher, PushResult
from client.outbox.store import Outbox
from client.remote.http import DataCentreClient
from client.replica.lookups import ReplicaLookups
from client.replica.store import ReplicaStore
from client.replica.sync import ReplicaSync
from client.services.bcp_backend import BcpBackend

log = logging.getLogger(__name__)

DRILL_SERIALS = (900_000_001, 999_999_999)  # 見本 numbers: never leased, never pushed
CLOSE_WAIT_SECONDS = 5.0  # closing waits this long for a running background job (then closes anyway)


@dataclass
class TerminalRuntime:
    enrolment: Enrolment
    remote: DataCentreClient
    store: ReplicaStore
    outbox: Outbox
    issuer: BcpIssuer
    bcp_backend: BcpBackend
    leases: LeaseKeeper
    machine: ConnectivityMachine
    continuity: Continuity
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    scheduler: Any = None
    drill: bool = False
    outages: OutageTracker | None = None
    sampler: ResponseSampler | None = None
    partners: PartnerDesks | None = None  # mutual backup (相互バックアップ); None in a drill
    counter_backend: Any = None  # what the router's "bcp" slot holds (partner-aware when not a drill)
    # called after each scheduled upkeep (replica pulled, leases refilled), on the scheduler's thread
    upkeep_listeners: list[Callable[[], None]] = field(default_factory=list)
    data_dir: Path = Path(".")
    keystore: Any = None
    wiped: Any = None  # the WipeReport once the data centre revoked this terminal (issue 15)
    # told each WipeReport as it is made (on the thread that reached the data centre): the window's notice
    wipe_listeners: list[Callable[[Any], None]] = field(default_factory=list)
    # told after each contact that let the terminal go on (the lease may have been renewed: the standing)
    contact_listeners: list[Callable[[], None]] = field(default_factory=list)
    # an unfinished wipe (the line failed while pushing) is retried on its own timer: the scheduler is stopped
    wipe_retry_seconds: float = 60.0
    wipe_retry: Any = None
    closed: bool = False
    outbox_key: bytes | None = None  # kept to write the keyring entry back if it is deleted
    peers: Any = None  # client.peers.group.PeerGroup: the hall's emergency holds (issue 18); None in a drill

    # -- the calls Continuity makes ----------------------------------------------------------

    def push_outbox(self) -> PushResult:
        """Sync back, first stage: the issuances, then this terminal's BCP access log and the
        outages it saw (the SLA figures). The log and reports are idempotent and retried later."""
        if not self.drill and self.contact() is not None:  # revoked: the wipe pushed what it may
            return PushResult()
        remote = TimedRemote(self.remote, self.sampler) if self.sampler is not None else self.remote
        if self.peers is not None:  # serials handed between peers: the leases first, then the records
            self.peers.push_transfers(self.remote)
        result = OutboxPusher(self.outbox, remote).push(self.clock)
        if self.drill:
            return result
        try:
            upload_access_log(self.outbox, self.remote)
            if self.partners is not None:  # the partners' issuances go to the partner municipalities
                merge_push(result, self.partners.push(self.clock))
            if self.outages is not None:
                self.outages.report(self.remote)
            if self.sampler is not None:
                self.sampler.upload(self.remote)
            if self.peers is not None:  # emergency holds recorded in the outage become proposals
                self.peers.recovered(self.remote)
        except Exception as exc:
            from client.continuity.wipe import is_revocation

            if not is_revocation(exc):
                raise
            self.contact(force=True)  # revoked meanwhile: the issuances went first, now the wipe
        return result

    def pull_replica(self) -> Any:
        if self.wiped is not None:
            return None
        try:
            return ReplicaSync(self.store, self.remote).pull()
        except Exception as exc:
            from client.continuity.wipe import is_revocation

            if is_revocation(exc):  # the data centre revoked this terminal: wipe on contact
                self.contact(force=True)
                return None
            raise

    def pull_partners(self) -> dict[str, Any]:
        """Pull the mutual-backup partners' replicas (a new agreement bootstraps one, an ended
        agreement removes it). A partner's failure is logged and never stops the own upkeep."""
        if self.partners is None:
            return {}
        from client.replica.partners import partner_codes, prune_ended_partners
        from client.replica.status import replica_codes

        desks = self.partners
        code = self.enrolment.municipality_code
        try:
            current = partner_codes(self.remote)
        except Exception as exc:  # noqa: BLE001 - retried at the next upkeep
            log.warning("mutual-backup partners not listed: %s", exc)
            return {}
        for ended in set(replica_codes(desks.data_dir)) - {code, *current}:
            desks.drop(ended)  # its outbox stays: unsynced records are kept
        prune_ended_partners(desks.data_dir, code, current, desks.keystore)
        out: dict[str, Any] = {}
        for partner in current:
            desk = desks.opened(partner)  # an open desk reads the very store the pull swaps
            store = desk.store if desk is not None else ReplicaStore(desks.data_dir, partner, desks.keystore)
            try:
                out[partner] = ReplicaSync(store, self.remote, partner=True).pull()
            except Exception as exc:  # noqa: BLE001 - one partner's trouble is not the counter's
                log.warning("partner replica %s not pulled: %s", partner, exc)
            finally:
                if desk is None:
                    store.close()
        return out

    def check_replica(self) -> dict[str, Any]:
        """The nightly checksum comparison (the scheduler's ``replica-checksum`` job): the own replica
        and each partner replica here, compared with the data centre's per-kind digests and rebuilt on
        a mismatch. A failure is logged per replica; returns {municipality code: ChecksumReport}."""
        if self.wiped is not None:
            return {}
        from client.replica.status import replica_codes

        code = self.enrolment.municipality_code
        out: dict[str, Any] = {}
        try:
            out[code] = ReplicaSync(self.store, self.remote).compare_checksums(repair=True)
        except Exception as exc:
            from client.continuity.wipe import is_revocation

            if is_revocation(exc):
                self.contact(force=True)
                return out
            log.error("replica checksum for %s failed: %s", code, getattr(exc, "message_en", exc))
        if self.partners is None:
            return out
        desks = self.partners
        for partner in sorted(set(replica_codes(desks.data_dir)) - {code}):
            desk = desks.opened(partner)
            store = desk.store if desk is not None else ReplicaStore(desks.data_dir, partner, desks.keystore)
            try:
                out[partner] = ReplicaSync(store, self.remote, partner=True).compare_checksums(repair=True)
            except Exception as exc:  # noqa: BLE001 - one partner's trouble is not the counter's
                log.warning("partner replica %s checksum failed: %s", partner, getattr(exc, "message_en", exc))
            finally:
                if desk is None:
                    store.close()
        return out

    def refill_leases(self) -> Any:
        if self.drill:
            return None  # the drill numbers from its own training block
        report = self.leases.refill(self.clock())
        if self.partners is not None:
            self.partners.refill_leases(self.clock())
        return report

    def contact(self, *, force: bool = False) -> Any:
        """Renew the replica wrapping-key lease (at most daily) -- or, for a terminal the data
        centre revoked, close everything and wipe it (client.terminal_security); the report then
        stays in ``self.wiped`` and ``status()`` shows it."""
        from client.continuity.contact import contact_data_centre
        from client.outbox.store import TERMINAL_WIDE

        if self.drill or (self.wiped is not None and self.wiped.completed):
            return self.wiped
        if self.wiped is None:  # never write a key back into the keyring of a terminal being wiped
            self.guard_outbox_key()
        report = contact_data_centre(
            self.data_dir, self.keystore, self.remote, clock=self.clock,
            on_contact=lambda: self.outbox.clear_offline_failures(TERMINAL_WIDE),
            before_wipe=self._close_local, force=force)
        if report is not None:  # an unfinished wipe (the line failed) runs again at the next contact
            self.wiped = report
            log.error("%s", report.message_en)
            for listener in list(self.wipe_listeners):
                try:
                    listener(report)
                except Exception:  # noqa: BLE001 - the wipe is done; a listener's failure is only logged
                    log.exception("wipe listener failed")
            if not report.completed:
                self._retry_wipe_later()
        else:
            for contacted in list(self.contact_listeners):
                contacted()
        return report

    def _retry_wipe_later(self) -> None:
        """Everything that would contact the data centre again was closed with the replicas: the
        unfinished wipe (its outboxes still to push) runs again on this timer until it is done."""
        import threading

        if self.closed:
            return
        if self.wipe_retry is not None:
            self.wipe_retry.cancel()
        timer = threading.Timer(self.wipe_retry_seconds, self._retry_wipe)
        timer.daemon = True
        timer.name = "wipe-retry"
        self.wipe_retry = timer
        timer.start()

    def _retry_wipe(self) -> None:
        from client.continuity.wipe import read_marker

        if self.closed:
            return
        if (read_marker(self.data_dir) or {}).get("state") == "wiped":
            log.info("the unfinished wipe was finished by another run (madoguchi sync)")
            return
        try:
            self.contact(force=True)  # an incomplete report schedules the next try itself
        except Exception as exc:  # noqa: BLE001 - the wipe never raises for the line; anything else: retry
            log.warning("unfinished wipe not retried: %s", exc)
            self._retry_wipe_later()

    def guard_outbox_key(self) -> bool:
        """The outbox key's keyring entry deleted while the application runs: write it back from
        the key the open outbox uses, so the unsynced records stay readable after a restart
        (True when it was restored). The replica keys are not restored: they come back wrapped."""
        if self.outbox_key is None or self.drill:
            return False
        name = outbox_key_name(self.enrolment.municipality_code)
        if self.keystore.has_database_key(name):
            return False
        self.keystore._set(self.keystore.database_entry(name), self.outbox_key.hex())
        log.error("the outbox key's keyring entry had gone; written back from the open outbox")
        return True

    def _close_local(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
        if self.partners is not None:
            self.partners.close()
        self.outbox.close()
        self.store.close()

    def pending_count(self) -> int:
        """Issuances waiting to sync: this municipality's and the partners' (the banner figure)."""
        if self.wiped is not None:  # closed (a disposed engine would reopen, and recreate, the file)
            return 0
        return self.outbox.count_pending() + (self.partners.pending() if self.partners is not None else 0)

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self, *, probe_seconds: float, pull_seconds: float) -> None:
        """Background probes, the scheduled replica pull and the nightly checksum comparison (one
        APScheduler scheduler, worker threads).

        A drill stays in BCP mode until it is closed: no probes run, so a healthy line does not
        end the exercise.
        """
        if self.drill:
            return

        def online_upkeep() -> None:
            if self.contact() is not None:  # issue 15: revoked -> wiped; nothing else to do
                return
            try:
                self.pull_replica()
                if self.wiped is not None:  # the pull learnt of the revocation: everything is closed
                    return
                self.pull_partners()
                self.refill_leases()
                if self.peers is not None:  # after the pull: a confirmed hold retires once the replica has it
                    self.peers.refresh(self.remote, self.replica_seq())
            finally:
                for listener in list(self.upkeep_listeners):
                    listener()

        def nightly_check() -> None:
            try:
                self.check_replica()
            finally:
                for listener in list(self.upkeep_listeners):
                    listener()

        self.scheduler = start_scheduler(self.continuity, probe_seconds=probe_seconds, replica_pull=online_upkeep,
                                         pull_seconds=pull_seconds, nightly_check=nightly_check)

    def status(self) -> dict[str, Any]:
        if self.wiped is None:
            self.guard_outbox_key()  # a keyring entry deleted while the application runs
        as_of = self.store_as_of()
        return {
            "mode": self.machine.mode.value,
            "active_endpoint": self.machine.active_endpoint,
            "endpoints": list(self.machine.endpoints),
            "replica_as_of": as_of.isoformat() if as_of else None,
            "outbox_pending": self.outbox.count_pending(),
            "partner_outbox_pending": self.partners.pending() if self.partners is not None else 0,
            "outbox_rejected": len(self.outbox.rejected()),
            "serials_available": self.outbox.serials_available(self.clock()),
            "drill": self.drill,
            "standing": self.standing(),
            "emergency_holds": self.peers.holds.count() if self.peers is not None else 0,
        }

    def standing(self) -> dict[str, Any]:
        """The terminal's standing (issue 15); ``banner_ja``/``banner_en`` for the counter banner."""
        from client.continuity.standing import terminal_standing

        return terminal_standing(self.data_dir, self.clock(), self.keystore)

    def replica_seq(self) -> int | None:
        """The change-log seq the replica has applied (None without a replica)."""
        from client.replica.store import get_meta

        try:
            with self.store.read() as conn:
                text = get_meta(conn, "as_of_seq")
            return int(text) if text else None
        except Exception:  # noqa: BLE001 - no replica yet: no confirmed hold is retired on it
            return None

    def store_as_of(self) -> datetime | None:
        try:
            return ReplicaLookups(self.store).as_of()
        except Exception:  # noqa: BLE001 - no replica yet: unknown age
            return None

    def close(self) -> None:
        self.closed = True
        if self.wipe_retry is not None:
            self.wipe_retry.cancel()
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
        self.continuity.cancel_timers()
        # a scheduled pull or a sync back may be inside the replica or the outbox: let it finish
        # (bounded) before their connections close under it
        if not self.continuity.jobs.close(wait_seconds=CLOSE_WAIT_SECONDS):
            log.warning("background work still running after %.0f s while closing the terminal", CLOSE_WAIT_SECONDS)
        if self.wiped is not None:  # revoked: the local parts are closed (and erased); write nothing back
            if self.peers is not None:
                self.peers.close()
            self.remote.close()
            return
        if self.sampler is not None:
            self.sampler.save()
        if self.partners is not None:
            self.partners.close()
        if self.peers is not None:
            self.peers.close()
        self.outbox.close()
        self.store.close()
        self.remote.close()
