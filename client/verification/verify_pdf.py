"""Verify a certificate PDF: signature, content digest, visible text and the printed QR code.

Checks, in order (the first failure is the verdict):

1. the PDF carries the embedded certificate data (``not_a_certificate``);
2. the token's Ed25519 signature with the published keys (``bad_format`` / ``unknown_key`` /
   ``bad_signature``);
3. SHA-256 of the embedded content equals the signed digest (``digest_mismatch``);
4. the content agrees with the payload (municipality, 発行番号, type) (``content_mismatch``);
5. the visible text is what the signed content renders to (``text_mismatch``): when the same form
   (same file digest) is installed, the content is rendered again and the text of every page must
   be identical; otherwise the names, address, 認証文 and 発行番号 must at least be present;
6. the QR image on each page encodes the same token (``qr_mismatch``);
7. no page shows a second, different QR code (``multiple_qr``; decoded with zbarimg when installed);
8. the 印影 and 電子公印 are the signed images at the signed places, with nothing drawn over them
   (``seal_tampered``, client/verification/seal_check.py); a certificate issued before the marks
   were signed verifies with the note ``seal_not_checked``;
9. a 見本 (training) certificate is never a valid certificate (``training_sample``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import replace

from client.certificate.signing import Verdict, verify_token
from client.domain.model import CertificateContent
from client.printing.embed import EmbeddedCertificate, EmbeddedDataError, read_certificate_pdf
from client.printing.qr import qr_image
from client.verification.seal_check import check_seals

_SPACE = re.compile(r"\s+")


def _squash(text: str) -> str:
    return _SPACE.sub("", text)


def _invalid(code: str, ja: str, en: str, verdict: Verdict | None = None) -> Verdict:
    return Verdict(False, code, ja, en, verdict.payload if verdict else None)


def verify_pdf(pdf: bytes, public_keys: dict[str, bytes]) -> Verdict:
    """Verify a certificate PDF against the known public keys."""
    try:
        embedded = read_certificate_pdf(pdf)
    except EmbeddedDataError as exc:
        return _invalid(
            "not_a_certificate",
            "このPDFには証明書の署名データがありません（窓口システムで発行された証明書ではないか、破損しています）。",
            f"No certificate data in the PDF: {exc}",
        )
    signature = verify_token(embedded.token, public_keys)
    if not signature.valid:
        return signature
    assert signature.payload is not None
    digest = base64.urlsafe_b64encode(hashlib.sha256(embedded.content_json).digest()).rstrip(b"=").decode()
    if digest != signature.payload.digest:
        return _invalid(
            "digest_mismatch",
            "証明書に埋め込まれた記載内容が署名された内容と一致しません。改ざんのおそれがあります。",
            "The embedded content does not match the signed digest",
            signature,
        )
    try:
        content = CertificateContent.from_dict(json.loads(embedded.content_json))
    except (ValueError, KeyError, TypeError) as exc:
        return _invalid(
            "bad_format",
            "証明書に埋め込まれた記載内容を読み取れません。",
            f"The embedded content cannot be parsed: {exc}",
            signature,
        )
    full = verify_token(embedded.token, public_keys, content)
    if not full.valid:
        return full
    missing = _text_differences(content, embedded)
    if missing:
        return _invalid(
            "text_mismatch",
            "印字された文字が署名された内容と一致しません（改ざんのおそれ）: " + "、".join(missing),
            "The visible text differs from the signed content: " + ", ".join(missing),
            full,
        )
    if not _qr_images_match(pdf, embedded.token, len(embedded.page_texts)):
        return _invalid(
            "qr_mismatch",
            "印字されたQRコードが証明書の署名データと一致しません。",
            "The printed QR code does not encode the embedded token",
            full,
        )
    others = _other_qr_codes(pdf, embedded.token)
    if others:
        return _invalid(
            "multiple_qr",
            "PDFに証明書のものではない別のQRコードがあります。どちらが正しいか確認できないため無効とします。",
            f"The PDF shows {len(others)} other QR code(s) besides the certificate's",
            full,
        )
    seal = check_seals(pdf, content.seal_marks, bool(content.seal_image_png or content.municipal_seal_png),
                       qr_image(embedded.token).convert("L").tobytes())
    if seal is not None and seal.code != "seal_not_checked":
        return _invalid(seal.code, seal.message_ja, seal.message_en, full)
    if seal is not None:
        full = replace(full, message_ja=full.message_ja + seal.message_ja, message_en=f"{full.message_en}; {seal.message_en}",
                       notes=({"code": seal.code, "message_ja": seal.message_ja, "message_en": seal.message_en},))
    if content.training:
        return _invalid(
            "training_sample",
            "研修用の「見本」です。正式な証明書ではありません。",
            "A training sample (見本), not a certificate",
            full,
        )
    return full


def embedded_token(pdf: bytes) -> str | None:
    """The QR token embedded in a certificate PDF, or None."""
    try:
        return read_certificate_pdf(pdf).token
    except EmbeddedDataError:
        return None


def _text_differences(content: CertificateContent, embedded: EmbeddedCertificate) -> list[str]:
    expected = _rendered_page_texts(content, embedded)
    if expected is None:
        return _missing_visible_text(content, embedded.page_texts)
    actual = [_squash(t) for t in embedded.page_texts]
    if len(expected) != len(actual):
        return [f"頁数（{len(actual)}頁、正しくは{len(expected)}頁）"]
    differences = []
    for number, (want, got) in enumerate(zip(expected, actual, strict=True), start=1):
        if want != got:
            i = next(
                (k for k, (a, b) in enumerate(zip(want, got, strict=False)) if a != b),
                min(len(want), len(got)),
            )
            differences.append(
                f"{number}頁目「…{got[max(0, i - 6) : i + 10]}…」（正しくは「…{want[max(0, i - 6) : i + 10]}…」）"
            )
    return differences


def _rendered_page_texts(content: CertificateContent, embedded: EmbeddedCertificate) -> list[str] | None:
    """The page texts the signed content renders to with the very same form, or None if unavailable."""
    import io

    from pypdf import PdfReader

    from client.printing.errors import RenderError
    from client.printing.forms import default_library
    from client.printing.render import render_certificate

    try:
        form = default_library().by_id(embedded.form_id)
        if form is None or not embedded.form_digest or form.digest != embedded.form_digest:
            return None
        pdf = render_certificate(content, embedded.token).pdf
    except RenderError:
        return None
    return [_squash(page.extract_text() or "") for page in PdfReader(io.BytesIO(pdf)).pages]


def _missing_visible_text(content: CertificateContent, page_texts: tuple[str, ...]) -> list[str]:
    """The items of the content that cannot be found in the extracted text of the pages."""
    pages = [_squash(t) for t in page_texts]
    whole = "".join(pages)
    missing: list[str] = []
    for person in content.persons:
        if _squash(person.name) not in whole:
            missing.append(f"氏名「{person.name}」")
    if _squash(content.certification_text) not in (pages[-1] if pages else ""):
        missing.append("認証文")
    if content.address and _squash(content.address) not in whole:
        missing.append("住所")
    number = _squash(content.issue_number)
    for i, page in enumerate(pages, start=1):
        if f"{number}{i}/{len(pages)}" not in page:
            missing.append(f"発行番号（{i}/{len(pages)}頁）")
    return missing


def _qr_images_match(pdf: bytes, token: str, pages: int) -> bool:
    """Every page shows exactly the QR image the token produces."""
    import io

    from pypdf import PdfReader

    expected = qr_image(token).convert("L")
    reader = PdfReader(io.BytesIO(pdf), strict=False)
    for page in reader.pages:
        found = False
        for image in page.images:
            try:
                pil = image.image
            except Exception:  # an undecodable image is simply not the QR code
                continue
            if pil is None or pil.size != expected.size:
                continue
            if pil.convert("L").tobytes() == expected.tobytes():
                found = True
                break
        if not found:
            return False
    return pages == len(reader.pages)


def _other_qr_codes(pdf: bytes, token: str) -> list[str]:
    """QR codes on the pages other than the certificate's own (zbarimg on every other square image)."""
    import io
    import shutil
    import subprocess
    import tempfile

    from pypdf import PdfReader

    zbarimg = shutil.which("zbarimg")
    if zbarimg is None:
        return []
    expected = qr_image(token).convert("L").tobytes()
    found: list[str] = []
    with tempfile.TemporaryDirectory(prefix="mdg-verify-") as tmp:
        n = 0
        for page in PdfReader(io.BytesIO(pdf), strict=False).pages:
            for image in page.images:
                try:
                    pil = image.image
                except Exception:  # an undecodable image cannot show a QR code either
                    continue
                if pil is None or min(pil.size) < 21 or abs(pil.size[0] - pil.size[1]) > pil.size[0] // 4:
                    continue
                gray = pil.convert("L")
                if gray.tobytes() == expected:
                    continue
                n += 1
                path = f"{tmp}/img{n}.png"
                gray.save(path)
                try:
                    run = subprocess.run([zbarimg, "-q", "--raw", "-Sdisable", "-Sqrcode.enable", path],
                                         capture_output=True, timeout=20, check=False)
                except (OSError, subprocess.TimeoutExpired):
                    continue
                text = run.stdout.decode("utf-8", "replace").strip()
                if text and text != token:
                    found.append(text)
    return found
