"""The connectivity state machine: ONLINE → SECONDARY → BCP → RECOVERING → ONLINE.

Plain Python, no I/O and no clock reads: every input carries ``now`` (monotonic seconds), so
the machine is tested with a fake clock and driven in production by the health prober and by
the outcome of real requests. Listeners receive :class:`ModeChanged` events; the UI bridge
re-emits them on the GUI thread.

Rules (DESIGN.md §3 "BCP entry"):

* ONLINE uses the primary line (主回線). The first failed request or probe on it switches to
  SECONDARY (副回線) at once, if a secondary is configured.
* When every endpoint has been failing for ``bcp_window`` seconds the terminal enters BCP —
  automatically under the ``auto`` policy, or it raises :class:`BcpConfirmationNeeded` (with the
  evidence: which lines failed, since when, how often, the last errors) and waits for a
  supervisor under ``confirm``.
* A failure is dated from when its attempt was *sent* (``sent_at``), not from when it timed out:
  a probe that waits 3 s on a silent line has seen the line dead from its start.
* :meth:`window_deadline` says when the window will close, so the caller can decide BCP on a
  timer of its own instead of waiting for the next probe round.

Hysteresis (a flapping line must not bounce the counter between modes):

* A line that has failed counts as failing until ``up_successes`` consecutive successes
  (default 2): one lucky answer between failures neither resets the BCP window nor makes the
  line the active one again.
* From SECONDARY the primary is taken back only after ``steady_successes`` consecutive good
  probes spanning at least ``steady_seconds``.
* From BCP, an endpoint answering steadily (the same rule) moves to RECOVERING; the sync
  orchestrator pushes the outbox and pulls the replica, then calls :meth:`recovery_complete`.
  A failure while recovering returns to BCP at once (the outbox is pushed exactly once whatever
  happens), and each such relapse doubles the steadiness asked for next time (up to
  ``max_steady_seconds``); reaching ONLINE or SECONDARY resets it.
"""

from __future__ import annotations

import enum
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field


class LinkMode(enum.StrEnum):
    ONLINE = "online"
    SECONDARY = "secondary"
    BCP = "bcp"
    RECOVERING = "recovering"

    @property
    def label_ja(self) -> str:
        return {
            LinkMode.ONLINE: "オンライン(主回線)",
            LinkMode.SECONDARY: "オンライン(副回線)",
            LinkMode.BCP: "BCPモード(縮退運用)",
            LinkMode.RECOVERING: "復旧中(同期しています)",
        }[self]

    @property
    def uses_replica(self) -> bool:
        return self in (LinkMode.BCP, LinkMode.RECOVERING)


class BcpPolicy(enum.StrEnum):
    AUTO = "auto"
    CONFIRM = "confirm"


@dataclass(frozen=True)
class ConnectivityPolicy:
    bcp_window: float = 4.5  # all endpoints failing this long → BCP (docs/performance.md: why 4.5 s)
    policy: BcpPolicy = BcpPolicy.AUTO
    steady_successes: int = 3  # consecutive good probes to trust a line again
    steady_seconds: float = 10.0  # ... spanning at least this long
    up_successes: int = 2  # consecutive successes that end a line's failing period
    max_steady_seconds: float = 60.0  # cap of the doubled steadiness after relapses

    def __post_init__(self) -> None:
        if self.bcp_window <= 0 or self.steady_seconds < 0 or self.max_steady_seconds < self.steady_seconds:
            raise ValueError(f"inconsistent connectivity timings: {self}")
        if self.steady_successes < 1 or self.up_successes < 1:
            raise ValueError(f"success counts must be at least 1: {self}")


@dataclass(frozen=True)
class LineEvidence:
    """What the machine knows against one line (for the supervisor under ``confirm``)."""

    url: str
    failing_since: float | None  # monotonic: when the first failed attempt of this run was sent
    failures: int  # failed attempts in the current failing period
    last_failure_at: float | None
    last_error: str  # the last error message seen on this line ("" if none was given)
    recent_errors: tuple[str, ...] = ()


@dataclass(frozen=True)
class BcpEvidence:
    at: float
    down_since: float | None  # every line failing since (monotonic), None if one is up
    window: float
    lines: tuple[LineEvidence, ...]


@dataclass(frozen=True)
class ModeChanged:
    old: LinkMode
    new: LinkMode
    at: float
    reason: str
    endpoint: str | None


@dataclass(frozen=True)
class BcpConfirmationNeeded:
    """Under the ``confirm`` policy: every line is down, a supervisor must declare BCP."""

    at: float
    down_since: float
    evidence: BcpEvidence | None = None


Event = ModeChanged | BcpConfirmationNeeded


