"""Build the counter object graph from the terminal configuration (shared by the GUI and the CLI)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from client.remote.line_timeouts import INTERACTIVE_TIMEOUT_SECONDS
from client.services.backend import BackendRouter, OnlineBackend
from client.services.counter import CounterService
from client.services.errors import ConfigurationError
from client.services.online_api import OnlineApi
from client.services.render_pool import ProcessRenderer

DEFAULT_TERMINAL_ID = "T01"


def _enrolment(data_dir: Path) -> Any:
    """The terminal's enrolment record (client.lifecycle.enrollment), or None when not enrolled."""
    try:
        from client.lifecycle.enrollment import Enrolment, NotEnrolledError
    except ImportError:
        return None
    try:
        return Enrolment.load(data_dir)
    except NotEnrolledError:
        return None


def build_counter_service(
    config: Any, *, out_dir: Path | None = None, timeout: float = 10.0, render_in_process: bool = False
) -> CounterService:
    """A CounterService for ``config`` (a ``client.lifecycle.config.ClientConfig``).

    ``render_in_process`` renders certificates in a separate process (the GUI: no GIL contention
    with the GUI thread). Online mode only; the lead registers the replica-backed backend on ``service.router`` for BCP.
    """
    data_dir = Path(getattr(config, "data_dir", None) or os.environ.get("MADOGUCHI_HOME", "."))
    _refuse_revoked(data_dir)
    enrolment = _enrolment(data_dir)
    # An enrolled terminal signs in as what it was enrolled as; until then the configuration says.
    municipality_code = enrolment.municipality_code if enrolment else getattr(config, "municipality_code", None)
    terminal_id = enrolment.terminal_id if enrolment else getattr(config, "terminal_id", None)
    server_url = getattr(config, "server_url", None) or (enrolment.server_url if enrolment else None)
    secondary_url = getattr(config, "secondary_url", None) or (enrolment.secondary_url if enrolment else None)
    if not server_url or not municipality_code:
        raise ConfigurationError(
            "サーバーのURLまたは団体コードが設定されていません。システム担当者に連絡してください。",
            "server_url and municipality_code must be configured (or the terminal enrolled)",
        )
    api = OnlineApi(
        [server_url, secondary_url or ""],
        ca_bundle=getattr(config, "ca_bundle", None),
        client_cert=getattr(config, "client_cert", None),
        timeout=timeout,
        interactive_timeout=float(getattr(config, "interactive_timeout_seconds", INTERACTIVE_TIMEOUT_SECONDS)),
    )
    if enrolment is not None:
        api.signer = _terminal_signer(data_dir, enrolment)
    return CounterService(
        BackendRouter(OnlineBackend(api)),
        municipality_code=municipality_code,
        terminal_id=terminal_id or DEFAULT_TERMINAL_ID,
        out_dir=out_dir or data_dir / "certificates",
        renderer=ProcessRenderer() if render_in_process else None,
        printer_id=_printer_id(data_dir),
    )


def _refuse_revoked(data_dir: Path) -> None:
    """A terminal the data centre revoked (and wiped) does not start the counter: say why (issue 15)."""
    from client.continuity.wipe import TerminalRevokedError, check_not_revoked

    try:
        check_not_revoked(data_dir)
    except TerminalRevokedError as exc:
        raise ConfigurationError(exc.message_ja, exc.message_en) from exc


def _terminal_signer(data_dir: Path, enrolment: Any) -> Any:
    """The enrolled terminal's request signer (issue 15: staff tokens bound to this terminal);
    None when its key cannot be read (the sign-in then goes unsigned, and the error is logged)."""
    import logging

    from client.local.keystore import KeyStore, LocalDataError
    from client.remote.terminal_auth import TerminalSigner

    try:
        key = KeyStore().terminal_private_key(data_dir)
    except LocalDataError as exc:
        logging.getLogger(__name__).error("terminal key unavailable, requests go unsigned: %s", exc.message_en)
        return None
    return TerminalSigner(enrolment.municipality_code, enrolment.terminal_id, key)


def _printer_id(data_dir: Path) -> str:
    """The terminal's printer id (printed in the 発行番号), as chosen in the printer settings."""
    from client.printing.printer_choice import PrinterChoiceError, load_printer_choice

    try:
        return load_printer_choice(data_dir).printer_id
    except PrinterChoiceError as exc:
        raise ConfigurationError(exc.message_ja, exc.message_en) from exc
