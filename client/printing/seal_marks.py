"""Where the 印影 and the 電子公印 are placed, as signed marks in the certificate content.

A certificate's content names its seal images (``seal_image_png``, ``municipal_seal_png``) and is
signed, but the page they are drawn on is not: a PDF with another seal drawn over the original kept
verifying. So before the content is signed (server online, terminal in BCP, the 見本 preview), its
form decides where each seal goes and :func:`with_seal_marks` writes that into
``CertificateContent.seal_marks``::

    ("v1", "<kind> <page> <x> <y> <w> <h> <sha256>", …)

``kind`` is ``inkan`` (印影, ``seal_image_png``) or ``koin`` (電子公印, ``municipal_seal_png``);
``page`` counts from 1; ``x y w h`` is the drawn rectangle in PDF points (origin bottom left, two
decimals); ``sha256`` is the hex digest of the image as embedded (:func:`pixel_digest` of the RGBA
pixels). ``("v1",)`` alone says: no seal on this certificate. The renderer refuses to draw a
content whose marks differ from its own form's placement (another form than the signer's), and
``madoguchi verify`` compares the images painted on each page with the marks
(client/verification/seal_check.py).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, replace
from functools import lru_cache

from PIL import Image
from reportlab.lib.units import mm

from client.domain.model import CertificateContent
from client.printing.forms import FormDefinition, FormLibrary, default_library

MARKS_VERSION = "v1"
KINDS = {"inkan": "印影", "koin": "電子公印"}
_FIELDS = {"inkan": "seal_image_png", "koin": "municipal_seal_png"}
_MAX_IMAGE_PX = 1200  # as client/printing/render.py
_PAD = 1.2 * mm  # client/printing/painter.PAD


@dataclass(frozen=True)
class SealMark:
    kind: str  # inkan | koin
    page: int  # from 1
    x: float
    y: float
    w: float
    h: float
    sha256: str  # pixel_digest of the embedded image

    def encode(self) -> str:
        return f"{self.kind} {self.page} {self.x:.2f} {self.y:.2f} {self.w:.2f} {self.h:.2f} {self.sha256}"

    @classmethod
    def decode(cls, text: str) -> SealMark:
        parts = text.split(" ")
        if len(parts) != 7 or parts[0] not in KINDS or len(parts[6]) != 64:
            raise ValueError(f"not a seal mark: {text!r}")
        x, y, w, h = (float(v) for v in parts[2:6])
        return cls(parts[0], int(parts[1]), x, y, w, h, parts[6])


def pixel_digest(image: Image.Image) -> str:
    """SHA-256 of an image as RGBA pixels with its size: the same for the PIL image the renderer
    embeds and the image pypdf reads back from the PDF (RGB plus soft mask)."""
    rgba = image.convert("RGBA")
    return hashlib.sha256(f"{rgba.size[0]}x{rgba.size[1]}:".encode() + rgba.tobytes()).hexdigest()


@lru_cache(maxsize=16)
def _prepared(data: bytes) -> tuple[int, int, str]:
    """(width, height, pixel digest) of a seal image as the renderer embeds it."""
    img: Image.Image = Image.open(io.BytesIO(data))
    img.load()
    if img.mode not in ("RGB", "RGBA", "L"):
        img = img.convert("RGBA")
    if max(img.size) > _MAX_IMAGE_PX:
        img.thumbnail((_MAX_IMAGE_PX, _MAX_IMAGE_PX))
    return img.size[0], img.size[1], pixel_digest(img)


def placements(form: FormDefinition, content: CertificateContent) -> list[SealMark]:
    """The seals the renderer draws for ``content`` on ``form`` (images must be readable)."""
    page_h = form.page_size[1] * mm
    pages = max(1, -(-len(content.persons) // form.persons_per_page)) if form.persons is not None else 1
    marks: list[SealMark] = []
    box = form.seal_image
    if box is not None and content.seal_image_png:
        iw, ih, digest = _prepared(content.seal_image_png)
        x, top, s = box.x * mm, page_h - box.y * mm, box.size * mm
        scale = min((s - 2 * _PAD) / iw, (s - 2 * _PAD) / ih)
        dw, dh = iw * scale, ih * scale
        marks.append(SealMark("inkan", 1, x + (s - dw) / 2, top - s + (s - dh) / 2, dw, dh, digest))
    if content.municipal_seal_png:
        spec = form.certification
        _w, _h, digest = _prepared(content.municipal_seal_png)
        s = spec.seal_size * mm
        cy = page_h - (spec.y + (spec.seal_y or spec.issuer_y)) * mm + spec.issuer_size * 0.35
        marks.append(SealMark("koin", pages, spec.seal_x * mm - s / 2, cy - s / 2, s, s, digest))
    return marks


def encode_marks(marks: list[SealMark]) -> tuple[str, ...]:
    return (MARKS_VERSION, *(m.encode() for m in marks))


def decode_marks(encoded: tuple[str, ...]) -> list[SealMark] | None:
    """The marks of a content, or None when it has none (issued before marks existed).

    Raises ValueError on marks that cannot be read (a version this verifier does not know)."""
    if not encoded:
        return None
    if encoded[0] != MARKS_VERSION:
        raise ValueError(f"unknown seal marks version {encoded[0]!r}")
    return [SealMark.decode(m) for m in encoded[1:]]


def with_seal_marks(content: CertificateContent, forms: FormLibrary | None = None) -> CertificateContent:
    """``content`` with the marks of its form, to be signed. Unchanged when it has no form or an
    unreadable image: the renderer then refuses it anyway, with the clerk's message."""
    from client.printing.errors import RenderError

    try:
        form = (forms or default_library()).for_content(content)
        marks = placements(form, content)
    except (RenderError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return content
    return replace(content, seal_marks=encode_marks(marks))


__all__ = ["KINDS", "SealMark", "decode_marks", "encode_marks", "pixel_digest", "placements", "with_seal_marks"]
