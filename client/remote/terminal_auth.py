"""Request signatures by the terminal's Ed25519 key.

An enrolled terminal signs every request it makes (the scheduled replica pull before sign-in,
``madoguchi sync``, serial leases, the outbox push, and alongside a staff token so the token
stays bound to this terminal): each request carries

* ``X-Madoguchi-Terminal: <municipality code>/<terminal id>``
* ``X-Madoguchi-Time: <unix seconds>``
* ``X-Madoguchi-Nonce: <32 hex digits, random per request>``
* ``X-Madoguchi-Content-SHA256: <hex SHA-256 of the exact body bytes sent>`` (empty body too)
* ``X-Madoguchi-Signature: base64(Ed25519(signing_input))``

with ``signing_input = "MDGT2\\n" + METHOD + "\\n" + path + "\\n" + sorted query + "\\n" + time
+ "\\n" + nonce + "\\n" + body digest``. The server checks the signature with the public key
registered at enrolment, a ±300 s window, the body digest against the body it received, and
remembers the nonce (in its database) for the window, so a request replayed within the window
is refused (``replayed_request``) and one whose body was swapped is refused (``body_mismatch``).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import Callable, Mapping
from urllib.parse import urlencode

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

HEADER_TERMINAL = "X-Madoguchi-Terminal"
HEADER_TIME = "X-Madoguchi-Time"
HEADER_SIGNATURE = "X-Madoguchi-Signature"
HEADER_NONCE = "X-Madoguchi-Nonce"
HEADER_CONTENT_SHA256 = "X-Madoguchi-Content-SHA256"
MAX_SKEW_SECONDS = 300
SIGNATURE_VERSION = "MDGT2"


def canonical_query(params: Mapping[str, object]) -> str:
    return urlencode(sorted((str(k), str(v)) for k, v in params.items() if v is not None))


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def signing_input(method: str, path: str, params: Mapping[str, object], timestamp: int,
                  nonce: str = "", content_sha256: str = "") -> bytes:
    return (f"{SIGNATURE_VERSION}\n{method.upper()}\n{path}\n{canonical_query(params)}\n{timestamp}\n"
            f"{nonce}\n{content_sha256 or body_digest(b'')}").encode()


class TerminalSigner:
    """Adds the terminal signature headers to a request."""

    def __init__(self, municipality_code: str, terminal_id: str, private_key: Ed25519PrivateKey,
                 clock: Callable[[], float] = time.time) -> None:
        self.municipality_code = municipality_code
        self.terminal_id = terminal_id
        self._key = private_key
        self._clock = clock

    def headers(self, method: str, path: str, params: Mapping[str, object], body: bytes = b"") -> dict[str, str]:
        ts = int(self._clock())
        nonce = secrets.token_hex(16)
        digest = body_digest(body)
        sig = self._key.sign(signing_input(method, path, params, ts, nonce, digest))
        return {
            HEADER_TERMINAL: f"{self.municipality_code}/{self.terminal_id}",
            HEADER_TIME: str(ts),
            HEADER_NONCE: nonce,
            HEADER_CONTENT_SHA256: digest,
            HEADER_SIGNATURE: base64.b64encode(sig).decode("ascii"),
        }
