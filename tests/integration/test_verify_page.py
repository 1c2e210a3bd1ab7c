"""The public verifier page /verify in real Chromium: PDF, photo of the QR and pasted text,
decoding and Ed25519 in the browser, the trust list cached for offline use, and bad input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from client.certificate.signing import generate_keypair, key_id_for, sign_certificate
from client.domain.model import CertificateContent
from client.printing.qr import qr_image
from client.printing.render import render_certificate
from tests.fixtures.trust_pdf import edited_content_pdf, two_qr_pdf
from tests.integration.bcp_env import Terminal, juminhyo, now_utc, plain_subjects, terminal_env
from tests.integration.browser import chromium, open_verifier, verdict_of
from tests.integration.trust_env import init_trust


@pytest.fixture
def env(db_url: str, server_factory: Any, tmp_path: Path, memory_keyring: Any) -> Iterator[tuple[str, Any, Terminal]]:
    with terminal_env(db_url, server_factory, tmp_path, lease=10) as env:
        yield env


def _online(t: Terminal, atena: str) -> dict[str, Any]:
    body = t.remote.post("/api/v1/issuances", {"request": {
        "cert_type": "juminhyo", "subject_atena_no": atena,
        "requester": {"kind": "self", "name": "本人", "identity_document": "drivers_license"}, "copies": 1}})
    return body["certificates"][0]  # type: ignore[no-any-return]


def _photo(token: str, path: Path) -> Path:
    """A 'photo' of the QR: scaled, on a grey background, slightly rotated."""
    qr = qr_image(token).convert("RGB")
    canvas = Image.new("RGB", (qr.width + 300, qr.height + 300), (180, 180, 170))
    canvas.paste(qr, (150, 150))
    canvas.rotate(4, expand=True, fillcolor=(180, 180, 170)).resize(
        (int(canvas.width * 1.3), int(canvas.height * 1.3))).save(path, format="JPEG", quality=85)
    return path


def test_verifier_page_in_chromium(env, tmp_path: Path) -> None:
    db_url, server, t = env
    init_trust(db_url, tmp_path)
    a, b = plain_subjects(db_url, 2)
    online = _online(t, a)
    content = CertificateContent.from_dict(online["content"])
    pdf = tmp_path / "online.pdf"
    pdf.write_bytes(render_certificate(content, online["qr_token"]).pdf)
    t.lease(10)
    bcp = t.issuer.issue(juminhyo(b), user_id="clerk1", printer_id="P001", now=now_utc()).certificates[0]
    two = tmp_path / "two.pdf"
    two.write_bytes(two_qr_pdf(pdf.read_bytes(), bcp.qr_token))
    priv, pub = generate_keypair()
    foreign = sign_certificate(content, priv, key_id_for(pub), version=2)

    with chromium() as browser:
        context = browser.new_context(locale="ja-JP")
        page = open_verifier(context, server.base_url)
        assert "証明書の検証" in page.inner_text("h1") and "Certificate verification" in page.inner_text("h1")
        assert page.get_attribute("#trust-status", "data-source") == "server"

        v = verdict_of(page, file=str(pdf))
        assert (v["status"], v["reason"]) == ("valid", "ok"), v
        assert content.persons[0].name in v["text"] and content.persons[0].birth_text in v["text"]
        assert online["issue_number"] in v["text"] and "住民票の写し" in v["text"]
        assert content.address not in v["text"]

        v = verdict_of(page, file=str(_photo(online["qr_token"], tmp_path / "photo.jpg")))
        assert (v["status"], v["reason"]) == ("valid", "ok"), v
        v = verdict_of(page, text=bcp.qr_token)
        assert (v["status"], v["reason"]) == ("provisional", "bcp_unconfirmed"), v
        assert "BCP" in v["text"]

        bad = {
            "forged": (online["qr_token"][:-3] + ("AAA" if not online["qr_token"].endswith("AAA") else "BBB"),
                       "bad_signature"),
            "truncated": (online["qr_token"][:-12], "bad_format"),
            "re-encoded": (online["qr_token"] + "==", "bad_format"),
            "foreign": (foreign, "unknown_key"),
            "not ours": ("https://example.com/", "bad_format"),
        }
        for name, (text, reason) in bad.items():
            v = verdict_of(page, text=text)
            assert (v["status"], v["reason"]) == ("invalid", reason), (name, v)
        page.fill("#text", "")
        v = verdict_of(page, file=str(two))
        assert (v["status"], v["reason"]) == ("invalid", "multiple_qr"), v
        junk = tmp_path / "junk.pdf"
        junk.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 20)
        v = verdict_of(page, file=str(junk))
        assert v["status"] == "invalid" and v["reason"] == "not_a_certificate", v
        # a PDF whose embedded content was edited: the digest no longer matches
        edited = tmp_path / "edited.pdf"

        def _move(data: dict[str, Any]) -> None:
            data["content"] = data["content"].replace(content.persons[0].name, "別人 花子", 1)

        edited.write_bytes(edited_content_pdf(pdf.read_bytes(), _move))
        v = verdict_of(page, file=str(edited))
        assert (v["status"], v["reason"]) == ("invalid", "digest_mismatch"), v

        # sync back: after a reload the page shows the data centre's confirmation
        t.pusher().push(now_utc)
        page.reload()
        page.wait_for_selector("body[data-ready='1']")
        v = verdict_of(page, text=bcp.qr_token)
        assert (v["status"], v["reason"]) == ("valid", "bcp_confirmed"), v
        assert "データセンター" in v["text"]

        # offline after the first visit: the service worker serves the page, the list comes from the cache
        page.wait_for_function("navigator.serviceWorker.controller !== null || navigator.serviceWorker.ready",
                               timeout=20_000)
        page.reload()
        page.wait_for_selector("body[data-ready='1']")
        context.set_offline(True)
        page.reload()
        page.wait_for_selector("body[data-ready='1']", timeout=20_000)
        assert page.get_attribute("#trust-status", "data-source") == "cache"
        v = verdict_of(page, text=online["qr_token"])
        assert (v["status"], v["reason"]) == ("valid", "ok"), v
        context.set_offline(False)

        # the verifier's clock 2 and 8 days later: stale warning, then "cannot confirm"
        later = context.new_page()
        later.clock.install(time=now_utc() + timedelta(days=2))
        later.goto(f"{server.base_url}/verify")
        later.wait_for_selector("body[data-ready='1']")
        v = verdict_of(later, text=online["qr_token"])
        assert v["status"] == "valid" and "時間前" in v["text"], v
        later.close()
        later = context.new_page()
        later.clock.install(time=now_utc() + timedelta(days=8))
        later.goto(f"{server.base_url}/verify")
        later.wait_for_selector("body[data-ready='1']")
        v = verdict_of(later, text=online["qr_token"])
        assert (v["status"], v["reason"]) == ("cannot_confirm", "trust_list_expired"), v
        later.close()
        context.close()

        # a trust list with a bad signature (a fresh browser profile, the list answered by a forger)
        context = browser.new_context()
        real = __import__("httpx").get(f"{server.base_url}/trust/v1/list").content
        outer = json.loads(real)
        outer["sig"] = ("A" if outer["sig"][0] != "A" else "B") + outer["sig"][1:]
        context.route("**/trust/v1/list", lambda route: route.fulfill(
            status=200, content_type="application/json", body=json.dumps(outer)))
        page = open_verifier(context, server.base_url)
        assert "信頼リスト" in page.inner_text("#trust-status")
        v = verdict_of(page, text=online["qr_token"])
        assert (v["status"], v["reason"]) == ("invalid", "trust_list_bad_signature"), v
        context.close()
