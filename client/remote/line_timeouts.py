"""How long a request may wait on the active line before the other line is tried (DESIGN.md §6).

A silent line (half-open: the connection is accepted, no answer ever comes) is only noticed by a
timeout. A clerk waiting on a search or a resident's detail should not wait for the long request
timeout, nor for the health prober: an *interactive* GET gets a short timeout on the active line
and, when it runs out, is sent at once on the other line with the client's normal timeout (the
line failure is reported to the connectivity machine, which moves the active endpoint).

Bulk GETs (replica pages and checksum, sync back, reports) keep the long timeout: a big answer on
a slow but live line must not be cut off. POSTs keep it too and are never resent on another line
after they may have reached the server (issuance has no idempotency key).

Shared by both HTTP clients (``client.remote.http.DataCentreClient`` for the terminal's sync and
``client.services.online_api.OnlineApi`` for the counter).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import httpx
from httpx._client import UseClientDefault

INTERACTIVE_TIMEOUT_SECONDS = 1.2  # ClientConfig.interactive_timeout_seconds

# GETs that may legitimately take long: everything else a clerk waits on is interactive.
_BULK_PREFIXES = (
    "/api/v1/replica/",  # snapshot and change pages, checksum, partners (replica sync)
    "/api/v1/bcp/",  # sync back and conflict review
    "/api/v1/day-close",  # 日計表
    "/api/v1/access-log",
    "/api/v1/ops/",  # SLA reports
)
_BULK_PATHS = frozenset({"/api/v1/issuances"})  # the issuance history list (up to 1,000 rows)

Timeout = httpx.Timeout | UseClientDefault


def is_interactive(method: str, path: str) -> bool:
    """An idempotent request a clerk waits on: a GET that is not a bulk read."""
    if method.upper() != "GET":
        return False
    path = path.split("?", 1)[0].rstrip("/") or "/"
    return path not in _BULK_PATHS and not path.startswith(_BULK_PREFIXES)


def attempt_timeouts(
    method: str,
    path: str,
    order: Sequence[str],
    *,
    interactive_seconds: float | None,
    connect_seconds: float,
    line_up: Callable[[str], bool] | None = None,
) -> list[Timeout]:
    """The timeout of each attempt, one per base URL in ``order`` (the active line first).

    The first attempt of an interactive GET is short when another line could answer it: one
    that ``line_up`` (the connectivity machine's view; None = no view, assume up) does not know
    to be failing. Otherwise, and for every later attempt, the client's own timeout applies.
    """
    timeouts: list[Timeout] = [httpx.USE_CLIENT_DEFAULT] * len(order)
    if (
        interactive_seconds is not None
        and len(order) > 1
        and is_interactive(method, path)
        and any(line_up is None or line_up(base) for base in order[1:])
    ):
        timeouts[0] = httpx.Timeout(interactive_seconds, connect=min(connect_seconds, interactive_seconds))
    return timeouts
