"""Connect the counter services to an enrolled terminal's continuity (BCP) runtime.

When the terminal is enrolled (``client.lifecycle.enrollment``), the lead's ``client.continuity.runtime.build_terminal``
registers the replica-backed ``bcp`` backend on the counter's router and runs the connectivity
state machine; this module feeds the counter's own online requests into that machine, keeps the
online client on the machine's active line, and reports (mode, replica as-of, pending count) to a
``publish`` callback (the UI's ModeBridge). Qt-free.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from client.services.counter import CounterService

log = logging.getLogger(__name__)

# (mode, replica as-of, issuances waiting to sync, BCP serials left on this terminal)
Publish = Callable[[str, datetime | None, int, "int | None"], None]


def attach_terminal(
    service: CounterService,
    config: Any,
    publish: Publish,
    *,
    keystore: Any = None,
    start: bool = True,
    on_confirmation_needed: Callable[[], None] | None = None,
    drill: bool = False,
    on_sync_back: Callable[[int, int], None] | None = None,
    on_holds: Callable[[int], None] | None = None,
) -> Any:
    """Wire the enrolled terminal in ``config.data_dir``; returns its runtime, or None if not enrolled.

    ``on_sync_back(pushed, conflicts)`` is told after each completed sync back (the recovery notice).
    ``on_holds(count)`` is told the emergency holds in force here (the banner), whenever they may
    have changed: one recorded here, one received from a peer, the banner's other figures.
    """
    from client.lifecycle.enrollment import Enrolment, NotEnrolledError

    data_dir = Path(config.data_dir)
    try:
        Enrolment.load(data_dir)
    except NotEnrolledError:
        log.info("terminal not enrolled in %s: online only", data_dir)
        return None
    from client.continuity.runtime import build_terminal

    runtime = build_terminal(
        data_dir,
        keystore=keystore,
        bcp_policy=config.bcp_policy,
        bcp_window_seconds=float(config.bcp_window_seconds),
        line_up_successes=int(getattr(config, "line_up_successes", 2)),
        line_steady_successes=int(getattr(config, "line_steady_successes", 3)),
        line_steady_seconds=float(getattr(config, "line_steady_seconds", 10.0)),
        probe_timeout_seconds=float(config.probe_timeout_seconds),
        interactive_timeout_seconds=float(config.interactive_timeout_seconds),
        ca_bundle=config.ca_bundle,
        router=service.router,
        drill=drill,  # 防災訓練: 見本 certificates, separate drill outbox, stays in BCP
    )

    def report(_event: object = None) -> None:
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

    service.pending_bcp = runtime.outbox.count_pending  # the day close refuses while these wait
    service.peer_group = runtime.peers  # emergency holds, the hall's BCP history (issue 18); None in a drill
    if runtime.peers is not None:
        runtime.peers.holds.listeners.append(report_holds)  # a hold a peer pushed here
    from client.continuity.line_memory import LineMemory

    runtime.machine.subscribe(LineMemory(data_dir, runtime.machine))  # the next run starts on the line that worked
    runtime.continuity.listeners.append(listener)
    # the banner's figures change without a mode change too: a BCP issuance, a scheduled pull
    service.change_listeners.append(lambda _what: report())
    runtime.upkeep_listeners.append(report)
    api = getattr(service.router.backend("online"), "api", None)
    if api is not None:
        api.on_line_event = runtime.continuity.on_request  # every counter request is a probe too
        api.on_line_attempt = runtime.continuity.on_attempt  # ... dated from when it was sent
        runtime.continuity.follow_active_endpoint(api)
    if start:
        runtime.start(probe_seconds=float(config.probe_interval_seconds),
                      pull_seconds=float(config.sync_interval_seconds))
    report()
    return runtime


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