@dataclass
class _EndpointHealth:
    url: str
    failing_since: float | None = None
    streak_start: float | None = None  # first of the current run of successes
    successes: int = 0
    failures: int = 0  # failed attempts in the current failing period
    last_failure_at: float | None = None
    errors: list[str] = field(default_factory=list)  # the last few, newest last

    def ok(self, now: float, policy: ConnectivityPolicy) -> None:
        if self.successes == 0:
            self.streak_start = now
        self.successes += 1
        if self.failing_since is not None and self.successes >= policy.up_successes:
            self.failing_since = None
            self.failures = 0

    def failed(self, sent_at: float, now: float, error: str) -> None:
        if self.failing_since is None or sent_at < self.failing_since:
            self.failing_since = sent_at
        self.failures += 1
        self.last_failure_at = now
        if error:
            self.errors = [*self.errors[-4:], error]
        self.successes = 0
        self.streak_start = None

    @property
    def up(self) -> bool:
        return self.failing_since is None

    def steady(self, now: float, policy: ConnectivityPolicy, steady_seconds: float) -> bool:
        return (
            self.successes >= policy.steady_successes
            and self.streak_start is not None
            and now - self.streak_start >= steady_seconds
        )

    def evidence(self) -> LineEvidence:
        return LineEvidence(url=self.url, failing_since=self.failing_since, failures=self.failures,
                            last_failure_at=self.last_failure_at, last_error=self.errors[-1] if self.errors else "",
                            recent_errors=tuple(self.errors))


