"""Business continuity at run time: probes feed the state machine, the state machine moves the
backend router, and recovery pushes the outbox and pulls the replica before going ONLINE.

Qt-free. Background work runs on APScheduler worker threads (or is called directly in tests);
listeners get plain events and the UI bridge re-emits them on the GUI thread.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import httpx

from client.continuity.machine import BcpEvidence, ConnectivityMachine, Event, LinkMode, ModeChanged

log = logging.getLogger(__name__)

SERVER_API_MAJOR = "0"  # the client speaks to servers whose version starts with this major


class Router(Protocol):
    def use(self, mode: str) -> None: ...


class ProbeFailure(Exception):
    """A health probe found the line unusable; the message is the evidence kept for the supervisor."""


def http_probe(timeout: float = 3.0, verify: Any = True) -> Callable[[str], bool]:
    """GET {base}/health: True when it answers 200 with status ok and a compatible version;
    otherwise raises :class:`ProbeFailure` saying what was seen."""
    client = httpx.Client(timeout=httpx.Timeout(timeout, connect=timeout), verify=verify, trust_env=False)

    def probe(base_url: str) -> bool:
        try:
            response = client.get(base_url.rstrip("/") + "/health")
            body = response.json()
        except httpx.HTTPError as exc:
            raise ProbeFailure(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__) from exc
        except ValueError as exc:
            raise ProbeFailure(f"health answer is not JSON (HTTP {response.status_code})") from exc
        if response.status_code != 200 or not isinstance(body, dict) or body.get("status") != "ok":
            raise ProbeFailure(f"health answered HTTP {response.status_code}")
        version = str(body.get("version", ""))
        if version.split(".")[0] != SERVER_API_MAJOR:
            log.error("server %s speaks API version %s; this client needs %s.x", base_url, version, SERVER_API_MAJOR)
            raise ProbeFailure(f"server API version {version}, this client needs {SERVER_API_MAJOR}.x")
        return True

    return probe


def _default_call_later(delay: float, fn: Callable[[], None]) -> Any:
    timer = threading.Timer(max(0.0, delay), fn)
    timer.daemon = True
    timer.name = "bcp-window"
    timer.start()
    return timer


def _default_spawn(fn: Callable[[], None]) -> None:
    threading.Thread(target=fn, name="urgent-probe", daemon=True).start()


class RunningJobs:
    """The terminal's background work that is running now (scheduled probes and pulls, the sync
    back, the urgent probe round, the BCP-window timer), so that closing the terminal can wait for
    it before it closes the replica and the outbox: a SQLCipher connection closed under a running
    query takes the whole process down. After :meth:`close` no new job starts."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._running: dict[int, int] = {}  # thread ident -> depth (a job may run another inline)
        self.closed = False

    def wrap(self, job: Callable[[], Any]) -> Callable[[], Any]:
        def run() -> Any:
            me = threading.get_ident()
            with self._cond:
                if self.closed:
                    return None
                self._running[me] = self._running.get(me, 0) + 1
            try:
                return job()
            finally:
                with self._cond:
                    depth = self._running.pop(me) - 1
                    if depth:
                        self._running[me] = depth
                    self._cond.notify_all()

        return run

    def running(self) -> int:
        with self._cond:
            return len(self._running)

    def close(self, wait_seconds: float) -> bool:
        """Start no more jobs and wait up to ``wait_seconds`` for those running on other threads
        (a job that closes the terminal itself is not waited for). True when none is left."""
        me = threading.get_ident()
        with self._cond:
            self.closed = True
            return self._cond.wait_for(lambda: not (self._running.keys() - {me}), timeout=wait_seconds)


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
        call_later: Callable[[float, Callable[[], None]], Any] | None = _default_call_later,
        spawn_probe: Callable[[Callable[[], None]], None] | None | str = "default",
    ) -> None:
        """``call_later(delay, fn)`` arms the BCP-window timer (returns something with
        ``cancel()``; None: the window is judged on probe rounds only). ``spawn_probe(fn)`` runs
        the urgent probe round that the first failure of a line triggers (None: no urgent round;
        by default a thread of its own, or ``run_async`` when that is given)."""
        self.machine = machine
        self.router = router
        self.probe = probe
        self.push = push
        self.pull = pull
        self.monotonic = monotonic
        self.wall_clock = wall_clock
        self.jobs = RunningJobs()
        start_async = run_async or (lambda fn: threading.Thread(target=fn, name="sync-back", daemon=True).start())
        self.run_async: Callable[[Callable[[], object]], None] = lambda fn: start_async(self.jobs.wrap(fn))
        self.reports: list[SyncBackReport] = []
        self.listeners: list[Callable[[Event | SyncBackReport], None]] = []
        self._sync_lock = threading.Lock()
        self._probe_lock = threading.Lock()
        self.call_later = call_later
        if spawn_probe == "default":
            spawn_probe = run_async if run_async is not None else _default_spawn
        spawn: Callable[[Callable[[], None]], None] | None = spawn_probe  # type: ignore[assignment]
        self.spawn_probe: Callable[[Callable[[], None]], None] | None = (
            None if spawn is None else (lambda fn: spawn(self.jobs.wrap(fn))))
        self._timer_lock = threading.Lock()
        self._timer: Any = None
        self._timer_deadline: float | None = None
        self.urgent_rounds = 0
        machine.subscribe(self._on_event)

    # -- probes ------------------------------------------------------------------------------

    def probe_all(self, *, exclude: str | None = None) -> None:
        """One probe round (the scheduler calls this every few seconds). Never raises.

        Every line is probed at the same time (a silent line's timeout does not delay the
        verdict on the other), and each outcome is reported as soon as it is known, dated from
        when its probe was sent. ``exclude``: a line just seen failing (the urgent round)."""
        if not self._probe_lock.acquire(blocking=False):
            return  # the previous round is still waiting on a slow line
        try:
            endpoints = [u for u in self.machine.endpoints if u != exclude]
            if len(endpoints) <= 1:
                for url in endpoints:
                    self._probe_one(url)
            else:
                threads = [threading.Thread(target=self._probe_one, args=(url,), name="probe", daemon=True)
                           for url in endpoints]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
            self.machine.tick(self.monotonic())
            self._arm_window()
        finally:
            self._probe_lock.release()
        if self.machine.mode is LinkMode.RECOVERING and not self._sync_lock.locked():
            self.run_async(self.sync_back)  # an interrupted sync back is retried every round

    @contextlib.contextmanager
    def probe_round(self) -> Iterator[None]:
        """A caller probing every line itself (a short CLI run) holds the round: the failures it
        reports do not start urgent rounds of their own (each line is probed once)."""
        with self._probe_lock:
            yield

    def fast_round(self) -> None:
        """Every second: a degraded terminal probes at once (so a returning line is noticed
        quickly); a healthy one only ticks the clock. The BCP window has its own timer."""
        if self.machine.degraded():
            self.probe_all()
        else:
            self.machine.tick(self.monotonic())
            self._arm_window()

    def _probe_one(self, url: str) -> None:
        sent = self.monotonic()
        error = ""
        ok = False
        try:
            ok = bool(self.probe(url))
            if not ok:
                error = "probe failed"
        except ProbeFailure as exc:
            error = str(exc)
        except Exception as exc:  # noqa: BLE001 - a probe failure is a failed probe
            log.exception("probe of %s raised", url)
            error = f"{type(exc).__name__}: {exc}"
        if ok:
            self.machine.report_success(url, self.monotonic())
        else:
            self.machine.report_failure(url, self.monotonic(), sent_at=sent, error=f"probe: {error}")

    def on_request(self, base_url: str, ok: bool) -> None:
        """Hook for the data-centre client: every real request is a probe too."""
        self.on_attempt(base_url, ok)

    def on_attempt(self, base_url: str, ok: bool, *, elapsed: float = 0.0, error: str = "") -> None:
        """A request attempt's outcome: ``elapsed`` seconds since it was sent (the failure is
        dated from the send), and what went wrong.

        The first failure of a line that was up starts an urgent probe round (both lines at
        once: the failing one was just tried, so the round probes the others), so an idle second
        line is judged now rather than at the next regular probe."""
        if base_url not in self.machine.endpoints:
            return
        if ok:
            self.machine.report_success(base_url, self.monotonic())
            self._arm_window()
            return
        was_up = self.machine.line_up(base_url)
        now = self.monotonic()
        self.machine.report_failure(base_url, now, sent_at=now - max(0.0, elapsed), error=error or "request failed")
        self._arm_window()
        if was_up and self.spawn_probe is not None and not self._probe_lock.locked():
            self.urgent_rounds += 1
            self.spawn_probe(lambda: self.probe_all(exclude=base_url))

    # -- the BCP window's own timer -----------------------------------------------------------

    def _arm_window(self) -> None:
        """Keep one timer on the machine's window deadline (or none when a line is up)."""
        if self.call_later is None:
            return
        deadline = self.machine.window_deadline()
        with self._timer_lock:
            if deadline == self._timer_deadline:
                return
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            self._timer_deadline = deadline
            if deadline is None:
                return
            self._timer = self.call_later(deadline - self.monotonic(), self.jobs.wrap(self._window_due))

    def _window_due(self) -> None:
        with self._timer_lock:
            self._timer = None
            self._timer_deadline = None
        self.machine.tick(self.monotonic())
        self._arm_window()  # fired a hair early, or the deadline moved: arm again

    def cancel_timers(self) -> None:
        with self._timer_lock:
            if self._timer is not None:
                self._timer.cancel()
            self._timer = None
            self._timer_deadline = None

    # -- evidence for the supervisor (confirm policy) ------------------------------------------

    def evidence(self) -> dict[str, Any]:
        """What the machine holds against each line, with wall-clock times (the confirm dialog)."""
        now = self.monotonic()
        wall = self.wall_clock()
        ev: BcpEvidence = self.machine.evidence(now)

        def at(t: float | None) -> datetime | None:
            if t is None:
                return None
            return wall - timedelta(seconds=now - t)

        return {
            "down_since": at(ev.down_since),
            "down_seconds": None if ev.down_since is None else round(now - ev.down_since, 1),
            "window_seconds": ev.window,
            "lines": [{"url": line.url, "failing_since": at(line.failing_since), "failures": line.failures,
                       "last_failure_at": at(line.last_failure_at), "last_error": line.last_error,
                       "recent_errors": list(line.recent_errors)} for line in ev.lines],
        }

    # -- reactions ---------------------------------------------------------------------------

    def follow_active_endpoint(self, remote: Any) -> None:
        """Keep a data-centre client's preferred line (``active_url``) on the machine's choice, and
        let it ask which lines are up (``line_up``): an interactive GET only gets its short first
        try when another line could answer it (client.remote.line_timeouts); a client built with
        the machine's ``line_up`` keeps it."""
        if getattr(remote, "line_up", None) is None:
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


