"""Certificate rendering in a separate process, so a render never holds the UI process's GIL.

reportlab layout and font subsetting are CPU-bound Python; in a worker *thread* they compete
with the GUI thread for the GIL and stall it for 100 ms and more. A one-process pool, started
and warmed (fonts loaded) when the counter starts, keeps that work out of the UI process.
"""

from __future__ import annotations

import logging
import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from client.services.errors import RenderError

log = logging.getLogger(__name__)


def _warm() -> None:
    from client.printing.fonts import FontSet

    fonts = FontSet.default()
    fonts.font("mincho")
    fonts.font("gothic")


def _render(content: Any, qr_token: str) -> Any:
    """Runs in the child. Errors come back as plain tuples (exception classes may not unpickle)."""
    from client.printing.render import _fonts_or_default, render_certificate

    try:
        _fonts_or_default(None)
        return render_certificate(content, qr_token)
    except Exception as exc:  # noqa: BLE001 — reported to the parent as data
        return ("error", str(getattr(exc, "message_ja", "") or ""), str(getattr(exc, "message_en", "") or repr(exc)))


class ProcessRenderer:
    """A ``Renderer`` (content, qr_token) -> RenderResult backed by one spawned worker process."""

    def __init__(self, *, timeout: float = 60.0) -> None:
        self.timeout = timeout
        self._pool = ProcessPoolExecutor(
            max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_warm
        )
        self._warming: Future[None] = self._pool.submit(_warm)

    def __call__(self, content: Any, qr_token: str) -> Any:
        try:
            result = self._pool.submit(_render, content, qr_token).result(timeout=self.timeout)
        except Exception as exc:
            raise RenderError(message_en=f"render process failed: {exc!r}") from exc
        if isinstance(result, tuple) and result and result[0] == "error":
            raise RenderError(result[1], result[2])
        return result

    def wait_ready(self, timeout: float | None = None) -> None:
        """Block until the worker process has started and loaded the fonts."""
        self._warming.result(timeout=timeout)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
