"""Render a certificate to PDF (reportlab) following its form definition.

The renderer decides nothing: it lays out what ``CertificateContent`` says, where the form says.
Output bytes are deterministic for identical input (reportlab invariant mode). Nothing is produced
when a parameter is missing, an image is unreadable, a character has no glyph in any font, text
does not fit even at the minimum size, or the QR token does not belong to the content.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field

from PIL import Image, UnidentifiedImageError
from reportlab import rl_config
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from client.certificate.signing import TokenFormatError, content_digest, decode_token
from client.domain.model import CertificateContent, Mode, PrintedPerson
from client.domain.wareki import to_wareki
from client.printing.embed import attach_certificate
from client.printing.errors import (
    BadImageError,
    MissingParameterError,
    SealPlacementError,
    TextOverflowError,
    TokenMismatchError,
    UndrawableCharactersError,
)
from client.printing.fonts import FontSet
from client.printing.forms import (
    FormDefinition,
    FormLibrary,
    ImageBox,
    default_library,
)
from client.printing.painter import PAD, Painter
from client.printing.qr import qr_image
from client.printing.seal_marks import encode_marks, placements
from client.printing.textfit import LINE_SPACING

# Plain Flate streams: ASCII85 on top only makes images bigger and costs ~5 ms per certificate.
# (A process-wide reportlab setting; harmless for other reportlab users.)
rl_config.useA85 = 0

_LINE_WIDTH = 0.6


@dataclass(frozen=True)
class RenderResult:
    pdf: bytes
    pages: int
    alerts: list[str] = field(default_factory=list)  # for the clerk: e.g. text drawn shrunk
    form_id: str = ""


_default_fonts: FontSet | None = None


def _fonts_or_default(fonts: FontSet | None) -> FontSet:
    global _default_fonts
    if fonts is not None:
        return fonts
    if _default_fonts is None:
        _default_fonts = FontSet.default()
    return _default_fonts


def render_certificate(
    content: CertificateContent,
    qr_token: str,
    *,
    fonts: FontSet | None = None,
    forms: FormLibrary | None = None,
) -> RenderResult:
    """Lay out ``content`` on its form and return the PDF bytes. Raises a ``RenderError`` subclass."""
    form = (forms or default_library()).for_content(content)
    _check_required(form, content)
    _check_token(content, qr_token)
    images = _load_images(form, content)
    if content.seal_marks and content.seal_marks != encode_marks(placements(form, content)):
        raise SealPlacementError()
    writer = _Writer(content, form, _fonts_or_default(fonts), qr_token, images)
    return writer.render()


def check_printable(
    content: CertificateContent,
    *,
    fonts: FontSet | None = None,
    forms: FormLibrary | None = None,
) -> list[str]:
    """Lay the content out without a QR code or 発行番号, before a number is allocated.

    Raises the same errors as ``render_certificate`` (missing parameters, unreadable images,
    characters no font holds, 文字溢れ) so that the counter can refuse a request before the
    server records an issuance; returns the alerts (e.g. text drawn shrunk).
    """
    form = (forms or default_library()).for_content(content)
    _check_required(form, content, skip=("issue_number",))
    images = _load_images(form, content)
    return _Writer(content, form, _fonts_or_default(fonts), None, images).render().alerts


def _check_required(form: FormDefinition, content: CertificateContent, skip: tuple[str, ...] = ()) -> None:
    missing = [name for name in form.required if name not in skip and not getattr(content, name)]
    if form.persons is not None and not content.persons:
        missing.append("persons")
    if missing:
        raise MissingParameterError(missing)


def _check_token(content: CertificateContent, token: str) -> None:
    try:
        payload = decode_token(token)
    except TokenFormatError as exc:
        raise TokenMismatchError(str(exc)) from exc
    if payload.digest != content_digest(content):
        raise TokenMismatchError("content digest differs")
    if (payload.municipality_code, payload.issue_number, payload.cert_type) != (
        content.municipality_code,
        content.issue_number,
        content.cert_type.value,
    ):
        raise TokenMismatchError("municipality, issue number or type differ")


_MAX_IMAGE_PX = 1200
_IMAGE_LABELS = {"municipal_seal_png": "電子公印", "seal_image_png": "印影"}


def _load_image(data: bytes, field_name: str) -> ImageReader:
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        img: Image.Image = Image.open(io.BytesIO(data))
        img.load()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError) as exc:
        raise BadImageError(field_name, _IMAGE_LABELS.get(field_name, field_name), str(exc)) from exc
    if img.mode not in ("RGB", "RGBA", "L"):
        img = img.convert("RGBA")
    if max(img.size) > _MAX_IMAGE_PX:  # a 25 mm seal needs no more than ~1,000 px at 1,200 dpi
        img.thumbnail((_MAX_IMAGE_PX, _MAX_IMAGE_PX))
    return ImageReader(img)


def _load_images(form: FormDefinition, content: CertificateContent) -> dict[str, ImageReader]:
    images: dict[str, ImageReader] = {}
    if content.municipal_seal_png:
        images["municipal_seal_png"] = _load_image(content.municipal_seal_png, "municipal_seal_png")
    if form.seal_image is not None and content.seal_image_png:
        images["seal_image_png"] = _load_image(content.seal_image_png, "seal_image_png")
    return images


def _format_as_of(content: CertificateContent) -> str:
    t = content.data_as_of
    if t is None:
        return "不明"
    return f"{to_wareki(t.date())} {t.hour}時{t.minute:02d}分"


class _Writer(Painter):
    """Draws one certificate: page composition on top of the painter's primitives."""

    def __init__(
        self,
        content: CertificateContent,
        form: FormDefinition,
        fonts: FontSet,
        token: str | None,  # None: a dry run (check_printable) without QR code and output
        images: dict[str, ImageReader],
    ) -> None:
        self.content = content
        self.form = form
        self.token = token
        self.images = images
        self.page_w = form.page_size[0] * mm
        per = form.persons_per_page
        persons = list(content.persons)
        self.chunks: list[list[PrintedPerson]] = [
            persons[i : i + per] for i in range(0, len(persons), per)
        ] or [[]]
        self.buffer = io.BytesIO()
        page_h = form.page_size[1] * mm
        canvas = Canvas(
            self.buffer,
            pagesize=(self.page_w, page_h),
            invariant=1,
            pageCompression=1,
            initialFontName=fonts.font("mincho").name,
            initialFontSize=10,
        )
        super().__init__(canvas, fonts, page_h)

    def tax_table(self) -> None:
        spec = self.form.tax
        if spec is None:
            return
        top = self.y(spec.y)
        h = spec.row_height * mm
        for label, value in self.content.tax_rows:
            self.canvas.rect(spec.x * mm, top - h, spec.width * mm, h, stroke=1, fill=0)
            lw = spec.label_width * mm
            self.canvas.line(spec.x * mm + lw, top, spec.x * mm + lw, top - h)
            self.fitted_block(
                label,
                left=spec.x * mm + PAD,
                top=top - PAD / 2,
                width=lw - 2 * PAD,
                height=h - PAD,
                size=spec.label_size,
                min_size=5.0,
                lines=1,
                style="gothic",
                where=f"項目名「{label}」",
                alert_on_shrink=False,
            )
            self.fitted_block(
                value,
                left=spec.x * mm + lw + PAD,
                top=top - PAD / 2,
                width=spec.width * mm - lw - 3 * PAD,
                height=h - PAD,
                size=spec.size,
                min_size=5.0,
                lines=1,
                align="right",
                where=label,
            )
            top -= h

    # -- page furniture -------------------------------------------------------------------------

    def image(self, box: ImageBox, key: str) -> None:
        reader = self.images.get(key)
        c = self.canvas
        x, top, s = box.x * mm, self.y(box.y), box.size * mm
        if box.label:
            self.text(x, top + 1.5 * mm, box.label, style="gothic", size=8, align="left", where="項目名")
        c.rect(x, top - s, s, s, stroke=1, fill=0)
        if reader is not None:
            iw, ih = reader.getSize()
            scale = min((s - 2 * PAD) / iw, (s - 2 * PAD) / ih)
            dw, dh = iw * scale, ih * scale
            c.drawImage(reader, x + (s - dw) / 2, top - s + (s - dh) / 2, dw, dh, mask="auto")

    def watermark(self) -> None:
        wm = self.form.watermark
        c = self.canvas
        c.saveState()
        c.setFillGray(wm.gray)
        c.translate(self.page_w / 2, self.page_h / 2)
        c.rotate(wm.angle)
        self.text(0, -wm.size * 0.35, wm.text, style="gothic", size=wm.size, align="center", where="見本")
        c.restoreState()

    def official_mark(self) -> None:
        spec = self.form.official_mark
        if spec is None:
            return
        w = self._width(spec.text, "gothic", spec.size) + 2 * PAD
        h = spec.size * 1.4
        x, top = spec.x * mm, self.y(spec.y)
        self.canvas.rect(x, top - h, w, h, stroke=1, fill=0)
        self.text(
            x + PAD,
            top - h + spec.size * 0.3,
            spec.text,
            style="gothic",
            size=spec.size,
            align="left",
            where="公用",
        )

    def certification(self) -> None:
        spec = self.form.certification
        content = self.content
        top = self.y(spec.y)
        self.fitted_block(
            content.certification_text,
            left=spec.x * mm,
            top=top,
            width=spec.width * mm,
            height=spec.size * 2.5,
            size=spec.size,
            min_size=7.0,
            lines=2,
            valign="top",
            where="認証文",
        )
        self.text(
            spec.x * mm + 8 * mm,
            self.y(spec.y + spec.date_y),
            content.issue_date_text,
            style="mincho",
            size=spec.size,
            align="left",
            where="発行日",
        )
        issuer = f"{content.issuer_title}　{content.issuer_name}"
        self.text(
            spec.issuer_right * mm,
            self.y(spec.y + spec.issuer_y),
            issuer,
            style="mincho",
            size=spec.issuer_size,
            align="right",
            where="職名・氏名",
        )
        seal = self.images.get("municipal_seal_png")
        if seal is not None:
            s = spec.seal_size * mm
            cy = self.y(spec.y + (spec.seal_y or spec.issuer_y)) + spec.issuer_size * 0.35
            self.canvas.drawImage(seal, spec.seal_x * mm - s / 2, cy - s / 2, s, s, mask="auto")

    def furniture(self, page: int, pages: int) -> None:
        form, content = self.form, self.content
        values = {
            "issue_number": content.issue_number,
            "page": page,
            "pages": pages,
            "fee_yen": f"{content.fee_yen:,}",
            "exemption_reason": content.exemption_reason,
            "data_as_of": _format_as_of(content),
        }
        self.spec_text(form.issue_number, form.issue_number.template.format(**values), "発行番号")
        if form.fee is not None and page == pages:
            template = form.fee.exempt_template if content.exemption_reason else form.fee.template
            self.spec_text(form.fee, template.format(**values), "手数料")
        if form.bcp_note is not None and content.mode is Mode.BCP:
            self.spec_text(form.bcp_note, form.bcp_note.template.format(**values), "縮退運用表示")
        qr = form.qr
        s = qr.size * mm
        if self.token is not None:
            self.canvas.drawImage(ImageReader(qr_image(self.token)), qr.x * mm, self.y(qr.y) - s, s, s)
        if content.official_use:
            self.official_mark()

    # -- the document ---------------------------------------------------------------------------

    def render(self) -> RenderResult:
        form, content, c = self.form, self.content, self.canvas
        pages = len(self.chunks)
        c.setTitle(f"{content.title} {content.issue_number}")
        c.setAuthor(content.municipality_name)
        c.setSubject(content.title)
        c.setCreator("Madoguchi")
        c.setProducer("Madoguchi")
        c.setLineWidth(_LINE_WIDTH)
        for index, chunk in enumerate(self.chunks, start=1):
            c.setLineWidth(_LINE_WIDTH)
            if content.training:
                self.watermark()
            self.spec_text(form.title, content.title, "表題")
            if form.header is not None:
                self.table(form.header, content, form.header.y)
            if form.persons is not None:
                bottom = self.y(form.persons.y)
                for slot, person in enumerate(chunk):
                    bottom = self.table(
                        form.persons, person, form.persons.y + slot * form.persons.block_height
                    )
                if index == pages and form.persons.end_mark:
                    right = (form.persons.x + sum(c.width for c in form.persons.rows[0].cells)) * mm
                    self.text(
                        right,
                        bottom - 3.3 * mm,
                        form.persons.end_mark,
                        style="mincho",
                        size=8,
                        align="right",
                        where="以下余白",
                    )
            if index == 1:
                self.tax_table()
                if form.seal_image is not None:
                    self.image(form.seal_image, "seal_image_png")
            if index == pages:
                if form.notes is not None and content.notes:
                    self.notes()
                self.certification()
            self.furniture(index, pages)
            c.showPage()
        if self.missing:
            raise UndrawableCharactersError(self.missing)
        if self.overflows:
            raise TextOverflowError(self.overflows)
        if self.token is None:
            return RenderResult(pdf=b"", pages=pages, alerts=self.alerts, form_id=form.id)
        attach_certificate(c, self.token, content.canonical_json(), form_id=form.id, form_digest=form.digest)
        c.save()
        return RenderResult(pdf=self.buffer.getvalue(), pages=pages, alerts=self.alerts, form_id=form.id)

    def notes(self) -> None:
        spec = self.form.notes
        assert spec is not None
        top = self.y(spec.y)
        h = spec.height * mm
        self.canvas.rect(spec.x * mm, top - h, spec.width * mm, h, stroke=1, fill=0)
        self.text(
            spec.x * mm + PAD, top - 3.5 * mm, spec.label, style="gothic", size=8, align="left", where="備考"
        )
        lines = max(1, math.floor((h - 5 * mm) / (spec.size * LINE_SPACING)))
        self.fitted_block(
            "\u3000".join(self.content.notes),
            left=spec.x * mm + PAD,
            top=top - 4.5 * mm,
            width=spec.width * mm - 2 * PAD,
            height=h - 5 * mm,
            size=spec.size,
            min_size=spec.min_size,
            lines=lines,
            where="備考",
        )
