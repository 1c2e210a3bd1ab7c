"""A test certificate chain (root → intermediate → card data signer) made with ``cryptography``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Madoguchi Test J-LIS"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(subject: str, key: rsa.RSAPrivateKey, issuer: str, issuer_key: rsa.RSAPrivateKey, *, ca: bool,
          not_before: datetime, days: int) -> x509.Certificate:
    b = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(_name(issuer))
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(not_before).not_valid_after(not_before + timedelta(days=days))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    return b.sign(issuer_key, hashes.SHA256())


@dataclass
class TestChain:
    root: x509.Certificate
    intermediate: x509.Certificate
    signer_cert: x509.Certificate
    signer_key: rsa.RSAPrivateKey

    def sign(self, data: bytes) -> bytes:
        return self.signer_key.sign(data, padding.PKCS1v15(), hashes.SHA256())

    @property
    def signer_der(self) -> bytes:
        return self.signer_cert.public_bytes(serialization.Encoding.DER)

    def write(self, directory: Path) -> tuple[Path, Path]:
        directory.mkdir(parents=True, exist_ok=True)
        roots = directory / "card-roots.pem"
        inter = directory / "card-intermediates.pem"
        roots.write_bytes(self.root.public_bytes(serialization.Encoding.PEM))
        inter.write_bytes(self.intermediate.public_bytes(serialization.Encoding.PEM))
        return roots, inter


def make_chain(label: str = "") -> TestChain:
    now = datetime.now(UTC) - timedelta(days=1)
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    inter_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    signer_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root = _cert(f"Test Card Root{label}", root_key, f"Test Card Root{label}", root_key, ca=True,
                 not_before=now, days=3650)
    inter = _cert(f"Test Card Intermediate{label}", inter_key, f"Test Card Root{label}", root_key, ca=True,
                  not_before=now, days=1825)
    signer = _cert(f"Test Card Data Signer{label}", signer_key, f"Test Card Intermediate{label}", inter_key,
                   ca=False, not_before=now, days=365)
    return TestChain(root, inter, signer, signer_key)
