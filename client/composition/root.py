"""The one composition root: ``build(config, *, keystore, clock, …)`` constructs the whole terminal.

Every part gets its dependencies when it is constructed, nothing is patched on afterwards:

1. the counter's ``BackendRouter``;
2. on an enrolled terminal, its continuity runtime (``client.continuity.assembly.build_terminal``:
   replica, outbox, BCP backend on the router, connectivity machine, orchestrator, the terminal's
   own data-centre client built with the machine's hooks) and the banner's listeners
   (``terminal_link.attach_terminal``);
3. the counter's online client (``OnlineApi``: the one data-centre client) signed as the terminal
   and built with the machine's hooks — every counter request is a probe too — and the online
   backend registered on the router;
4. the ``CounterService`` with the runtime's pending count (the day close refuses while BCP
   issuances wait) and the banner's change listener;
5. the runtime's one scheduler (probes, replica pull, nightly checksum), when ``start``.

The UI (``client.ui.app.run_gui``), the CLI (``client.composition.routing.CliCounter``) and the
demo call it; ``publish`` and the other callbacks are where the UI's bridges plug in.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from client.composition.terminal_link import Publish, TerminalLink, attach_terminal, confirm_bcp
from client.lifecycle.config import ClientConfig
from client.services.backend import BackendRouter, OnlineBackend
from client.services.counter import CounterService
from client.services.errors import ConfigurationError
from client.services.online_api import OnlineApi
from client.services.render_pool import ProcessRenderer

log = logging.getLogger(__name__)

DEFAULT_TERMINAL_ID = "T01"


def _no_publish(*_args: object) -> None:
    return None


@dataclass
class Counter:
    """The built terminal: the counter service and, on an enrolled terminal, its runtime."""

    config: ClientConfig
    service: CounterService
    runtime: Any = None  # client.continuity.runtime.TerminalRuntime; None when not enrolled
    link: TerminalLink | None = None

    def report(self) -> None:
        """Publish the banner's figures now (mode, replica as-of, pending, serials)."""
        if self.link is not None:
            self.link.report()

    def confirm_bcp(self, user_id: str, password: str) -> str:
        """A supervisor declares BCP mode (``confirm`` policy), checked offline against the replica."""
        if self.runtime is None:
            raise ConfigurationError("この端末は登録されていないため、BCPモードは使えません。",
                                     "BCP mode needs an enrolled terminal")
        return confirm_bcp(self.service, self.runtime, user_id, password)

    def bcp_evidence(self) -> dict[str, Any]:
        """What the lines said (the ``confirm`` policy's evidence); empty when not enrolled."""
        return dict(self.runtime.continuity.evidence()) if self.runtime is not None else {}

    def close(self) -> None:
        if self.runtime is not None:
            self.runtime.close()
        self.service.close()


