"""`madoguchi verify FILE.pdf`: real PDFs, real tampering, real HTTP for the published keys."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DecodedStreamObject, NameObject
from reportlab.pdfgen.canvas import Canvas

from client.certificate.public_keys import cache_path, keys_document
from client.certificate.signing import generate_keypair, key_id_for, sign_certificate
from client.cli import main
from client.domain.model import CertificateContent, Layout
from client.printing.embed import ATTACHMENT_NAME
from client.printing.qr import qr_image
from client.printing.render import render_certificate
from client.verification.verify_pdf import verify_pdf
from tests.fixtures.certificates import FIXED_KEYS, juminhyo, person, sign


def _pdf(content: CertificateContent | None = None) -> bytes:
    content = content or juminhyo()
    return render_certificate(content, sign(content)).pdf


def _rewrite_attachment(pdf: bytes, edit) -> bytes:  # type: ignore[no-untyped-def]
    """Apply ``edit`` to the embedded JSON (as a dict) and write the PDF back."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    names = writer._root_object["/Names"]["/EmbeddedFiles"]["/Names"]
    assert names[0] == ATTACHMENT_NAME
    stream = names[1].get_object()["/EF"]["/F"].get_object()
    data = json.loads(stream.get_data())
    edit(data)
    new = DecodedStreamObject()
    new.set_data(json.dumps(data, ensure_ascii=False, sort_keys=True).encode())
    new[NameObject("/Type")] = NameObject("/EmbeddedFile")
    names[1].get_object()["/EF"][NameObject("/F")] = writer._add_object(new)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_rendered_certificate_is_valid() -> None:
    content = juminhyo(layout=Layout.RENKI, persons=9, whole_household=True)
    verdict = verify_pdf(_pdf(content), FIXED_KEYS)
    assert verdict.valid, verdict
    assert verdict.reason_code == "ok"
    assert verdict.payload is not None and verdict.payload.issue_number == content.issue_number


def test_a_certificate_with_gaiji_outside_the_bmp_is_valid() -> None:
    content = replace(juminhyo(), persons=(person(0, name="𠮷田 﨑子"),), head_name="𠮷田 﨑子")
    verdict = verify_pdf(_pdf(content), FIXED_KEYS)
    assert verdict.valid, verdict


def test_a_training_sample_is_never_a_valid_certificate() -> None:
    verdict = verify_pdf(_pdf(juminhyo(training=True)), FIXED_KEYS)
    assert (verdict.valid, verdict.reason_code) == (False, "training_sample")
    assert "見本" in verdict.message_ja


def test_changed_token_is_invalid() -> None:
    def flip(data: dict) -> None:  # type: ignore[type-arg]
        t = data["token"]
        i = len(t) - 10
        data["token"] = t[:i] + ("A" if t[i] != "A" else "B") + t[i + 1 :]

    verdict = verify_pdf(_rewrite_attachment(_pdf(), flip), FIXED_KEYS)
    assert not verdict.valid
    assert verdict.reason_code in {"bad_signature", "bad_format"}


def test_changed_embedded_content_is_invalid() -> None:
    def rename(data: dict) -> None:  # type: ignore[type-arg]
        data["content"] = data["content"].replace("髙橋 一郎", "髙橋 二郎")

    verdict = verify_pdf(_rewrite_attachment(_pdf(), rename), FIXED_KEYS)
    assert (verdict.valid, verdict.reason_code) == (False, "digest_mismatch")
    assert "改ざん" in verdict.message_ja


def test_visible_text_that_differs_from_the_signed_content_is_invalid() -> None:
    """A PDF showing another name, carrying the (valid) data of the original certificate."""
    original = juminhyo()
    forged_view = replace(original, persons=(person(0, name="髙橋 二郎"),))
    donor = json.loads(PdfReader(io.BytesIO(_pdf(original))).attachments[ATTACHMENT_NAME][0].decode())

    def transplant(data: dict) -> None:  # type: ignore[type-arg]
        data.update(donor)

    verdict = verify_pdf(_rewrite_attachment(_pdf(forged_view), transplant), FIXED_KEYS)
    assert (verdict.valid, verdict.reason_code) == (False, "text_mismatch")
    assert "髙橋二郎" in verdict.message_ja and "髙橋一郎" in verdict.message_ja


def test_visible_text_check_without_the_same_form_installed() -> None:
    """Certificates printed with an older form version: the key items must still be present."""
    original = juminhyo()

    def older_form(data: dict) -> None:  # type: ignore[type-arg]
        data["form_digest"] = "0" * 64

    genuine = _rewrite_attachment(_pdf(original), older_form)
    assert verify_pdf(genuine, FIXED_KEYS).valid

    forged_view = replace(
        original,
        head_name="山田 二郎",
        persons=(person(0, name="山田 二郎", hittousha="山田 二郎"),),
    )
    donor = json.loads(PdfReader(io.BytesIO(_pdf(original))).attachments[ATTACHMENT_NAME][0].decode())

    def transplant(data: dict) -> None:  # type: ignore[type-arg]
        data.update(donor)
        older_form(data)

    verdict = verify_pdf(_rewrite_attachment(_pdf(forged_view), transplant), FIXED_KEYS)
    assert (verdict.valid, verdict.reason_code) == (False, "text_mismatch")
    assert "氏名「髙橋 一郎」" in verdict.message_ja


