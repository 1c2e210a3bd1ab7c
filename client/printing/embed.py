"""The certificate content and QR token embedded in the PDF, so ``verify`` needs no OCR.

The PDF carries one embedded file, ``madoguchi-certificate.json``:
``{"format": "madoguchi-certificate/1", "token": "MDG1…", "content": "<canonical content JSON>",
"form_id": "…", "form_digest": "<sha256 of the form file>"}``
where ``content`` is exactly ``CertificateContent.canonical_json()`` (as text), the bytes whose
SHA-256 is the ``d`` of the signed payload.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass

from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFName, PDFStream, PDFString, PDFZCompress
from reportlab.pdfgen.canvas import Canvas

ATTACHMENT_NAME = "madoguchi-certificate.json"
FORMAT = "madoguchi-certificate/1"


def attach_certificate(
    canvas: Canvas, token: str, canonical_content: bytes, *, form_id: str = "", form_digest: str = ""
) -> None:
    """Add the embedded file to a reportlab canvas before ``save()``."""
    body = json.dumps(
        {
            "format": FORMAT,
            "token": token,
            "content": canonical_content.decode("utf-8"),
            "form_id": form_id,
            "form_digest": form_digest,
        },
        ensure_ascii=False,
        sort_keys=True,
    ).encode("utf-8")
    doc = canvas._doc
    stream = PDFStream(
        PDFDictionary({"Type": PDFName("EmbeddedFile"), "Subtype": PDFName("application#2Fjson")}),
        body,
        filters=[PDFZCompress],
    )
    spec = PDFDictionary(
        {
            "Type": PDFName("Filespec"),
            "F": PDFString(ATTACHMENT_NAME),
            "UF": PDFString(ATTACHMENT_NAME),
            "Desc": PDFString("Madoguchi certificate content and signed QR token"),
            "EF": PDFDictionary({"F": doc.Reference(stream)}),
        }
    )
    names = PDFArray([PDFString(ATTACHMENT_NAME), doc.Reference(spec)])
    canvas.setCatalogEntry("Names", PDFDictionary({"EmbeddedFiles": PDFDictionary({"Names": names})}))


class EmbeddedDataError(ValueError):
    """The PDF has no readable embedded certificate data."""


@dataclass(frozen=True)
class EmbeddedCertificate:
    token: str
    content_json: bytes  # the canonical content JSON as embedded
    page_texts: tuple[str, ...]  # text extracted from each page
    form_id: str = ""
    form_digest: str = ""


def read_certificate_pdf(pdf: bytes) -> EmbeddedCertificate:
    """Read the embedded data and the visible text of a certificate PDF (pypdf)."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(pdf), strict=False)
        attachments = reader.attachments
        blobs = attachments.get(ATTACHMENT_NAME)
        texts = tuple(page.extract_text() or "" for page in reader.pages)
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise EmbeddedDataError(f"not a readable PDF: {exc}") from exc
    if not blobs:
        raise EmbeddedDataError(f"no embedded {ATTACHMENT_NAME}")
    if len(blobs) != 1:
        raise EmbeddedDataError(f"{len(blobs)} copies of {ATTACHMENT_NAME}")
    try:
        data = json.loads(blobs[0].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EmbeddedDataError("the embedded data is not JSON") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise EmbeddedDataError("unknown embedded data format")
    token, content = data.get("token"), data.get("content")
    if not isinstance(token, str) or not isinstance(content, str):
        raise EmbeddedDataError("the embedded data lacks token or content")
    return EmbeddedCertificate(
        token=token,
        content_json=content.encode("utf-8"),
        page_texts=texts,
        form_id=str(data.get("form_id", "")),
        form_digest=str(data.get("form_digest", "")),
    )
