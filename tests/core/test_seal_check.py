"""`madoguchi verify` checks the 印影 and 電子公印 against the signed seal marks (issue 16).

Real PDFs from the renderer, tampered the way a forger would: another seal image or a drawing
merged onto the page with pypdf, the seal image's stream swapped, the seal moved.
"""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import timedelta

import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ContentStream, NameObject
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from client.certificate.trust_list import read_trust_list
from client.domain.model import CertificateContent, Layout
from client.printing.errors import SealPlacementError
from client.printing.qr import qr_image
from client.printing.render import render_certificate
from client.printing.seal_marks import SealMark, decode_marks, encode_marks, with_seal_marks
from client.verification.seal_check import check_seals
from client.verification.trusted_pdf import verify_pdf_trusted
from client.verification.verify_pdf import verify_pdf
from tests.fixtures.certificates import FIXED_KEYS, inkan, juminhyo, seal_png, sign
from tests.fixtures.trust_lists import NOW, build_list


def _marked(content: CertificateContent) -> CertificateContent:
    return with_seal_marks(content)


def _pdf(content: CertificateContent) -> bytes:
    return render_certificate(content, sign(content)).pdf


def _mark(content: CertificateContent, kind: str) -> SealMark:
    marks = decode_marks(content.seal_marks)
    assert marks is not None
    return next(m for m in marks if m.kind == kind)


def _overlay(pdf: bytes, draw, page: int = 0) -> bytes:  # type: ignore[no-untyped-def]
    """Merge what ``draw(canvas)`` paints onto one page of ``pdf`` (pypdf merge_page)."""
    reader = PdfReader(io.BytesIO(pdf))
    box = reader.pages[page].mediabox
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=(float(box.width), float(box.height)))
    draw(canvas)
    canvas.showPage()
    canvas.save()
    writer = PdfWriter(clone_from=reader)
    writer.pages[page].merge_page(PdfReader(io.BytesIO(buf.getvalue())).pages[0])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _forged_seal() -> ImageReader:
    return ImageReader(Image.open(io.BytesIO(seal_png("偽", size=200, color=(210, 0, 0)))))


def test_every_signing_site_marks_the_seals_and_an_untouched_pdf_is_valid() -> None:
    content = _marked(inkan())
    assert content.seal_marks[0] == "v1"
    assert {m.split()[0] for m in content.seal_marks[1:]} == {"inkan", "koin"}
    verdict = verify_pdf(_pdf(content), FIXED_KEYS)
    assert verdict.valid and verdict.reason_code == "ok" and verdict.notes == (), verdict
    several = _marked(juminhyo(layout=Layout.RENKI, persons=9, whole_household=True))
    assert _mark(several, "koin").page == 3  # the 公印 on the last page
    assert verify_pdf(_pdf(several), FIXED_KEYS).valid


def test_a_second_seal_image_drawn_over_the_inkan_is_refused() -> None:
    content = _marked(inkan())
    m = _mark(content, "inkan")
    forged = _overlay(_pdf(content), lambda c: c.drawImage(_forged_seal(), m.x, m.y, m.w, m.h, mask="auto"))
    verdict = verify_pdf(forged, FIXED_KEYS)
    assert not verdict.valid
    assert verdict.reason_code == "seal_tampered"
    assert "印影の上に別の画像" in verdict.message_ja and "another image over the inkan" in verdict.message_en


def test_a_seal_drawn_with_vector_strokes_over_the_municipal_seal_is_refused() -> None:
    content = _marked(juminhyo())
    m = _mark(content, "koin")

    def draw(c: Canvas) -> None:
        c.setStrokeColorRGB(0.8, 0, 0)
        c.setLineWidth(3)
        c.circle(m.x + m.w / 2, m.y + m.h / 2, m.w / 2 - 2, stroke=1, fill=0)

    verdict = verify_pdf(_overlay(_pdf(content), draw), FIXED_KEYS)
    assert verdict.reason_code == "seal_tampered", verdict
    assert "電子公印の上に図形" in verdict.message_ja


def test_text_stamped_onto_the_seal_is_refused() -> None:
    content = _marked(juminhyo())
    m = _mark(content, "koin")
    forged = _overlay(_pdf(content), lambda c: c.drawString(m.x + 5, m.y + 5, "SEAL"))
    assert verify_pdf(forged, FIXED_KEYS).reason_code == "text_mismatch"  # the text check sees it first
    finding = check_seals(forged, content.seal_marks, True, qr_image(sign(content)).convert("L").tobytes())
    assert finding is not None and finding.code == "seal_tampered" and "文字" in finding.message_ja


