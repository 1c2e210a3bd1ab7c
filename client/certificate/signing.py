"""Signed QR payloads for certificates (Ed25519), pure computation.

A token is ``MDG1.<payload>.<signature>`` where ``payload`` is base64url (no padding) of a compact
JSON object and ``signature`` is base64url of the Ed25519 signature over the ASCII bytes
``MDG1.<payload>`` (the signing input, as in JWS). The payload keys are:

==  ==========================================================================
m   全国地方公共団体コード (municipality code)
n   発行番号 (issue number, without the page suffix)
t   certificate type (``CertificateType`` value)
s   subject reference: a short salted hash of the 宛名番号, never the name
i   issue time (ISO 8601, as in the content)
d   base64url(sha256(content.canonical_json())): digest of the printed content
k   key id of the signing key (municipality key online, terminal key in BCP)
==  ==========================================================================

Version 2 (``MDG2.<payload>.<signature>``, docs/trust.md) adds what a person can compare with the
paper without any database: ``p`` the printed persons as ``[[氏名, 生年月日], …]`` (at most
``V2_MAX_PERSONS``), ``pc`` the number of persons on the certificate and ``dt`` the 発行日 as
printed (和暦). Never the address or the 本籍 (支援措置: a QR read by a third party must not reveal
where a protected person lives). Version 1 tokens keep verifying.

No I/O, no clock reads: the server imports this module too.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from client.domain.model import CertificateContent

TOKEN_PREFIX = "MDG1"
TOKEN_PREFIX_V2 = "MDG2"
_PAYLOAD_KEYS = ("m", "n", "t", "s", "i", "d", "k")
_PAYLOAD_KEYS_V2 = (*_PAYLOAD_KEYS, "p", "pc", "dt")
V2_MAX_PERSONS = 4
_MAX_TOKEN_LENGTH = 2048


class SigningError(ValueError):
    """A key or content cannot be used for signing (wrong key length, missing issue number …)."""


# ---------------------------------------------------------------------------------------------
# Keys
# ---------------------------------------------------------------------------------------------


def generate_keypair() -> tuple[bytes, bytes]:
    """A new Ed25519 key pair as raw bytes: (32-byte private, 32-byte public)."""
    private = Ed25519PrivateKey.generate()
    return _raw_private(private), _raw_public(private.public_key())


def public_key_for(private_key: bytes) -> bytes:
    """The raw 32-byte public key of a raw 32-byte private key."""
    return _raw_public(_load_private(private_key).public_key())


def key_id_for(public_key: bytes) -> str:
    """A short stable id for a public key: lowercase hex of the first 8 bytes of its SHA-256."""
    if len(public_key) != 32:
        raise SigningError(f"an Ed25519 public key has 32 bytes, got {len(public_key)}")
    return hashlib.sha256(public_key).digest()[:8].hex()


def _load_private(private_key: bytes) -> Ed25519PrivateKey:
    if not isinstance(private_key, bytes | bytearray) or len(private_key) != 32:
        raise SigningError("an Ed25519 private key has 32 raw bytes")
    return Ed25519PrivateKey.from_private_bytes(bytes(private_key))


def _raw_private(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


# ---------------------------------------------------------------------------------------------
# Payload
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QrPayload:
    """The decoded (not yet verified) content of a QR token."""

    municipality_code: str  # m
    issue_number: str  # n
    cert_type: str  # t
    subject_ref: str  # s
    issued_at: str  # i (ISO 8601)
    digest: str  # d (base64url SHA-256 of the canonical content JSON)
    key_id: str  # k
    signing_input: bytes  # b"MDG1.<payload>"
    signature: bytes
    version: int = 1
    persons: tuple[tuple[str, str], ...] = ()  # v2 p: (氏名, 生年月日) as printed
    person_count: int = 0  # v2 pc
    issue_date_text: str = ""  # v2 dt: 発行日 as printed

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "municipality_code": self.municipality_code,
            "issue_number": self.issue_number,
            "cert_type": self.cert_type,
            "subject_ref": self.subject_ref,
            "issued_at": self.issued_at,
            "digest": self.digest,
            "key_id": self.key_id,
        }
        out["version"] = self.version
        if self.version >= 2:
            out["persons"] = [{"name": n, "birth": b} for n, b in self.persons]
            out["person_count"] = self.person_count
            out["issue_date_text"] = self.issue_date_text
        return out


class TokenFormatError(ValueError):
    """The token is not a well-formed MDG1 token."""


def _b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64d(text: str) -> bytes:
    if not text or any(c not in _B64URL_ALPHABET for c in text) or len(text) % 4 == 1:
        raise TokenFormatError("not base64url")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise TokenFormatError("not base64url") from exc
    if _b64e(raw) != text:  # non-canonical encodings (stray trailing bits) are rejected
        raise TokenFormatError("non-canonical base64url")
    return raw


_B64URL_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def content_digest(content: CertificateContent) -> str:
    """base64url(SHA-256(canonical JSON)) of a certificate's content (the ``d`` of the payload)."""
    return _b64e(hashlib.sha256(content.canonical_json()).digest())


