"""How long a request may wait on the active line before the other line is tried (DESIGN.md §6).

A silent line (half-open: the connection is accepted, no answer ever comes) is only noticed by a
timeout. A clerk waiting on a search or a resident's detail should not wait for the long request
timeout, nor for the health prober: an *interactive* GET gets a short timeout on the active line
and, when it runs out, is sent at once on the other line with the client's normal timeout (the
line failure is reported to the connectivity machine, which moves the active endpoint).

Bulk GETs (replica pages and checksum, sync back, reports) keep the long timeout: a big answer on
a slow but live line must not be cut off. Interactive POSTs that are safe to send twice are
treated like interactive GETs: the sign-in and the dry-run evaluation (no effect but a session or
a log line) and the issuance, which carries an ``Idempotency-Key`` the server dedupes by. Every
other POST is never resent on another line after it may have reached the server. The issuance's
wait on a silent line is bounded (``ISSUANCE_WAIT_SECONDS``) even when no other line can take it.

Used by the one data-centre client, ``client.remote.http.DataCentreClient`` (the terminal's sync,
and the counter through ``client.services.online_api.OnlineApi``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import httpx
from httpx._client import UseClientDefault

INTERACTIVE_TIMEOUT_SECONDS = 1.2  # ClientConfig.interactive_timeout_seconds
ISSUANCE_WAIT_SECONDS = 5.0  # the longest an issuance POST waits on one line for its answer
IDEMPOTENCY_HEADER = "Idempotency-Key"
ISSUANCE_PATH = "/api/v1/issuances"

# POSTs a clerk waits on that may be sent again on the other line (see the module docstring).
_RESENDABLE_POSTS = frozenset({"/api/v1/auth/login", "/api/v1/issuances/evaluate", ISSUANCE_PATH})

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


def _plain(path: str) -> str:
    return path.split("?", 1)[0].rstrip("/") or "/"


def may_resend(method: str, path: str) -> bool:
    """Safe to send again on another line after it may have reached the server."""
    method = method.upper()
    return method == "GET" or (method == "POST" and _plain(path) in _RESENDABLE_POSTS)


def is_interactive(method: str, path: str) -> bool:
    """A request a clerk waits on that may be resent: a GET that is not a bulk read, or a
    resendable POST (sign-in, evaluation, issuance)."""
    method = method.upper()
    if method == "POST":
        return may_resend(method, path)
    if method != "GET":
        return False
    path = _plain(path)
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
    if method.upper() == "POST" and _plain(path) == ISSUANCE_PATH:
        timeouts = [httpx.Timeout(ISSUANCE_WAIT_SECONDS, connect=connect_seconds)] * len(order)
    if (
        interactive_seconds is not None
        and len(order) > 1
        and is_interactive(method, path)
        and any(line_up is None or line_up(base) for base in order[1:])
    ):
        timeouts[0] = httpx.Timeout(interactive_seconds, connect=min(connect_seconds, interactive_seconds))
    return timeouts
