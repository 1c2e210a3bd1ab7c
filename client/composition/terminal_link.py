"""Wire an enrolled terminal's continuity (BCP) runtime for the counter (used by
``client.composition.root.build``, the one composition root).

When the terminal is enrolled (``client.lifecycle.enrollment``), ``client.continuity.assembly.build_terminal``
registers the replica-backed ``bcp`` backend on the counter's router and runs the connectivity
state machine; this module adds what the counter needs of it: the line memory, the listeners that
report (mode, replica as-of, pending count, serials) to a ``publish`` callback (the UI's
ModeBridge), the confirmation and sync-back notices. The root builds the counter's online client
with the machine's hooks and the counter service with the runtime's pending count. Qt-free.

Issue 15: the terminal's own standing (enrolled, its key, the replica wrapping-key lease, revoked)
goes to ``on_standing`` whenever it changes, and a wipe on contact (the data centre revoked this
terminal) to ``on_wiped`` -- after the counter has been closed for good: every backend of its
router refuses (``RevokedBackend``) and the link's ``closed_listeners`` (the root adds the
counter service's sign-out) are told.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from client.errors import ClerkError
from client.lifecycle.config import ClientConfig
from client.services.counter import CounterService

log = logging.getLogger(__name__)

# (mode, replica as-of, issuances waiting to sync, BCP serials left on this terminal)
Publish = Callable[[str, datetime | None, int, "int | None"], None]
# the terminal's standing (client.continuity.standing.terminal_standing), a plain dict
PublishStanding = Callable[[dict[str, Any]], None]


REVOKED_MODE = "revoked"  # what the banner is told once the terminal is revoked (whatever the line does)


class TerminalRevokedRefusal(ClerkError):
    default_ja = "この端末はデータセンターにより利用停止されています。窓口業務は行えません。システム管理者に連絡してください。"


class RevokedBackend:
    """What every mode of a revoked terminal's router holds: each call is refused and says why
    (fail closed: whatever the connectivity machine switches to, nothing is searched or issued)."""

    mode = REVOKED_MODE

    def __init__(self, message_ja: str = "", message_en: str = "") -> None:
        self.message_ja = message_ja or TerminalRevokedRefusal.default_ja
        self.message_en = message_en or "this terminal was revoked by the data centre"

    def _refuse(self, *_args: Any, **_kwargs: Any) -> Any:
        raise TerminalRevokedRefusal(self.message_ja, self.message_en)

    sign_in = for_user = search = resident = evaluate = issue = history = void = reprint = day_close = _refuse


def close_revoked_router(router: Any, report: Any = None) -> None:
    """The counter of a revoked terminal: every router slot refuses (fail closed, whatever mode)."""
    refuse = RevokedBackend(
        "この端末はデータセンターにより利用停止されました。サインイン・検索・交付はできません。"
        "システム管理者に連絡してください。",
        "this terminal was revoked by the data centre: sign-in, search and issuance are refused")
    for mode in [*router.backends(), REVOKED_MODE]:
        router.register(mode, refuse)
    router.use(REVOKED_MODE)
    log.error("counter closed: the terminal was revoked (%s)", getattr(report, "message_en", ""))



@dataclass(frozen=True)
class TerminalLink:
    """The enrolled terminal's runtime and ``report()``, which publishes the banner's figures."""

    runtime: Any
    report: Callable[..., None]
    # told once the terminal is revoked and its router closed (the root: the service signs out)
    closed_listeners: list[Callable[[], None]] = field(default_factory=list)


def attach_terminal(
    router: Any,
    config: ClientConfig,
    publish: Publish,
    *,
    keystore: Any = None,
    start: bool = True,
    on_confirmation_needed: Callable[[], None] | None = None,
    drill: bool = False,
    on_sync_back: Callable[[int, int], None] | None = None,
    clock: Callable[[], datetime] | None = None,
    on_standing: PublishStanding | None = None,
    on_wiped: Callable[[Any], None] | None = None,
    on_holds: Callable[[int], None] | None = None,
) -> TerminalLink | None:
    """Build the enrolled terminal in ``config.data_dir`` on the counter's ``router``; None if not enrolled.

    ``on_sync_back(pushed, conflicts)`` is told after each completed sync back (the recovery notice).
    ``on_standing(standing)`` is told the terminal's standing at start and whenever it changes;
    ``on_wiped(report)`` the ``WipeReport`` when the data centre revoked this terminal. Both may be
    called on any thread. ``on_holds(count)`` is told the emergency holds in force here (the
    banner), whenever they may have changed: one recorded here, one received from a peer.
    ``start``: the runtime's scheduler will run (the caller starts it), so a degraded line gets
    its replica checked ahead.
    """
    from client.lifecycle.enrollment import Enrolment, NotEnrolledError

    if config.data_dir is None:  # load_config always fills it
        raise ValueError("the configuration names no data directory")
    data_dir = Path(config.data_dir)
    try:
        Enrolment.load(data_dir)
    except NotEnrolledError:
        log.info("terminal not enrolled in %s: online only", data_dir)
        return None
    from client.continuity.assembly import build_terminal

    runtime = build_terminal(
        data_dir,
        keystore=keystore,
        bcp_policy=config.bcp_policy,
        bcp_window_seconds=float(config.bcp_window_seconds),
        line_up_successes=config.line_up_successes,
        line_steady_successes=config.line_steady_successes,
        line_steady_seconds=config.line_steady_seconds,
        probe_timeout_seconds=float(config.probe_timeout_seconds),
        interactive_timeout_seconds=float(config.interactive_timeout_seconds),
        ca_bundle=config.ca_bundle,
        router=router,
        drill=drill,  # 防災訓練: 見本 certificates, separate drill outbox, stays in BCP
        clock=clock if clock is not None else (lambda: datetime.now(UTC)),
    )

    last_standing: dict[str, Any] = {}

    def report_standing() -> None:
        if on_standing is None:
            return
        try:
            standing = runtime.standing()
        except Exception as exc:  # noqa: BLE001 - never breaks the banner; the standing says what it can
            log.warning("terminal standing not read: %s", exc)
            return
        shown = {k: v for k, v in standing.items() if k != "wrapping_key"}
        shown["wrapping_key"] = {k: v for k, v in (standing.get("wrapping_key") or {}).items() if k != "days_left"}
        if shown == last_standing.get("shown"):
            return  # the days left are counted by the window's own clock
        last_standing["shown"] = shown
        on_standing(standing)

    def report(_event: object = None) -> None:
        report_standing()
        if runtime.wiped is not None:  # revoked: the outbox is closed, nothing to count, no line mode to show
            publish(REVOKED_MODE, None, 0, None)
            return
        try:
            pending = runtime.pending_count()  # with partners' issuances made here (相互バックアップ)
        except Exception:  # noqa: BLE001 — the banner must not break on a busy outbox
            pending = 0
        serials: int | None
        try:
            serials = runtime.outbox.serials_available(runtime.clock())
        except Exception:  # noqa: BLE001
            serials = None
        publish(runtime.machine.mode.value, runtime.store_as_of(), pending, serials)
        report_holds()

    def report_holds(_hold: object = None) -> None:
        if on_holds is None or runtime.peers is None:
            return
        try:
            on_holds(int(runtime.peers.holds.count()))
        except Exception:  # noqa: BLE001 — the banner must not break on a busy holds file
            log.exception("emergency hold count not reported")

    def vouch_ahead() -> None:
        """The line is degraded: check the replica now, so the first BCP decision does not wait."""
        try:
            runtime.bcp_backend.integrity.vouch()
        except Exception as exc:  # noqa: BLE001 - the decision itself refuses and says why
            log.error("replica check before BCP: %s", exc)

    def listener(event: object) -> None:
        from client.continuity.machine import BcpConfirmationNeeded, LinkMode, ModeChanged

        if isinstance(event, ModeChanged) and event.old is LinkMode.ONLINE and start:
            import threading

            threading.Thread(target=vouch_ahead, name="replica-check", daemon=True).start()
        if isinstance(event, BcpConfirmationNeeded):
            if on_confirmation_needed is not None:
                on_confirmation_needed()
            return
        from client.continuity.orchestrator import SyncBackReport

        if isinstance(event, SyncBackReport) and on_sync_back is not None and not event.error:
            on_sync_back(event.pushed, event.conflicts)  # (issuances sent, conflicts for a supervisor)
        report(event)

    if runtime.peers is not None:
        runtime.peers.holds.listeners.append(report_holds)  # a hold a peer pushed here
    from client.continuity.line_memory import LineMemory

    runtime.machine.subscribe(LineMemory(data_dir, runtime.machine))  # the next run starts on the line that worked
    runtime.continuity.listeners.append(listener)
    # the banner's figures change without a mode change too: a scheduled pull (and a BCP issuance:
    # the root passes report to the counter service's change listeners)
    runtime.upkeep_listeners.append(report)
    link = TerminalLink(runtime, report)
    told: dict[str, Any] = {}

    def wiped(wipe_report: Any) -> None:
        """Revoked (issue 15): close the counter first, then tell the window what happened -- once
        per outcome (an unfinished wipe retried while the line stays down is not announced again)."""
        if not told.get("closed"):
            told["closed"] = True
            close_revoked_router(router, wipe_report)
            for closed in list(link.closed_listeners):
                closed()
        report()  # the banner: revoked, no replica time; and the standing
        outcome = tuple(getattr(wipe_report, name, None) for name in ("completed", "pushed", "discarded", "pending"))
        if on_wiped is not None and told.get("outcome") != outcome:
            told["outcome"] = outcome
            on_wiped(wipe_report)

    runtime.wipe_listeners.append(wiped)
    runtime.contact_listeners.append(report_standing)  # the lease renewed: its new expiry
    return link


def confirm_bcp(service: CounterService, runtime: Any, user_id: str, password: str) -> str:
    """A supervisor declares BCP mode (``confirm`` policy): checked against the replica, offline.

    Returns the supervisor's name; raises SignInError / PermissionDeniedError otherwise.
    """
    from client.services.errors import PermissionDeniedError

    signed, _backend = runtime.bcp_backend.for_user(service.municipality_code, user_id.strip(), password,
                                                    service.terminal_id)
    if not signed.user.is_supervisor:
        raise PermissionDeniedError(
            "BCPモードへの移行は係長(監督者)のみが行えます。", f"user {user_id} may not declare BCP mode"
        )
    runtime.machine.confirm_bcp(runtime.continuity.monotonic(), signed.user.user_id)
    log.warning("BCP mode declared by supervisor %s", signed.user.user_id)
    return str(signed.user.name)
