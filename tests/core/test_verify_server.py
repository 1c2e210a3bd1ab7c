"""End to end with the real server: issue → render → QR scan → server verify → `madoguchi verify --server`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from client.cli import main
from client.domain.model import CertificateContent
from client.printing.forms import default_library
from client.printing.render import render_certificate
from server_stub.db import make_engine, make_sessionmaker
from server_stub.seed.demo import CITY, seed_demo
from server_stub.seed.generator import seed_residents
from tests.conftest import copy_sqlite
from tests.fixtures.pdftools import pdftoppm_png, pdftotext, zbar_decode

PASSWORD = {"clerk1": "clerk1pass", "supervisor1": "supervisor1pass"}


def _request(atena_no: str, **extra: Any) -> dict[str, Any]:
    return {
        "cert_type": "juminhyo",
        "subject_atena_no": atena_no,
        "requester": {"kind": "self", "name": "本人", "identity_document": "drivers_license"},
        "copies": 1,
        **extra,
    }


@pytest.fixture
def city_server(sqlite_template: Path, server_factory: Any, tmp_path: Path) -> tuple[str, list[str]]:
    url = copy_sqlite(sqlite_template, tmp_path / "server.db")
    engine = make_engine(url, pool_size=1)
    try:
        factory = make_sessionmaker(engine)
        seed_demo(factory, residents=0, seed=5)
        seed_residents(factory, CITY.code, 30, 5)
        from sqlalchemy import select

        from server_stub.models import Resident

        with factory() as s:
            heads = list(
                s.scalars(
                    select(Resident.atena_no)
                    .where(Resident.municipality_code == CITY.code, Resident.status == "resident")
                    .order_by(Resident.atena_no)
                    .limit(30)
                )
            )
    finally:
        engine.dispose()
    return server_factory(url).base_url, heads


def test_server_issued_certificates_render_scan_and_verify(
    city_server: tuple[str, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    base_url, atena_nos = city_server
    monkeypatch.setenv("MADOGUCHI_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MADOGUCHI_TOKEN", raising=False)
    with httpx.Client(base_url=base_url, timeout=30.0) as api:
        r = api.post(
            "/api/v1/auth/login",
            json={
                "municipality_code": CITY.code,
                "user_id": "clerk1",
                "password": PASSWORD["clerk1"],
                "terminal_id": "T001",
            },
        )
        assert r.status_code == 200, r.text
        token = r.json()["token"]
        api.headers["Authorization"] = f"Bearer {token}"

        issued: list[tuple[CertificateContent, str]] = []
        issuance_ids: list[str] = []
        for atena in atena_nos:
            if len(issued) >= 2:
                break
            layouts = [{}, {"whole_household": True, "layout": "renki", "items": ["head_relation"]}]
            body = _request(atena, **layouts[len(issued)])
            r = api.post("/api/v1/issuances", json={"request": body, "printer_id": "プリンタ007"})
            if r.status_code != 201:  # e.g. a resident the demo data blocks: take the next one
                continue
            issuance_ids.append(r.json()["issuance_id"])
            for cert in r.json()["certificates"]:
                issued.append((CertificateContent.from_dict(cert["content"]), cert["qr_token"]))
        assert len(issued) >= 2

        for n, (content, qr_token) in enumerate(issued):
            result = render_certificate(content, qr_token)
            pdf_path = tmp_path / f"cert{n}.pdf"
            pdf_path.write_bytes(result.pdf)
            text = pdftotext(result.pdf)
            assert "プリンタ007" in text and content.persons[0].name.split()[0] in text
            # the QR on the paper decodes and the server's verify endpoint accepts it
            box = default_library().for_content(content).qr
            png = pdftoppm_png(
                result.pdf,
                tmp_path / f"qr{n}.png",
                dpi=300,
                crop_mm=(box.x - 3, box.y - 3, box.size + 6, box.size + 6),
            )
            (scanned,) = zbar_decode(png)
            assert scanned == qr_token
            verdict = api.post("/api/v1/verify", json={"token": scanned}).json()
            assert verdict["valid"] is True, verdict

    first = tmp_path / "cert0.pdf"
    # the key list needs a staff token: without one (and no cache yet) it is a usage error
    assert main(["verify", str(first), "--server", base_url]) == 2
    assert "--token" in capsys.readouterr().err
    assert main(["verify", str(first), "--server", base_url, f"--token={token}", "--json"]) == 0
    capsys.readouterr()
    for n in range(len(issued)):
        assert main(["verify", str(tmp_path / f"cert{n}.pdf")]) == 0  # cached keys

    # a supervisor voids the first issuance: asked with --server, the certificate is no longer valid
    with httpx.Client(base_url=base_url, timeout=30.0) as sup:
        r = sup.post(
            "/api/v1/auth/login",
            json={
                "municipality_code": CITY.code,
                "user_id": "supervisor1",
                "password": PASSWORD["supervisor1"],
                "terminal_id": "T001",
            },
        )
        assert r.status_code == 200, r.text
        sup.headers["Authorization"] = f"Bearer {r.json()['token']}"
        r = sup.post(f"/api/v1/issuances/{issuance_ids[0]}/void", json={"reason": "誤発行"})
        assert r.status_code == 200, r.text
    capsys.readouterr()
    assert main(["verify", str(first), "--server", base_url, f"--token={token}", "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["reason_code"] == "voided" and "誤発行" in out["message_ja"]
    assert main(["verify", str(first)]) == 0  # offline, only the signature can be checked