def default_subject_ref(content: CertificateContent) -> str:
    """A subject reference that does not reveal the person: salted hash of the first 宛名番号.

    The salt is the municipality code and the issue number, so the same resident gets a different
    reference on every certificate and the reference cannot be looked up in a table of 宛名番号.
    """
    atena = content.persons[0].atena_no if content.persons else ""
    material = f"{content.municipality_code}|{content.issue_number}|{atena}".encode()
    return _b64e(hashlib.sha256(material).digest()[:9])


def sign_certificate(
    content: CertificateContent,
    private_key: bytes,
    key_id: str,
    *,
    subject_ref: str | None = None,
    version: int = 1,
) -> str:
    """Sign ``content`` and return the compact ASCII token printed as a QR code (``version`` 1 or 2)."""
    if not content.issue_number:
        raise SigningError("the content has no 発行番号 (issue_number) yet")
    if not key_id:
        raise SigningError("key_id is empty")
    key = _load_private(private_key)
    payload = {
        "m": content.municipality_code,
        "n": content.issue_number,
        "t": content.cert_type.value,
        "s": subject_ref if subject_ref is not None else default_subject_ref(content),
        "i": content.issued_at.isoformat(),
        "d": content_digest(content),
        "k": key_id,
    }
    if version == 2:
        payload.update(v2_fields(content))
    elif version != 1:
        raise SigningError(f"unknown token version {version}")
    prefix = TOKEN_PREFIX_V2 if version == 2 else TOKEN_PREFIX
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    signing_input = f"{prefix}.{_b64e(body)}".encode("ascii")
    return f"{signing_input.decode('ascii')}.{_b64e(key.sign(signing_input))}"


def v2_fields(content: CertificateContent) -> dict[str, Any]:
    """The v2 fields a reader compares with the paper: names, birth dates, count, 発行日."""
    return {
        "p": [[p.name, p.birth_text] for p in content.persons[:V2_MAX_PERSONS]],
        "pc": len(content.persons),
        "dt": content.issue_date_text,
    }


def decode_token(token: str) -> QrPayload:
    """Parse a token without checking its signature. Raises ``TokenFormatError``."""
    if not isinstance(token, str):
        raise TokenFormatError("the token is not text")
    token = token.strip()
    if len(token) > _MAX_TOKEN_LENGTH:
        raise TokenFormatError("the token is too long")
    parts = token.split(".")
    if len(parts) != 3 or parts[0] not in (TOKEN_PREFIX, TOKEN_PREFIX_V2):
        raise TokenFormatError(f"expected {TOKEN_PREFIX}|{TOKEN_PREFIX_V2}.<payload>.<signature>")
    version = 2 if parts[0] == TOKEN_PREFIX_V2 else 1
    body = _b64d(parts[1])
    signature = _b64d(parts[2])
    if len(signature) != 64:
        raise TokenFormatError("an Ed25519 signature has 64 bytes")
    try:
        data: Any = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TokenFormatError("the payload is not JSON") from exc
    expected = _PAYLOAD_KEYS_V2 if version == 2 else _PAYLOAD_KEYS
    if not isinstance(data, dict) or set(data) != set(expected):
        raise TokenFormatError(f"the payload keys are not {', '.join(expected)}")
    if not all(isinstance(data[k], str) for k in _PAYLOAD_KEYS):
        raise TokenFormatError("every payload value is text")
    persons: tuple[tuple[str, str], ...] = ()
    if version == 2:
        p, pc, dt = data["p"], data["pc"], data["dt"]
        if (not isinstance(p, list) or len(p) > V2_MAX_PERSONS
                or not all(isinstance(x, list) and len(x) == 2 and all(isinstance(y, str) for y in x) for x in p)):
            raise TokenFormatError("p is not a list of [name, birth] pairs")
        if isinstance(pc, bool) or not isinstance(pc, int) or pc < len(p) or not isinstance(dt, str):
            raise TokenFormatError("pc or dt has the wrong type")
        persons = tuple((x[0], x[1]) for x in p)
    return QrPayload(
        municipality_code=data["m"],
        issue_number=data["n"],
        cert_type=data["t"],
        subject_ref=data["s"],
        issued_at=data["i"],
        digest=data["d"],
        key_id=data["k"],
        signing_input=f"{parts[0]}.{parts[1]}".encode("ascii"),
        signature=signature,
        version=version,
        persons=persons,
        person_count=int(data["pc"]) if version == 2 else 0,
        issue_date_text=str(data["dt"]) if version == 2 else "",
    )


