"""The card's signature over what was read, checked against a configured certificate chain.

The card holds the certificate of the key that signed its 券面 data (EF 0004 of each AP). That
certificate must chain, through the configured intermediates, to one of the configured roots
(PEM files IT installs; see docs/card.md), be valid today and carry a signature that covers
exactly the bytes read. In tests the chain is generated with ``cryptography``.

Signed data (the scheme Madoguchi verifies; docs/card.md):
- 券面事項入力補助AP: EF 0003 = FF30 {DF31 SHA-256(EF 0001), DF32 SHA-256(EF 0002), DF33 signature};
  DF32 must equal the digest of the 4情報 bytes read, and DF33 is RSA PKCS#1 v1.5 / SHA-256 over
  DF31 ‖ DF32. The 個人番号 (EF 0001) is never read: its digest is taken as signed.
- 券面事項確認AP: DF28 is RSA PKCS#1 v1.5 / SHA-256 over every other TLV of EF 0002, in card order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from client.card.errors import CardDataError, SignatureError, TrustConfigurationError


def _verify_with(public_key: object, signature: bytes, data: bytes) -> None:
    alg = hashes.SHA256()
    if isinstance(public_key, rsa.RSAPublicKey):
        public_key.verify(signature, data, padding.PKCS1v15(), alg)
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        public_key.verify(signature, data, ec.ECDSA(alg))
    else:
        raise InvalidSignature("unsupported key type")


@dataclass(frozen=True)
class TrustStore:
    """Roots (trust anchors) and intermediates for the card's data-signing certificate."""

    roots: tuple[x509.Certificate, ...]
    intermediates: tuple[x509.Certificate, ...] = ()

    @classmethod
    def from_pem(cls, roots_pem: bytes, intermediates_pem: bytes = b"") -> TrustStore:
        try:
            roots = tuple(x509.load_pem_x509_certificates(roots_pem)) if roots_pem.strip() else ()
            inter = tuple(x509.load_pem_x509_certificates(intermediates_pem)) if intermediates_pem.strip() else ()
        except ValueError as exc:
            raise TrustConfigurationError(message_en=f"card trust PEM unreadable: {exc}") from exc
        if not roots:
            raise TrustConfigurationError()
        return cls(roots, inter)

    @classmethod
    def from_files(cls, roots: Path, intermediates: Path | None = None) -> TrustStore:
        try:
            r = roots.read_bytes()
            i = intermediates.read_bytes() if intermediates is not None and intermediates.is_file() else b""
        except OSError as exc:
            raise TrustConfigurationError(message_en=f"card trust file: {exc}") from exc
        return cls.from_pem(r, i)

    def verify_chain(self, leaf_der: bytes, now: datetime | None = None) -> x509.Certificate:
        """The card's certificate, once it chains to a root and every link is valid at ``now``."""
        now = now or datetime.now(UTC)
        try:
            leaf = x509.load_der_x509_certificate(leaf_der)
        except ValueError as exc:
            raise SignatureError(message_en=f"card certificate unreadable: {exc}") from exc
        pool = list(self.intermediates) + list(self.roots)
        root_fps = {r.fingerprint(_sha256()) for r in self.roots}
        cert = leaf
        for _depth in range(6):
            _check_validity(cert, now)
            if cert.fingerprint(_sha256()) in root_fps:
                return leaf
            issuer = _find_issuer(cert, pool)
            if issuer is None:
                raise SignatureError(message_en=f"card certificate {cert.subject.rfc4514_string()} does not chain "
                                                f"to a configured root")
            if issuer is not cert:
                _check_ca(issuer)
            cert = issuer
        raise SignatureError(message_en="card certificate chain too long")


def _sha256() -> hashes.HashAlgorithm:
    return hashes.SHA256()


def _check_validity(cert: x509.Certificate, now: datetime) -> None:
    if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        raise SignatureError(message_en=f"certificate {cert.subject.rfc4514_string()} not valid at {now:%Y-%m-%d}")


def _check_ca(cert: x509.Certificate) -> None:
    try:
        bc = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound as exc:
        raise SignatureError(message_en=f"issuer {cert.subject.rfc4514_string()} is not a CA") from exc
    if not bc.ca:
        raise SignatureError(message_en=f"issuer {cert.subject.rfc4514_string()} is not a CA")


def _find_issuer(cert: x509.Certificate, pool: Iterable[x509.Certificate]) -> x509.Certificate | None:
    for candidate in pool:
        if candidate.subject != cert.issuer:
            continue
        try:
            cert.verify_directly_issued_by(candidate)
        except (ValueError, TypeError, InvalidSignature):
            continue
        return candidate
    return None


def verify_data(cert: x509.Certificate, signature: bytes, data: bytes) -> None:
    try:
        _verify_with(cert.public_key(), signature, data)
    except (InvalidSignature, ValueError) as exc:
        raise SignatureError(message_en="card data signature invalid") from exc


def verify_text_signature(cert: x509.Certificate, attrs_raw: bytes, digest_number: bytes,
                          digest_attrs: bytes, signature: bytes) -> None:
    if len(digest_number) != 32 or len(digest_attrs) != 32:
        raise CardDataError(message_en="text AP signature EF: digests must be SHA-256")
    if hashlib.sha256(attrs_raw).digest() != digest_attrs:
        raise SignatureError(message_en="4情報 digest does not match what was read")
    verify_data(cert, signature, digest_number + digest_attrs)
