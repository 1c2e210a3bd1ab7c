"""The online counter only: ``build_counter_service`` is ``root.build`` without the enrolled
terminal's runtime (tests and tools that need no BCP; the window, the CLI and the demo call
``client.composition.root.build``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from client.composition.root import DEFAULT_TERMINAL_ID, build
from client.services.counter import CounterService

__all__ = ["DEFAULT_TERMINAL_ID", "build_counter_service"]


def build_counter_service(
    config: Any, *, out_dir: Path | None = None, timeout: float = 10.0, render_in_process: bool = False,
    keystore: Any = None,
) -> CounterService:
    """A CounterService for ``config`` (a ``client.lifecycle.config.ClientConfig``), online mode only."""
    return build(config, keystore=keystore, link_terminal=False, start=False, out_dir=out_dir, timeout=timeout,
                 render_in_process=render_in_process).service
