"""Build the counter object graph from the terminal configuration (shared by the GUI and the CLI)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from client.services.backend import BackendRouter, OnlineBackend
from client.services.counter import CounterService
from client.services.errors import ConfigurationError
from client.services.online_api import OnlineApi
from client.services.render_pool import ProcessRenderer

DEFAULT_TERMINAL_ID = "T01"


def build_counter_service(
    config: Any, *, out_dir: Path | None = None, timeout: float = 10.0, render_in_process: bool = False
) -> CounterService:
    """A CounterService for ``config`` (a ``client.config_source.ClientConfig``).

    ``render_in_process`` renders certificates in a separate process (the GUI: no GIL contention
    with the GUI thread). Online mode only; the lead registers the replica-backed backend on ``service.router`` for BCP.
    """
    if not getattr(config, "server_url", None) or not getattr(config, "municipality_code", None):
        raise ConfigurationError(
            "サーバーのURLまたは団体コードが設定されていません。システム担当者に連絡してください。",
            "server_url and municipality_code must be configured",
        )
    api = OnlineApi(
        [config.server_url, getattr(config, "secondary_url", None) or ""],
        ca_bundle=getattr(config, "ca_bundle", None),
        client_cert=getattr(config, "client_cert", None),
        timeout=timeout,
    )
    data_dir = Path(getattr(config, "data_dir", None) or os.environ.get("MADOGUCHI_HOME", "."))
    return CounterService(
        BackendRouter(OnlineBackend(api)),
        municipality_code=config.municipality_code,
        terminal_id=getattr(config, "terminal_id", None) or DEFAULT_TERMINAL_ID,
        out_dir=out_dir or data_dir / "certificates",
        renderer=ProcessRenderer() if render_in_process else None,
    )