def test_an_extra_image_anywhere_on_the_page_is_refused() -> None:
    content = _marked(juminhyo())
    verdict = verify_pdf(_overlay(_pdf(content), lambda c: c.drawImage(_forged_seal(), 20, 20, 40, 40)), FIXED_KEYS)
    assert verdict.reason_code == "seal_tampered" and "証明書にない画像" in verdict.message_ja


def test_the_seal_image_stream_swapped_for_another_is_refused() -> None:
    content = _marked(inkan())
    reader = PdfReader(io.BytesIO(_pdf(content)))
    writer = PdfWriter(clone_from=reader)
    page = writer.pages[0]
    xobjects = page["/Resources"]["/XObject"]
    # the 印影 is the 200-px image; replace it by another picture of the same size
    name = next(n for n, ref in xobjects.items() if ref.get_object().get("/Width") == 200)
    other = PdfWriter()
    other.add_blank_page(100, 100)
    buf = io.BytesIO()
    c = Canvas(buf)
    c.drawImage(_forged_seal(), 0, 0, 50, 50, mask="auto")
    c.save()
    donor = PdfReader(io.BytesIO(buf.getvalue())).pages[0]["/Resources"]["/XObject"]
    donor_image = next(iter(donor.values())).get_object()
    xobjects[NameObject(name)] = writer._add_object(donor_image.clone(writer))
    out = io.BytesIO()
    writer.write(out)
    verdict = verify_pdf(out.getvalue(), FIXED_KEYS)
    assert verdict.reason_code == "seal_tampered", verdict


def test_a_removed_seal_is_refused() -> None:
    content = _marked(juminhyo())
    reader = PdfReader(io.BytesIO(_pdf(content)))
    writer = PdfWriter(clone_from=reader)
    page = writer.pages[0]
    koin = next(n for n, ref in page["/Resources"]["/XObject"].items() if ref.get_object().get("/Width") == 240)
    stream = ContentStream(page.get_contents(), writer)
    stream.operations = [(args, op) for args, op in stream.operations if not (op == b"Do" and args[0] == koin)]
    page.replace_contents(stream)
    out = io.BytesIO()
    writer.write(out)
    verdict = verify_pdf(out.getvalue(), FIXED_KEYS)
    assert verdict.reason_code == "seal_tampered" and "電子公印が署名された画像・位置で印字されていません" in verdict.message_ja
    # the same content signed with a mark the PDF does not show (as if the 公印 were cut out)
    m = _mark(content, "koin")
    moved = replace(m, x=m.x - 40)
    tampered = replace(content, seal_marks=encode_marks([moved]))
    with pytest.raises(SealPlacementError):  # the renderer refuses marks its form does not give
        render_certificate(tampered, sign(tampered))


def test_a_certificate_issued_before_the_marks_verifies_with_a_seal_not_checked_note() -> None:
    old = inkan()  # no seal_marks: as issued before this version
    assert "seal_marks" not in old.to_dict()  # its signed digest is the one it always had
    verdict = verify_pdf(_pdf(old), FIXED_KEYS)
    assert verdict.valid and verdict.reason_code == "ok"
    assert [n["code"] for n in verdict.notes] == ["seal_not_checked"]
    assert "照合していません" in verdict.message_ja and "not checked" in verdict.message_en
    # and it says so under the trust list too, with the verdict
    doc, _ = build_list()
    trusted = verify_pdf_trusted(_pdf(replace(old, issue_number=old.issue_number)), read_trust_list(doc),
                                 NOW + timedelta(hours=1))
    assert trusted.status == "valid", trusted
    assert [w["code"] for w in trusted.warnings] == ["seal_not_checked"]
    marked = _marked(old)
    fresh = verify_pdf_trusted(_pdf(marked), read_trust_list(doc), NOW + timedelta(hours=1))
    assert fresh.status == "valid" and fresh.warnings == ()


def test_marks_round_trip_through_the_content_dict() -> None:
    content = _marked(inkan())
    again = CertificateContent.from_dict(content.to_dict())
    assert again.seal_marks == content.seal_marks and again.canonical_json() == content.canonical_json()