@dataclass
class ConnectivityMachine:
    """Thread-safe: the prober, request workers and the UI all feed it."""

    endpoints: list[str]
    policy: ConnectivityPolicy = field(default_factory=ConnectivityPolicy)
    start: float = 0.0

    def __post_init__(self) -> None:
        if not self.endpoints:
            raise ValueError("at least one endpoint (the primary line) is required")
        self._lock = threading.RLock()
        self._health = [_EndpointHealth(u) for u in self.endpoints]
        self._mode = LinkMode.ONLINE
        self._active = 0
        self._since = self.start
        self._confirmation_raised = False
        self._steady_seconds = self.policy.steady_seconds  # doubled by each relapse (hysteresis)
        self._listeners: list[Callable[[Event], None]] = []
        self._pending: deque[Event] = deque()  # events waiting for delivery (see _emit)
        self._delivering = False
        self.history: list[ModeChanged] = []

    # -- observation ----------------------------------------------------------------------

    @property
    def mode(self) -> LinkMode:
        return self._mode

    @property
    def active_endpoint(self) -> str | None:
        """Where online requests go now; None while the replica is in charge."""
        with self._lock:
            if self._mode is LinkMode.BCP:
                return None
            return self._health[self._active].url

    @property
    def awaiting_confirmation(self) -> bool:
        return self._confirmation_raised and self._mode not in (LinkMode.BCP, LinkMode.RECOVERING)

    def down_since(self) -> float | None:
        """When the last endpoint to fail started failing, if all are failing."""
        with self._lock:
            if any(h.up for h in self._health):
                return None
            return max(h.failing_since for h in self._health if h.failing_since is not None)

    def window_deadline(self) -> float | None:
        """When the BCP window closes (monotonic), if every line is failing and the machine is
        still online; None otherwise. The caller may arm a timer for it and call :meth:`tick`."""
        with self._lock:
            if self._mode not in (LinkMode.ONLINE, LinkMode.SECONDARY):
                return None
            since = self.down_since()
            return None if since is None else since + self.policy.bcp_window

    def evidence(self, now: float) -> BcpEvidence:
        """Which lines fail, since when, how often, with which errors (the ``confirm`` dialog)."""
        with self._lock:
            return BcpEvidence(at=now, down_since=self.down_since(), window=self.policy.bcp_window,
                               lines=tuple(h.evidence() for h in self._health))

    @property
    def steady_seconds(self) -> float:
        """The steadiness a returning line must show now (grows after relapses)."""
        return self._steady_seconds

    def line_up(self, endpoint: str) -> bool:
        """Not known to be failing: its last probe or request succeeded (or none has failed yet).
        An endpoint the machine does not watch counts as up (nothing is known against it)."""
        with self._lock:
            for h in self._health:
                if h.url == endpoint:
                    return h.up
            return True

    def degraded(self) -> bool:
        """Any line failing, or not on the primary: probe faster until the machine is back ONLINE."""
        with self._lock:
            return self._mode is not LinkMode.ONLINE or any(not h.up for h in self._health)

    def subscribe(self, listener: Callable[[Event], None]) -> None:
        self._listeners.append(listener)

    # -- inputs -----------------------------------------------------------------------------

    def report_success(self, endpoint: str, now: float) -> None:
        """A probe or request on ``endpoint`` succeeded."""
        with self._lock:
            idx = self._index(endpoint)
            h = self._health[idx]
            h.ok(now, self.policy)
            if not h.up:
                return  # one answer between failures: still failing (hysteresis)
            if self._mode is LinkMode.ONLINE:
                return
            if self._mode is LinkMode.SECONDARY:
                self._confirmation_raised = False
                if idx == 0 and h.steady(now, self.policy, self._steady_seconds):
                    self._active = 0
                    self._set(LinkMode.ONLINE, now, "primary line steady again", endpoint)
                elif not self._health[self._active].up and idx != self._active:
                    self._active = idx  # the other line answers: use it
                return
            if self._mode is LinkMode.BCP and h.steady(now, self.policy, self._steady_seconds):
                self._active = self._best_up(now)
                self._set(LinkMode.RECOVERING, now, "line answers steadily", endpoint)

    def report_failure(self, endpoint: str, now: float, *, sent_at: float | None = None, error: str = "") -> None:
        """A probe or request on ``endpoint`` failed at the network level (not a 4xx).

        ``sent_at``: when the failed attempt was sent (default ``now``); the failure is dated
        from then. ``error``: what was seen (kept as evidence for the supervisor)."""
        with self._lock:
            idx = self._index(endpoint)
            self._health[idx].failed(min(now, sent_at) if sent_at is not None else now, now, error)
            if self._mode is LinkMode.RECOVERING:
                if not any(h.up for h in self._health):
                    self._steady_seconds = min(self._steady_seconds * 2, self.policy.max_steady_seconds)
                    self._set(LinkMode.BCP, now, "line lost while recovering", endpoint)
                elif idx == self._active:
                    self._active = self._best_up(now)
                return
            if self._mode in (LinkMode.ONLINE, LinkMode.SECONDARY) and idx == self._active:
                alternative = self._next_up(idx)
                if alternative is not None:
                    self._active = alternative
                    if self._mode is LinkMode.ONLINE:
                        self._set(LinkMode.SECONDARY, now, "primary line failed", endpoint)
                elif self._mode is LinkMode.ONLINE and len(self._health) > 1:
                    self._active = (idx + 1) % len(self._health)
                    self._set(LinkMode.SECONDARY, now, "primary line failed", endpoint)
            self._check_window(now)

    def tick(self, now: float) -> None:
        """Called periodically (by the prober): time alone can move the machine into BCP."""
        with self._lock:
            self._check_window(now)

    def confirm_bcp(self, now: float, supervisor: str) -> None:
        """A supervisor declares BCP mode (confirm policy, or by hand in a drill or a slow outage)."""
        with self._lock:
            if self._mode in (LinkMode.BCP, LinkMode.RECOVERING):
                return
            self._set(LinkMode.BCP, now, f"declared by supervisor {supervisor}", None)

    def recovery_complete(self, now: float) -> None:
        """The outbox was pushed and the replica pulled: leave RECOVERING."""
        with self._lock:
            if self._mode is not LinkMode.RECOVERING:
                return
            self._active = self._best_up(now)
            new = LinkMode.ONLINE if self._active == 0 else LinkMode.SECONDARY
            self._steady_seconds = self.policy.steady_seconds
            self._set(new, now, "outbox synced and replica pulled", self._health[self._active].url)

    # -- internals --------------------------------------------------------------------------

    def _index(self, endpoint: str) -> int:
        for i, h in enumerate(self._health):
            if h.url == endpoint:
                return i
        raise KeyError(f"unknown endpoint {endpoint!r}")

    def _next_up(self, failed_idx: int) -> int | None:
        for i, h in enumerate(self._health):
            if i != failed_idx and h.up:
                return i
        return None

    def _best_up(self, now: float) -> int:
        for i, h in enumerate(self._health):
            if h.up:
                return i
        return 0

    def _check_window(self, now: float) -> None:
        if self._mode not in (LinkMode.ONLINE, LinkMode.SECONDARY):
            return
        since = self.down_since()
        if since is None:
            return
        # The window runs from the moment the *last* endpoint went down.
        if now - since < self.policy.bcp_window:
            return
        if self.policy.policy is BcpPolicy.AUTO:
            self._set(LinkMode.BCP, now, f"all lines down for {now - since:.1f}s", None)
        elif not self._confirmation_raised:
            self._confirmation_raised = True
            self._emit(BcpConfirmationNeeded(at=now, down_since=since, evidence=self.evidence(now)))

    def _set(self, new: LinkMode, now: float, reason: str, endpoint: str | None) -> None:
        old = self._mode
        if old is new:
            return
        self._mode = new
        self._since = now
        if new in (LinkMode.BCP, LinkMode.ONLINE):
            self._confirmation_raised = False
        event = ModeChanged(old=old, new=new, at=now, reason=reason, endpoint=endpoint)
        self.history.append(event)
        self._emit(event)

    def _emit(self, event: Event) -> None:
        """Deliver ``event`` to every listener, in the order events happened. A listener that
        changes the mode from inside its callback (recovery completing synchronously, say) does not
        overtake the event it is handling: the new event waits until the current one has reached
        every listener, so the mode history never reads "recovering → online" before
        "bcp → recovering". Called with the lock held, so only one thread delivers at a time."""
        self._pending.append(event)
        if self._delivering:
            return
        self._delivering = True
        try:
            while self._pending:
                current = self._pending.popleft()
                for listener in list(self._listeners):
                    listener(current)
        finally:
            self._delivering = False
