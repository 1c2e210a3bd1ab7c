"""The QR code printed on the page decodes (pdftoppm + zbarimg) and verifies; tampering fails."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from client.certificate.signing import verify_token
from client.domain.model import CertificateContent, Layout
from client.printing.forms import default_library
from client.printing.render import render_certificate
from tests.fixtures.certificates import FIXED_KEYS, all_forms, juminhyo, sign
from tests.fixtures.pdftools import pdftoppm_png, zbar_decode


def _decode_page(
    content: CertificateContent, pdf: bytes, page: int, tmp_path: Path, dpi: int = 300
) -> list[str]:
    box = default_library().for_content(content).qr
    margin = 3.0
    crop = (box.x - margin, box.y - margin, box.size + 2 * margin, box.size + 2 * margin)
    png = pdftoppm_png(pdf, tmp_path / f"qr{page}.png", page=page, dpi=dpi, crop_mm=crop)
    return zbar_decode(png)


@pytest.mark.parametrize("name", ["juminhyo_kojin", "inkan", "kazei"])
def test_qr_decodes_from_the_rendered_page_and_verifies(name: str, tmp_path: Path) -> None:
    content = all_forms()[name]
    token = sign(content)
    pdf = render_certificate(content, token).pdf
    decoded = _decode_page(content, pdf, 1, tmp_path)
    assert decoded == [token]
    verdict = verify_token(decoded[0], FIXED_KEYS, content)
    assert verdict.valid, verdict
    assert verdict.payload is not None and verdict.payload.issue_number == content.issue_number


def test_qr_on_every_sheet_of_a_renki(tmp_path: Path) -> None:
    content = juminhyo(layout=Layout.RENKI, persons=9, whole_household=True)
    token = sign(content)
    pdf = render_certificate(content, token).pdf
    for page in (1, 2, 3):
        assert _decode_page(content, pdf, page, tmp_path) == [token]


def test_scanned_payload_with_a_changed_byte_or_changed_content_fails(tmp_path: Path) -> None:
    content = juminhyo()
    pdf = render_certificate(content, sign(content)).pdf
    (scanned,) = _decode_page(content, pdf, 1, tmp_path)
    middle = len(scanned) // 2
    forged = scanned[:middle] + ("B" if scanned[middle] != "B" else "C") + scanned[middle + 1 :]
    assert not verify_token(forged, FIXED_KEYS, content).valid
    changed = replace(content, persons=(replace(content.persons[0], name="髙橋 二郎"),))
    verdict = verify_token(scanned, FIXED_KEYS, changed)
    assert (verdict.valid, verdict.reason_code) == (False, "digest_mismatch")


def test_qr_still_decodes_at_printer_like_low_resolution(tmp_path: Path) -> None:
    content = juminhyo(layout=Layout.RENKI, persons=4)
    token = sign(content)
    pdf = render_certificate(content, token).pdf
    assert _decode_page(content, pdf, 1, tmp_path, dpi=200) == [token]
