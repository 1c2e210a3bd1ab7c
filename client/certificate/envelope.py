"""Signed envelopes and key certificates (pure computation).

An envelope is ``{"payload": base64url(bytes), "sig": base64url(Ed25519(bytes)), "kid": signer}``:
the signature covers the exact payload bytes (UTF-8 JSON), so no canonical-JSON rule has to be
shared between Python and the browser. A key certificate is an envelope whose payload is::

    {"type": "key-certificate", "kid", "pub", "role": "service"|"municipality"|"terminal",
     "m": 全国地方公共団体コード | "", "terminal_id": "" | …, "name": "…",
     "nbf": ISO 8601, "exp": ISO 8601, "iat": ISO 8601, "iss": issuer key id}

``nbf``..``exp`` is the signing period: a certificate signed by the key verifies when its issue
time falls inside it, whatever the date of verification (old certificates keep verifying).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from client.certificate.signing import key_id_for, public_key_for

ROLES = ("service", "municipality", "terminal")


class EnvelopeError(ValueError):
    """An envelope or key certificate is malformed or its signature does not verify."""

    def __init__(self, code: str, message_ja: str, message_en: str) -> None:
        super().__init__(message_en)
        self.code = code
        self.message_ja = message_ja
        self.message_en = message_en


def b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64d(text: Any) -> bytes:
    if not isinstance(text, str):
        raise EnvelopeError("malformed", "署名データの形式が正しくありません。", "expected base64url text")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise EnvelopeError("malformed", "署名データの形式が正しくありません。", "not base64url") from exc


def dumps(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def seal(private_key: bytes, payload: Any) -> dict[str, str]:
    """An envelope of ``payload`` (JSON) signed with ``private_key``."""
    body = dumps(payload)
    signature = Ed25519PrivateKey.from_private_bytes(private_key).sign(body)
    return {"payload": b64e(body), "sig": b64e(signature), "kid": key_id_for(public_key_for(private_key))}


def open_envelope(envelope: Any, public_key: bytes) -> Any:
    """The payload of ``envelope`` when its signature verifies with ``public_key``."""
    if not isinstance(envelope, dict) or not isinstance(envelope.get("payload"), str):
        raise EnvelopeError("malformed", "署名データの形式が正しくありません。", "not an envelope")
    body = b64d(envelope["payload"])
    signature = b64d(envelope.get("sig"))
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, body)
    except (InvalidSignature, ValueError) as exc:
        raise EnvelopeError("bad_signature", "署名が一致しません。", "the envelope signature does not verify") from exc
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EnvelopeError("malformed", "署名データの形式が正しくありません。", "payload is not JSON") from exc


def parse_time(value: Any) -> datetime:
    if not isinstance(value, str):
        raise EnvelopeError("malformed", "日時の形式が正しくありません。", f"not a time: {value!r}")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise EnvelopeError("malformed", "日時の形式が正しくありません。", f"not a time: {value!r}") from exc
    if parsed.tzinfo is None:
        raise EnvelopeError("malformed", "日時にタイムゾーンがありません。", f"time without zone: {value!r}")
    return parsed


@dataclass(frozen=True)
class KeyCertificate:
    """A public key certified by an issuer key for a signing period."""

    kid: str
    public_key: bytes
    role: str
    municipality_code: str
    terminal_id: str
    name: str
    not_before: datetime
    not_after: datetime
    issued_at: datetime
    issuer: str
    envelope: dict[str, str]

    def covers(self, when: datetime) -> bool:
        return self.not_before <= when <= self.not_after


def certify(
    issuer_private: bytes,
    public_key: bytes,
    *,
    role: str,
    municipality_code: str = "",
    terminal_id: str = "",
    name: str = "",
    not_before: datetime,
    not_after: datetime,
    issued_at: datetime,
) -> dict[str, str]:
    """A key certificate envelope for ``public_key``, signed by ``issuer_private``."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    if not_after < not_before:
        raise ValueError("the signing period ends before it begins")
    return seal(issuer_private, {
        "type": "key-certificate",
        "kid": key_id_for(public_key),
        "pub": b64e(public_key),
        "role": role,
        "m": municipality_code,
        "terminal_id": terminal_id,
        "name": name,
        "nbf": not_before.isoformat(),
        "exp": not_after.isoformat(),
        "iat": issued_at.isoformat(),
        "iss": key_id_for(public_key_for(issuer_private)),
    })


def read_certificate(envelope: Any, issuer_public: bytes) -> KeyCertificate:
    """Check a key certificate against its issuer's public key."""
    data = open_envelope(envelope, issuer_public)
    if not isinstance(data, dict) or data.get("type") != "key-certificate":
        raise EnvelopeError("malformed", "鍵証明書の形式が正しくありません。", "not a key certificate")
    try:
        public_key = b64d(data["pub"])
        cert = KeyCertificate(
            kid=str(data["kid"]), public_key=public_key, role=str(data["role"]),
            municipality_code=str(data["m"]), terminal_id=str(data["terminal_id"]), name=str(data["name"]),
            not_before=parse_time(data["nbf"]), not_after=parse_time(data["exp"]), issued_at=parse_time(data["iat"]),
            issuer=str(data["iss"]), envelope=envelope,
        )
    except KeyError as exc:
        raise EnvelopeError("malformed", "鍵証明書の項目が足りません。", f"missing {exc}") from exc
    if len(public_key) != 32 or key_id_for(public_key) != cert.kid or cert.role not in ROLES:
        raise EnvelopeError("malformed", "鍵証明書の鍵と鍵IDが一致しません。", f"key {cert.kid!r} does not match")
    if cert.issuer != key_id_for(issuer_public):
        raise EnvelopeError("bad_signature", "鍵証明書の発行者が一致しません。", "issuer mismatch")
    return cert
