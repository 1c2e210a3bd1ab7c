"""Business continuity at run time: probes feed the state machine, the state machine moves the
backend router, and recovery pushes the outbox and pulls the replica before going ONLINE.

Qt-free. Background work runs on APScheduler worker threads (or is called directly in tests);
listeners get plain events and the UI bridge re-emits them on the GUI thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import httpx

from client.continuity.machine import ConnectivityMachine, Event, LinkMode, ModeChanged

log = logging.getLogger(__name__)

SERVER_API_MAJOR = "0"  # the client speaks to servers whose version starts with this major


class Router(Protocol):
    def use(self, mode: str) -> None: ...


def http_probe(timeout: float = 3.0, verify: Any = True) -> Callable[[str], bool]:
    """GET {base}/health: up when it answers 200 with status ok and a compatible version."""
    client = httpx.Client(timeout=httpx.Timeout(timeout, connect=timeout), verify=verify, trust_env=False)

    def probe(base_url: str) -> bool:
        try:
            response = client.get(base_url.rstrip("/") + "/health")
            body = response.json()
        except (httpx.HTTPError, ValueError):
            return False
        if response.status_code != 200 or body.get("status") != "ok":
            return False
        version = str(body.get("version", ""))
        if version.split(".")[0] != SERVER_API_MAJOR:
            log.error("server %s speaks API version %s; this client needs %s.x", base_url, version, SERVER_API_MAJOR)
            return False
        return True

    return probe


@dataclass
class SyncBackReport:
    started: datetime
    finished: datetime | None = None
    pushed: int = 0
    duplicates: int = 0
    rejected: int = 0
    conflicts: int = 0
    pulled: bool = False
    error: str = ""


class Continuity:
    """Owns the machine's reactions. ``push`` and ``pull`` are the outbox and replica sync calls;
    either may raise on a dead line, which sends the machine back to BCP."""

    def __init__(
        self,
        machine: ConnectivityMachine,
        router: Router,
        *,
        probe: Callable[[str], bool],
        push: Callable[[], Any],
        pull: Callable[[], Any],
        monotonic: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        run_async: Callable[[Callable[[], object]], None] | None = None,
    ) -> None:
        self.machine = machine
        self.router = router
        self.probe = probe
        self.push = push
        self.pull = pull
        self.monotonic = monotonic
        self.wall_clock = wall_clock
        self.run_async = run_async or (lambda fn: threading.Thread(target=fn, name="sync-back", daemon=True).start())
        self.reports: list[SyncBackReport] = []
        self.listeners: list[Callable[[Event | SyncBackReport], None]] = []
        self._sync_lock = threading.Lock()
        self._probe_lock = threading.Lock()
        machine.subscribe(self._on_event)

    # -- probes ------------------------------------------------------------------------------

    def probe_all(self) -> None:
        """One probe round (the scheduler calls this every few seconds). Never raises."""
        if not self._probe_lock.acquire(blocking=False):
            return  # the previous round is still waiting on a slow line
        try:
            for url in self.machine.endpoints:
                ok = False
                try:
                    ok = self.probe(url)
                except Exception:  # noqa: BLE001 - a probe failure is a failed probe
                    log.exception("probe of %s raised", url)
                if ok:
                    self.machine.report_success(url, self.monotonic())
                else:
                    self.machine.report_failure(url, self.monotonic())
            self.machine.tick(self.monotonic())
        finally:
            self._probe_lock.release()
        if self.machine.mode is LinkMode.RECOVERING and not self._sync_lock.locked():
            self.run_async(self.sync_back)  # an interrupted sync back is retried every round

    def fast_round(self) -> None:
        """Every second: a degraded terminal probes at once (so the BCP window is judged to the
        second and a returning line is noticed quickly); a healthy one only ticks the clock."""
        if self.machine.degraded():
            self.probe_all()
        else:
            self.machine.tick(self.monotonic())

    def on_request(self, base_url: str, ok: bool) -> None:
        """Hook for the data-centre client: every real request is a probe too."""
        if base_url not in self.machine.endpoints:
            return
        if ok:
            self.machine.report_success(base_url, self.monotonic())
        else:
            self.machine.report_failure(base_url, self.monotonic())

    # -- reactions ---------------------------------------------------------------------------

    def follow_active_endpoint(self, remote: Any) -> None:
        """Keep a data-centre client's preferred line (``active_url``) on the machine's choice, and
        let it ask which lines are up (``line_up``): an interactive GET only gets its short first
        try when another line could answer it (client.remote.line_timeouts)."""
        remote.line_up = self.machine.line_up

        def follow(event: Event | SyncBackReport) -> None:
            if isinstance(event, ModeChanged) and self.machine.active_endpoint is not None:
                remote.active_url = self.machine.active_endpoint

        self.listeners.insert(0, follow)

    def _on_event(self, event: Event) -> None:
        if isinstance(event, ModeChanged):
            self.router.use("bcp" if event.new.uses_replica else "online")
            for listener in list(self.listeners):
                listener(event)
            if event.new is LinkMode.RECOVERING:
                self.run_async(self.sync_back)
            return
        for listener in list(self.listeners):
            listener(event)

    def sync_back(self) -> SyncBackReport | None:
        """Push the outbox, pull the replica, then leave RECOVERING. Safe to call repeatedly."""
        if not self._sync_lock.acquire(blocking=False):
            return None
        report = SyncBackReport(started=self.wall_clock())
        try:
            if self.machine.mode is not LinkMode.RECOVERING:
                return None
            try:
                result = self.push()
                report.pushed = int(getattr(result, "stored", 0))
                report.duplicates = int(getattr(result, "duplicates", 0))
                report.rejected = int(getattr(result, "rejected", 0))
                report.conflicts = len(getattr(result, "conflicts", ()))
                self.pull()
                report.pulled = True
            except Exception as exc:  # noqa: BLE001 - retried on the next probe round
                # A dead line has already been reported by the request hook (on_request), which
                # sends the machine back to BCP when no line is left; anything else stays in
                # RECOVERING (issuing from the outbox) and is retried.
                report.error = f"{type(exc).__name__}: {exc}"
                log.warning("sync back interrupted: %s", report.error)
                return report
            self.machine.recovery_complete(self.monotonic())
            return report
        finally:
            report.finished = self.wall_clock()
            self.reports.append(report)
            for listener in list(self.listeners):
                listener(report)
            self._sync_lock.release()


def start_scheduler(continuity: Continuity, *, probe_seconds: float, replica_pull: Callable[[], Any] | None,
                    pull_seconds: float) -> Any:
    """APScheduler 3 background jobs: probes, and the replica pull while online. Returns the scheduler."""
    from apscheduler.schedulers.background import BackgroundScheduler

    scheduler = BackgroundScheduler(daemon=True, job_defaults={"coalesce": True, "max_instances": 1})
    scheduler.add_job(continuity.probe_all, "interval", seconds=probe_seconds, id="probe")
    scheduler.add_job(continuity.fast_round, "interval", seconds=min(1.0, probe_seconds), id="probe-degraded")

    if replica_pull is not None:
        def pull_when_online() -> None:
            if continuity.machine.mode in (LinkMode.ONLINE, LinkMode.SECONDARY):
                try:
                    replica_pull()
                except Exception:  # noqa: BLE001 - logged; the next run retries
                    log.exception("scheduled replica pull failed")

        scheduler.add_job(pull_when_online, "interval", seconds=pull_seconds, id="replica-pull")
    scheduler.start()
    return scheduler
