"""Client ↔ server over TLS with a CA generated here: verification, a wrong CA, client certificates."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pypdf import PdfReader

from client.domain.model import IdentityDocument
from client.services.errors import LineDownError
from client.services.issuance_form import IssuanceForm
from tests.conftest import REPO_ROOT, free_port
from tests.fixtures.counter_server import CLERK, make_service, pick_household_head


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _write_key(key: ec.EllipticCurvePrivateKey, path: Path) -> None:
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))


@dataclass
class Pki:
    ca: Path
    other_ca: Path
    server_cert: Path
    server_key: Path
    client_pem: Path  # client certificate and key in one PEM


def _ca(cn: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(_name(cn)).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                     content_commitment=False, key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _leaf(ca_key: Any, ca_cert: x509.Certificate, cn: str, *, server: bool) -> tuple[Any, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(ca_cert.subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage(
            [ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    )
    if server:
        builder = builder.add_extension(x509.SubjectAlternativeName(
            [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
    return key, builder.sign(ca_key, hashes.SHA256())


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    d = tmp_path_factory.mktemp("pki")
    ca_key, ca_cert = _ca("Madoguchi Test CA")
    _other_key, other_cert = _ca("Some Other CA")
    s_key, s_cert = _leaf(ca_key, ca_cert, "127.0.0.1", server=True)
    c_key, c_cert = _leaf(ca_key, ca_cert, "terminal T001", server=False)
    pki = Pki(d / "ca.pem", d / "other-ca.pem", d / "server.pem", d / "server.key", d / "client.pem")
    pki.ca.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    pki.other_ca.write_bytes(other_cert.public_bytes(serialization.Encoding.PEM))
    pki.server_cert.write_bytes(s_cert.public_bytes(serialization.Encoding.PEM))
    _write_key(s_key, pki.server_key)
    pki.client_pem.write_bytes(
        c_cert.public_bytes(serialization.Encoding.PEM)
        + c_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption())
    )
    return pki


_SERVE = """
import ssl, sys, uvicorn
from server_stub.app import create_app
db, port, cert, key, ca, require = sys.argv[1:7]
uvicorn.run(create_app(db), host="127.0.0.1", port=int(port), log_level="warning",
            ssl_certfile=cert, ssl_keyfile=key, ssl_ca_certs=ca,
            ssl_cert_reqs=ssl.CERT_REQUIRED if require == "1" else ssl.CERT_NONE)
"""


@dataclass
class TlsServer:
    proc: subprocess.Popen[bytes]
    url: str


def _start_tls(db_url: str, pki: Pki, log: Path, *, require_client_cert: bool) -> TlsServer:
    port = free_port()
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", _SERVE, db_url, str(port), str(pki.server_cert), str(pki.server_key),
             str(pki.ca), "1" if require_client_cert else "0"],
            stdout=out, stderr=subprocess.STDOUT, cwd=str(REPO_ROOT), env=dict(os.environ),
        )
    ctx = ssl.create_default_context(cafile=str(pki.ca))
    if require_client_cert:
        ctx.load_cert_chain(str(pki.client_pem))
    url = f"https://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(log.read_text(errors="replace"))
        try:
            if httpx.get(url + "/health", verify=ctx, timeout=1.0).status_code == 200:
                return TlsServer(proc, url)
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("TLS server did not start: " + log.read_text(errors="replace"))


@pytest.fixture
def tls_servers(seeded_db: str, pki: Pki, tmp_path: Path) -> Iterator[Any]:
    started: list[TlsServer] = []

    def start(require_client_cert: bool = False) -> TlsServer:
        server = _start_tls(seeded_db, pki, tmp_path / f"tls-{len(started)}.log",
                            require_client_cert=require_client_cert)
        started.append(server)
        return server

    yield start
    for s in started:
        s.proc.terminate()
        try:
            s.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            s.proc.kill()


@pytest.mark.parametrize("seeded_db", ["sqlite"], indirect=True)
def test_issue_over_verified_tls(tls_servers: Any, pki: Pki, seeded_db: str, tmp_path: Path) -> None:
    server = tls_servers()
    service = make_service(server.url, tmp_path / "out", ca_bundle=pki.ca)
    service.sign_in(*CLERK)
    picked = pick_household_head(seeded_db, min_members=1)
    assert picked.atena_no in {r.atena_no for r in service.search(picked.kana)}
    detail = service.resident(picked.atena_no)
    form = IssuanceForm(subject=detail.resident, household=detail.household)
    form.identity_document = IdentityDocument.PASSPORT
    outcome = service.issue(form.to_request())
    text = "".join("".join((p.extract_text() or "").split()) for p in PdfReader(str(outcome.pdf_paths[0])).pages)
    assert "".join(picked.name.split()) in text


@pytest.mark.parametrize("seeded_db", ["sqlite"], indirect=True)
def test_a_server_certificate_from_another_ca_is_refused(tls_servers: Any, pki: Pki, tmp_path: Path) -> None:
    server = tls_servers()
    for bundle in (pki.other_ca, None):  # the wrong CA, and the system store (which lacks the test CA)
        service = make_service(server.url, tmp_path, ca_bundle=bundle)
        with pytest.raises(LineDownError) as info:
            service.sign_in(*CLERK)
        assert "接続できません" in info.value.message_ja
        assert "CERTIFICATE_VERIFY_FAILED" in info.value.detail or "certificate" in info.value.detail.lower()


@pytest.mark.parametrize("seeded_db", ["sqlite"], indirect=True)
def test_client_certificate_when_the_server_requires_one(tls_servers: Any, pki: Pki, tmp_path: Path) -> None:
    server = tls_servers(require_client_cert=True)
    without = make_service(server.url, tmp_path, ca_bundle=pki.ca)
    with pytest.raises(LineDownError):
        without.sign_in(*CLERK)
    with_cert = make_service(server.url, tmp_path, ca_bundle=pki.ca, client_cert=pki.client_pem)
    assert with_cert.sign_in(*CLERK).user.user_id == "clerk1"