def test_replaced_qr_image_is_invalid() -> None:
    content = juminhyo()
    pdf = _pdf(content)
    other = sign_certificate(content, generate_keypair()[0], "0000000000000000", subject_ref="x" * 12)
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    xobjects = writer.pages[0]["/Resources"]["/XObject"]
    expected_size = qr_image(sign(content)).size
    replaced = False
    for key in list(xobjects):
        obj = xobjects[key].get_object()
        if (obj.get("/Width"), obj.get("/Height")) == expected_size and obj.get(
            "/ColorSpace"
        ) == "/DeviceGray":
            img = qr_image(other).resize(expected_size)
            new = DecodedStreamObject()
            new.set_data(img.tobytes())
            for k, v in obj.items():
                if k not in ("/Filter", "/Length", "/DecodeParms"):
                    new[NameObject(k)] = v
            xobjects[NameObject(key)] = writer._add_object(new)
            replaced = True
    assert replaced
    out = io.BytesIO()
    writer.write(out)
    verdict = verify_pdf(out.getvalue(), FIXED_KEYS)
    assert (verdict.valid, verdict.reason_code) == (False, "qr_mismatch")


def test_pdf_without_certificate_data_and_garbage() -> None:
    buf = io.BytesIO()
    c = Canvas(buf)
    c.drawString(100, 700, "hello")
    c.save()
    assert verify_pdf(buf.getvalue(), FIXED_KEYS).reason_code == "not_a_certificate"
    assert verify_pdf(b"not a pdf at all", FIXED_KEYS).reason_code == "not_a_certificate"
    assert verify_pdf(_pdf()[:2000], FIXED_KEYS).reason_code == "not_a_certificate"


def test_unknown_key() -> None:
    _, other_pub = generate_keypair()
    verdict = verify_pdf(_pdf(), {key_id_for(other_pub): other_pub})
    assert (verdict.valid, verdict.reason_code) == (False, "unknown_key")


# ---------------------------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    h = tmp_path / "home"
    monkeypatch.setenv("MADOGUCHI_HOME", str(h))
    return h


@pytest.fixture
def keys_file(tmp_path: Path) -> Path:
    p = tmp_path / "keys.json"
    p.write_text(json.dumps(keys_document(FIXED_KEYS)), encoding="utf-8")
    return p


@pytest.fixture
def cert_file(tmp_path: Path) -> Path:
    p = tmp_path / "cert.pdf"
    p.write_bytes(_pdf())
    return p


def test_cli_valid_and_json(
    home: Path, keys_file: Path, cert_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["verify", str(cert_file), "--keys", str(keys_file)]) == 0
    out = capsys.readouterr().out
    assert "有効 (VALID)" in out and "20261123 桜ヶ丘市 本庁1 プリンタ001 000011" in out
    assert main(["verify", str(cert_file), "--keys", str(keys_file), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (
        data["valid"] is True and data["reason_code"] == "ok" and data["payload"]["cert_type"] == "juminhyo"
    )


def test_cli_invalid_exit_1(
    home: Path, keys_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(
        _rewrite_attachment(_pdf(), lambda d: d.update(content=d["content"].replace("桜井", "桜田")))
    )
    assert main(["verify", str(bad), "--keys", str(keys_file), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["valid"] is False and data["reason_code"] == "digest_mismatch"


def test_cli_usage_errors_exit_2(home: Path, keys_file: Path, cert_file: Path, tmp_path: Path) -> None:
    assert main(["verify", str(tmp_path / "missing.pdf"), "--keys", str(keys_file)]) == 2
    assert main(["verify", str(cert_file)]) == 2  # no keys anywhere
    assert main(["verify", str(cert_file), "--keys", str(tmp_path / "nokeys.json")]) == 2
    with pytest.raises(SystemExit) as info:
        main(["verify"])
    assert info.value.code == 2
    with pytest.raises(SystemExit) as info:
        main(["verify", str(cert_file), "--keys", str(keys_file), "--server", "http://x"])
    assert info.value.code == 2


class _KeysHandler(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:  # noqa: N802
        if self.path != "/api/v1/keys":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def key_server() -> Iterator[str]:
    _KeysHandler.body = json.dumps(keys_document(FIXED_KEYS, {k: "139998" for k in FIXED_KEYS})).encode()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _KeysHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_cli_fetches_keys_from_the_server_and_caches_them(
    home: Path, key_server: str, cert_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["verify", str(cert_file), "--server", key_server]) == 0
    assert cache_path(home).exists()
    capsys.readouterr()
    # offline later: the cached keys are used
    assert main(["verify", str(cert_file)]) == 0
    # server gone: warns and falls back to the cache
    assert main(["verify", str(cert_file), "--server", "http://127.0.0.1:9"]) == 0
    assert "保存済みの公開鍵" in capsys.readouterr().err


def test_installed_entry_point(home: Path, keys_file: Path, cert_file: Path) -> None:
    exe = Path(sys.executable).with_name("madoguchi")
    args = [str(exe)] if exe.exists() else [sys.executable, "-m", "client.cli"]
    run = subprocess.run(
        [*args, "verify", str(cert_file), "--keys", str(keys_file)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert "有効" in run.stdout
