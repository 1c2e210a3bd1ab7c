"""The connectivity state machine: ONLINE → SECONDARY → BCP → RECOVERING → ONLINE.

Plain Python, no I/O and no clock reads: every input carries ``now`` (monotonic seconds), so
the machine is tested with a fake clock and driven in production by the health prober and by
the outcome of real requests. Listeners receive :class:`ModeChanged` events; the UI bridge
re-emits them on the GUI thread.

Rules (DESIGN.md §3 "BCP entry"):

* ONLINE uses the primary line (主回線). The first failed request or probe on it switches to
  SECONDARY (副回線) at once, if a secondary is configured.
* When every endpoint has been failing for ``bcp_window`` seconds the terminal enters BCP —
  automatically under the ``auto`` policy, or it raises ``BCP_CONFIRMATION`` and waits for a
  supervisor under ``confirm``.
* From SECONDARY the primary is taken back only after ``steady_successes`` consecutive good
  probes spanning at least ``steady_seconds`` (hysteresis against a flapping line).
* From BCP, an endpoint answering steadily moves to RECOVERING; the sync orchestrator pushes
  the outbox and pulls the replica, then calls :meth:`recovery_complete`. A failure while
  recovering returns to BCP at once: the outbox is pushed exactly once whatever happens.
"""

from __future__ import annotations

import enum
import threading
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
    bcp_window: float = 10.0  # all endpoints failing this long → BCP
    policy: BcpPolicy = BcpPolicy.AUTO
    steady_successes: int = 3  # consecutive good probes to trust a line again
    steady_seconds: float = 10.0  # ... spanning at least this long


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


Event = ModeChanged | BcpConfirmationNeeded


@dataclass
class _EndpointHealth:
    url: str
    failing_since: float | None = None
    streak_start: float | None = None  # first of the current run of successes
    successes: int = 0

    def ok(self, now: float) -> None:
        if self.successes == 0:
            self.streak_start = now
        self.successes += 1
        self.failing_since = None

    def failed(self, now: float) -> None:
        if self.failing_since is None:
            self.failing_since = now
        self.successes = 0
        self.streak_start = None

    @property
    def up(self) -> bool:
        return self.failing_since is None

    def steady(self, now: float, policy: ConnectivityPolicy) -> bool:
        return (
            self.successes >= policy.steady_successes
            and self.streak_start is not None
            and now - self.streak_start >= policy.steady_seconds
        )


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
        self._listeners: list[Callable[[Event], None]] = []
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
            h.ok(now)
            if self._mode is LinkMode.ONLINE:
                return
            if self._mode is LinkMode.SECONDARY:
                self._confirmation_raised = False
                if idx == 0 and h.steady(now, self.policy):
                    self._active = 0
                    self._set(LinkMode.ONLINE, now, "primary line steady again", endpoint)
                elif not self._health[self._active].up and idx != self._active:
                    self._active = idx  # the other line answers: use it
                return
            if self._mode is LinkMode.BCP and h.steady(now, self.policy):
                self._active = self._best_up(now)
                self._set(LinkMode.RECOVERING, now, "line answers steadily", endpoint)

    def report_failure(self, endpoint: str, now: float) -> None:
        """A probe or request on ``endpoint`` failed at the network level (not a 4xx)."""
        with self._lock:
            idx = self._index(endpoint)
            self._health[idx].failed(now)
            if self._mode is LinkMode.RECOVERING:
                if not any(h.up for h in self._health):
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
            self._emit(BcpConfirmationNeeded(at=now, down_since=since))

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
        for listener in list(self._listeners):
            listener(event)
