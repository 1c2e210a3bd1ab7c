"""Which requests get the short first try on the active line (client.remote.line_timeouts)."""

from __future__ import annotations

import httpx
import pytest

from client.remote.line_timeouts import ISSUANCE_WAIT_SECONDS, attempt_timeouts, is_interactive, may_resend

P, S = "https://dc1.example.jp", "https://dc2.example.jp"


@pytest.mark.parametrize(("method", "path", "interactive"), [
    ("GET", "/api/v1/residents/search", True),
    ("GET", "/api/v1/residents/123456789012", True),
    ("GET", "/health", True),
    ("GET", "/api/v1/municipality", True),
    ("GET", "/api/v1/issuances/abc/", True),  # one issuance, not the history list
    ("GET", "/api/v1/replica/snapshot", False),
    ("GET", "/api/v1/replica/changes", False),
    ("GET", "/api/v1/replica/checksum", False),
    ("GET", "/api/v1/bcp/conflicts", False),
    ("GET", "/api/v1/day-close", False),
    ("GET", "/api/v1/issuances/", False),  # the history list
    ("GET", "/api/v1/ops/sla", False),
    ("POST", "/api/v1/residents/search", False),
    # issue 20: the issuance carries an Idempotency-Key, the sign-in and the evaluation have no
    # lasting effect: they fail over like GETs (was False: the POST was never resent)
    ("POST", "/api/v1/issuances", True),
    ("POST", "/api/v1/auth/login", True),
    ("POST", "/api/v1/issuances/evaluate", True),
    ("POST", "/api/v1/issuances/abc/void", False),
    ("POST", "/api/v1/serials/lease", False),
])
def test_interactive_requests(method: str, path: str, interactive: bool) -> None:
    assert is_interactive(method, path) is interactive


def test_short_first_try_only_with_a_line_to_fall_back_on() -> None:
    short = attempt_timeouts("GET", "/api/v1/residents/search", [P, S], interactive_seconds=1.2, connect_seconds=3.0)
    assert isinstance(short[0], httpx.Timeout) and short[1] is httpx.USE_CLIENT_DEFAULT
    assert short[0].read == 1.2 and short[0].connect == 1.2
    # one line only, the other line known down, a bulk read, a POST, or the setting off: the long timeout
    for timeouts in (
        attempt_timeouts("GET", "/health", [P], interactive_seconds=1.2, connect_seconds=3.0),
        attempt_timeouts("GET", "/health", [S, P], interactive_seconds=1.2, connect_seconds=3.0,
                         line_up=lambda url: url != P),
        attempt_timeouts("GET", "/api/v1/replica/checksum", [P, S], interactive_seconds=1.2, connect_seconds=3.0),
        attempt_timeouts("POST", "/api/v1/serials/lease", [P, S], interactive_seconds=1.2, connect_seconds=3.0),
        attempt_timeouts("GET", "/health", [P, S], interactive_seconds=None, connect_seconds=3.0),
    ):
        assert all(t is httpx.USE_CLIENT_DEFAULT for t in timeouts)
    connect = attempt_timeouts("GET", "/health", [P, S], interactive_seconds=5.0, connect_seconds=2.0)[0]
    assert isinstance(connect, httpx.Timeout) and (connect.connect, connect.read) == (2.0, 5.0)


def test_resendable_posts_and_the_bounded_issuance_wait() -> None:
    assert may_resend("GET", "/api/v1/replica/snapshot") and may_resend("POST", "/api/v1/auth/login")
    assert not may_resend("POST", "/api/v1/bcp/issuances") and not may_resend("POST", "/api/v1/serials/lease")
    # the issuance: short first try when the other line may answer, and never the long default
    both = attempt_timeouts("POST", "/api/v1/issuances", [P, S], interactive_seconds=1.2, connect_seconds=3.0)
    assert isinstance(both[0], httpx.Timeout) and both[0].read == 1.2
    assert isinstance(both[1], httpx.Timeout) and both[1].read == ISSUANCE_WAIT_SECONDS
    alone = attempt_timeouts("POST", "/api/v1/issuances", [P], interactive_seconds=1.2, connect_seconds=3.0)
    assert isinstance(alone[0], httpx.Timeout) and alone[0].read == ISSUANCE_WAIT_SECONDS