# ---------------------------------------------------------------------------------------------
# Verification
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """The result of verifying a token (and optionally the content it claims to sign)."""

    valid: bool
    reason_code: str  # ok | bad_format | unknown_key | bad_signature | digest_mismatch | content_mismatch
    message_ja: str
    message_en: str
    payload: QrPayload | None = None
    # what was not checked, for the reader: [{"code", "message_ja", "message_en"}] (e.g. seal_not_checked)
    notes: tuple[dict[str, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "reason_code": self.reason_code,
            "message_ja": self.message_ja,
            "message_en": self.message_en,
            "payload": self.payload.to_dict() if self.payload else None,
            "notes": list(self.notes),
        }


def _invalid(code: str, ja: str, en: str, payload: QrPayload | None = None) -> Verdict:
    return Verdict(False, code, ja, en, payload)


def _v2_of(payload: QrPayload) -> dict[str, Any]:
    return {"p": [list(x) for x in payload.persons], "pc": payload.person_count, "dt": payload.issue_date_text}


def verify_token(
    token: str,
    public_keys: dict[str, bytes],
    content: CertificateContent | None = None,
) -> Verdict:
    """Check a token's signature against the known public keys, and the content digest if given."""
    try:
        payload = decode_token(token)
    except TokenFormatError as exc:
        return _invalid(
            "bad_format",
            "QRコードの内容が証明書の署名データの形式ではありません。",
            f"The token is malformed: {exc}",
        )
    key = public_keys.get(payload.key_id)
    if key is None:
        return _invalid(
            "unknown_key",
            f"署名鍵（{payload.key_id}）が登録されていません。公開鍵を更新して再度確認してください。",
            f"Unknown signing key {payload.key_id!r}",
            payload,
        )
    try:
        Ed25519PublicKey.from_public_bytes(key).verify(payload.signature, payload.signing_input)
    except (InvalidSignature, ValueError):
        return _invalid(
            "bad_signature",
            "署名が一致しません。QRコードの内容が改ざんされているおそれがあります。",
            "The signature does not match the payload",
            payload,
        )
    if content is not None:
        if content_digest(content) != payload.digest:
            return _invalid(
                "digest_mismatch",
                "証明書の記載内容が署名された内容と一致しません。改ざんのおそれがあります。",
                "The certificate content does not match the signed digest",
                payload,
            )
        if (
            content.municipality_code != payload.municipality_code
            or content.issue_number != payload.issue_number
            or content.cert_type.value != payload.cert_type
            or (payload.version >= 2 and _v2_of(payload) != v2_fields(content))
        ):
            return _invalid(
                "content_mismatch",
                "証明書の発行番号・種類・市区町村が署名データと一致しません。",
                "Municipality, issue number or type differ between content and payload",
                payload,
            )
    return Verdict(
        True,
        "ok",
        "署名は有効です。" + ("記載内容も署名と一致しています。" if content is not None else ""),
        "The signature is valid" + (" and the content matches" if content is not None else ""),
        payload,
    )