def build(
    config: ClientConfig,
    *,
    keystore: Any = None,
    clock: Callable[[], datetime] | None = None,
    publish: Publish | None = None,
    on_confirmation_needed: Callable[[], None] | None = None,
    on_sync_back: Callable[[int, int], None] | None = None,
    on_standing: Callable[[dict[str, Any]], None] | None = None,
    on_wiped: Callable[[Any], None] | None = None,
    on_holds: Callable[[int], None] | None = None,
    on_terminal_error: Callable[[Exception], None] | None = None,
    drill: bool = False,
    start: bool = True,
    link_terminal: bool = True,
    out_dir: Path | None = None,
    timeout: float = 10.0,
    render_in_process: bool = False,
) -> Counter:
    """The whole terminal for ``config`` (a ``client.lifecycle.config.ClientConfig``).

    ``keystore``: the OS keyring wrapper (a ``client.local.keystore.KeyStore()`` when None);
    ``clock``: an aware wall clock for the counter and the runtime (their own defaults when None);
    ``publish``: the banner's callback (``ModeBridge.publish``); ``on_standing`` / ``on_wiped``:
    the terminal's standing and a wipe after revocation (issue 15, ``StandingBridge``);
    ``on_holds``: the emergency holds in force (issue 18, the banner's count); ``on_terminal_error``: when given,
    an enrolled terminal whose runtime cannot be built is reported there and the counter works
    online only (the window), otherwise the error is raised (the CLI). ``link_terminal=False``
    builds the online counter only. ``start``: run the runtime's scheduler; ``drill``: 防災訓練.
    ``render_in_process`` renders certificates in a separate process (the GUI: no GIL contention
    with the GUI thread).
    """
    data_dir = Path(config.data_dir or os.environ.get("MADOGUCHI_HOME", "."))
    _refuse_revoked(data_dir)
    enrolment = _enrolment(data_dir)
    # An enrolled terminal signs in as what it was enrolled as; until then the configuration says.
    municipality_code = enrolment.municipality_code if enrolment else config.municipality_code
    terminal_id = enrolment.terminal_id if enrolment else config.terminal_id
    server_url = config.server_url or (enrolment.server_url if enrolment else None)
    secondary_url = config.secondary_url or (enrolment.secondary_url if enrolment else None)
    if not server_url or not municipality_code:
        raise ConfigurationError(
            "サーバーのURLまたは団体コードが設定されていません。システム担当者に連絡してください。",
            "server_url and municipality_code must be configured (or the terminal enrolled)",
        )
    router = BackendRouter()
    link: TerminalLink | None = None
    if enrolment is not None and link_terminal:
        try:
            link = attach_terminal(router, config, publish or _no_publish, keystore=keystore, start=start,
                                   on_confirmation_needed=on_confirmation_needed, drill=drill,
                                   on_sync_back=on_sync_back, clock=clock, on_standing=on_standing,
                                   on_wiped=on_wiped, on_holds=on_holds)
        except Exception as exc:
            if on_terminal_error is None:
                raise
            log.error("terminal runtime not built, online only: %r", exc)
            on_terminal_error(exc)
            router = BackendRouter()  # nothing half-registered stays behind
    runtime = link.runtime if link is not None else None
    try:
        api = OnlineApi(
            [server_url, secondary_url or ""],
            ca_bundle=config.ca_bundle,
            client_cert=config.client_cert,
            timeout=timeout,
            interactive_timeout=config.interactive_timeout_seconds,
            signer=_terminal_signer(data_dir, enrolment, keystore) if enrolment is not None else None,
            # every counter request is a probe too, dated from when it was sent
            on_line_attempt=runtime.continuity.on_attempt if runtime is not None else None,
            line_up=runtime.machine.line_up if runtime is not None else None,
        )
        router.register("online", OnlineBackend(api))
        if runtime is not None:
            runtime.continuity.follow_active_endpoint(api)  # the counter's requests go to the machine's line
        service = CounterService(
            router,
            municipality_code=municipality_code,
            terminal_id=terminal_id or DEFAULT_TERMINAL_ID,
            out_dir=out_dir or data_dir / "certificates",
            renderer=ProcessRenderer() if render_in_process else None,
            printer_id=_printer_id(data_dir),
            pending_bcp=_pending(runtime) if runtime is not None else None,  # the day close waits
            # the banner's figures change without a mode change: a BCP issuance
            change_listeners=[lambda _what: link.report()] if link is not None else (),
            # emergency holds and the hall's BCP history (issue 18); None online-only or in a drill
            peer_group=runtime.peers if runtime is not None else None,
            **({"clock": clock} if clock is not None else {}),
        )
    except Exception:
        if runtime is not None:
            runtime.close()
        raise
    if link is not None:
        link.closed_listeners.append(service.sign_out)  # revoked: the clerk is signed out (issue 15)
    counter = Counter(config, service, runtime, link)
    if runtime is not None and start:
        runtime.start(probe_seconds=float(config.probe_interval_seconds),
                      pull_seconds=float(config.sync_interval_seconds))
    counter.report()
    return counter


def _pending(runtime: Any) -> Callable[[], int]:
    """The BCP issuances waiting to sync; none once the terminal was wiped (its outbox is closed:
    pushed, or kept for the next contact)."""
    return lambda: 0 if runtime.wiped is not None else int(runtime.outbox.count_pending())


def _enrolment(data_dir: Path) -> Any:
    """The terminal's enrolment record (client.lifecycle.enrollment), or None when not enrolled."""
    from client.lifecycle.enrollment import Enrolment, NotEnrolledError

    try:
        return Enrolment.load(data_dir)
    except NotEnrolledError:
        return None


def _refuse_revoked(data_dir: Path) -> None:
    """A terminal the data centre revoked (and wiped) does not start the counter: say why (issue 15)."""
    from client.continuity.wipe import TerminalRevokedError, check_not_revoked

    try:
        check_not_revoked(data_dir)
    except TerminalRevokedError as exc:
        raise ConfigurationError(exc.message_ja, exc.message_en) from exc


def _terminal_signer(data_dir: Path, enrolment: Any, keystore: Any) -> Any:
    """The enrolled terminal's request signer (issue 15: staff tokens bound to this terminal);
    None when its key cannot be read (the sign-in then goes unsigned, and the error is logged)."""
    from client.local.keystore import KeyStore, LocalDataError
    from client.remote.terminal_auth import TerminalSigner

    try:
        key = (keystore if keystore is not None else KeyStore()).terminal_private_key(data_dir)
    except LocalDataError as exc:
        log.error("terminal key unavailable, requests go unsigned: %s", exc.message_en)
        return None
    return TerminalSigner(enrolment.municipality_code, enrolment.terminal_id, key)


def _printer_id(data_dir: Path) -> str:
    """The terminal's printer id (printed in the 発行番号), as chosen in the printer settings."""
    from client.printing.printer_choice import PrinterChoiceError, load_printer_choice

    try:
        return load_printer_choice(data_dir).printer_id
    except PrinterChoiceError as exc:
        raise ConfigurationError(exc.message_ja, exc.message_en) from exc