NIGHTLY_CHECK_HOUR = 2  # the nightly replica checksum comparison runs at 02:17 local time
NIGHTLY_CHECK_MINUTE = 17


def start_scheduler(continuity: Continuity, *, probe_seconds: float, replica_pull: Callable[[], Any] | None,
                    pull_seconds: float, nightly_check: Callable[[], Any] | None = None,
                    nightly_hour: int = NIGHTLY_CHECK_HOUR) -> Any:
    """The terminal's one APScheduler 3 background scheduler: probes, the replica pull while online,
    and once a night the replica checksum comparison (repairing on mismatch). Returns it."""
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.triggers.cron import CronTrigger

    scheduler = BackgroundScheduler(daemon=True, job_defaults={"coalesce": True, "max_instances": 1})
    tracked = continuity.jobs.wrap  # closing the terminal waits for a job that is running
    scheduler.add_job(tracked(continuity.probe_all), "interval", seconds=probe_seconds, id="probe")
    scheduler.add_job(tracked(continuity.fast_round), "interval", seconds=min(1.0, probe_seconds), id="probe-degraded")

    def when_online(job: Callable[[], Any], what: str) -> Callable[[], None]:
        @tracked
        def run() -> None:
            if continuity.machine.mode in (LinkMode.ONLINE, LinkMode.SECONDARY):
                try:
                    job()
                except Exception:  # noqa: BLE001 - logged; the next run retries
                    log.exception("scheduled %s failed", what)

        return run

    if replica_pull is not None:
        scheduler.add_job(when_online(replica_pull, "replica pull"), "interval", seconds=pull_seconds,
                          id="replica-pull")
    if nightly_check is not None:
        scheduler.add_job(when_online(nightly_check, "replica checksum"),
                          CronTrigger(hour=nightly_hour, minute=NIGHTLY_CHECK_MINUTE), id=CHECKSUM_JOB)
    scheduler.start()
    return scheduler


CHECKSUM_JOB = "replica-checksum"
