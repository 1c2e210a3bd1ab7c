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
from typing import Any

from PIL import Image, UnidentifiedImageError
from reportlab import rl_config
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from client.domain.model import CertificateContent, Mode, PrintedPerson
from client.domain.wareki import to_wareki
from client.printing.embed import attach_certificate
from client.printing.errors import (
    BadImageError,
    MissingParameterError,
    TextOverflowError,
    TokenMismatchError,
    UndrawableCharactersError,
)
from client.printing.fonts import FontSet
from client.printing.forms import (
    Cell,
    FormDefinition,
    FormLibrary,
    ImageBox,
    Table,
    TextSpec,
    default_library,
)
from client.printing.qr import qr_image
from client.printing.textfit import LINE_SPACING, fit_text
from client.signing import TokenFormatError, content_digest, decode_token

# Plain Flate streams: ASCII85 on top only makes images bigger and costs ~5 ms per certificate.
# (A process-wide reportlab setting; harmless for other reportlab users.)
rl_config.useA85 = 0

_PAD = 1.2 * mm
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


def _value(obj: Any, name: str) -> str:
    if not name:
        return ""
    if name.startswith("extra."):
        return str(getattr(obj, "extra", {}).get(name[6:], ""))
    v = getattr(obj, name, "")
    return "" if v is None else str(v)


def _format_as_of(content: CertificateContent) -> str:
    t = content.data_as_of
    if t is None:
        return "不明"
    return f"{to_wareki(t.date())} {t.hour}時{t.minute:02d}分"


class _Writer:
    """Draws one certificate; collects undrawable characters, overflows and alerts as it goes."""

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
        self.fonts = fonts
        self.token = token
        self.images = images
        self.page_w = form.page_size[0] * mm
        self.page_h = form.page_size[1] * mm
        self.missing: dict[str, list[str]] = {}
        self.overflows: list[str] = []
        self.alerts: list[str] = []
        per = form.persons_per_page
        persons = list(content.persons)
        self.chunks: list[list[PrintedPerson]] = [
            persons[i : i + per] for i in range(0, len(persons), per)
        ] or [[]]
        self.buffer = io.BytesIO()
        self.canvas = Canvas(
            self.buffer,
            pagesize=(self.page_w, self.page_h),
            invariant=1,
            pageCompression=1,
            initialFontName=fonts.font("mincho").name,
            initialFontSize=10,
        )

    # -- text primitives ----------------------------------------------------------------------

    def _runs(self, text: str, style: str, where: str) -> list[tuple[str, str]]:
        runs, missing = self.fonts.runs(text, style)
        for ch in missing:
            places = self.missing.setdefault(ch, [])
            if where not in places:
                places.append(where)
        return runs

    def _width(self, text: str, style: str, size: float) -> float:
        return self.fonts.width(text, style, size)

    def text(self, x: float, y: float, text: str, *, style: str, size: float, align: str, where: str) -> None:
        """Draw one line with its baseline at (x, y) in points, y measured from the bottom."""
        runs = self._runs(text, style, where)
        if align != "left":
            width = self._width(text, style, size)
            x -= width if align == "right" else width / 2
        c = self.canvas
        from reportlab.pdfbase.pdfmetrics import stringWidth

        for font_name, run in runs:
            c.setFont(font_name, size)
            c.drawString(x, y, run)
            x += stringWidth(run, font_name, size)

    def y(self, y_mm: float) -> float:
        return self.page_h - y_mm * mm

    def fitted_block(
        self,
        text: str,
        *,
        left: float,
        top: float,
        width: float,
        height: float,
        size: float,
        min_size: float,
        lines: int,
        style: str = "mincho",
        align: str = "left",
        valign: str = "middle",
        where: str,
        alert_on_shrink: bool = True,
    ) -> None:
        """Shrink-to-fit ``text`` into a box (points, top measured from the bottom) and draw it."""
        if not text:
            return
        self._runs(text, style, where)  # record undrawable characters even if it overflows
        fitted = fit_text(
            text,
            max_width=width,
            max_height=height,
            size=size,
            min_size=min_size,
            max_lines=lines,
            width_at=lambda t, s: self._width(t, style, s),
        )
        if fitted is None:
            self.overflows.append(f"{where}「{text}」")
            return
        if fitted.shrunk and alert_on_shrink:
            alert = f"{where}を{fitted.size:g}ptに縮小して印字しました: {text}"
            if alert not in self.alerts:
                self.alerts.append(alert)
        block_h = len(fitted.lines) * fitted.size * LINE_SPACING
        gap = (height - block_h) / 2 if valign == "middle" else 0.0
        baseline = top - gap - fitted.size * 0.93
        x = {"left": left, "center": left + width / 2, "right": left + width}[align]
        for line in fitted.lines:
            self.text(x, baseline, line, style=style, size=fitted.size, align=align, where=where)
            baseline -= fitted.size * LINE_SPACING

    def spec_text(self, spec: TextSpec, text: str, where: str) -> None:
        if not text:
            return
        size = spec.size
        if spec.max_width:
            limit = spec.max_width * mm
            while size > spec.min_size and self._width(text, spec.font, size) > limit:
                size -= 0.5
            if self._width(text, spec.font, size) > limit * 1.001:
                self.overflows.append(f"{where}「{text}」")
                return
        self.text(
            spec.x * mm, self.y(spec.y), text, style=spec.font, size=size, align=spec.align, where=where
        )

    # -- tables ---------------------------------------------------------------------------------

    def cell(
        self,
        cell: Cell,
        source: Any,
        x: float,
        top: float,
        height: float,
        label_width: float,
        label_size: float,
    ) -> None:
        c = self.canvas
        w = cell.width * mm
        lw = (cell.label_width or label_width) * mm
        c.rect(x, top - height, w, height, stroke=1, fill=0)
        if lw > 0:
            c.line(x + lw, top, x + lw, top - height)
            self.fitted_block(
                cell.label,
                left=x + _PAD / 2,
                top=top - _PAD / 2,
                width=lw - _PAD,
                height=height - _PAD,
                size=label_size,
                min_size=4.0,
                lines=2,
                style="gothic",
                align="center",
                where=f"項目名「{cell.label}」",
                alert_on_shrink=False,
            )
        vx = x + lw + _PAD
        vw = w - lw - 2 * _PAD
        vtop = top - _PAD / 2
        vh = height - _PAD
        kana = _value(source, cell.kana_field)
        if kana:
            kh = vh * 0.36
            self.fitted_block(
                f"（{kana}）",
                left=vx,
                top=vtop,
                width=vw,
                height=kh,
                size=min(7.5, kh / 1.1),
                min_size=4.0,
                lines=1,
                where=f"{cell.label}（フリガナ）",
            )
            vtop -= kh
            vh -= kh
        value = _value(source, cell.field)
        if value:
            value = f"{cell.prefix}{value}{cell.suffix}"
        self.fitted_block(
            value,
            left=vx,
            top=vtop,
            width=vw,
            height=vh,
            size=cell.size,
            min_size=cell.min_size,
            lines=cell.lines,
            where=cell.label,
        )

    def table(self, table: Table, source: Any, top_mm: float) -> float:
        """Draw the rows; return the bottom edge (points from the page bottom)."""
        top = self.y(top_mm)
        for row in table.rows:
            values = [_value(source, cell.field) for cell in row.cells]
            if row.omit_if_empty and not any(values):
                continue
            height = row.height * mm
            x = table.x * mm
            for cell in row.cells:
                self.cell(cell, source, x, top, height, table.label_width, table.label_size)
                x += cell.width * mm
            top -= height
        return top

    def tax_table(self) -> None:
        spec = self.form.tax
        if spec is None:
            return
        top = self.y(spec.y)
        h = spec.row_height * mm
        for label, value in self.content.tax_rows:
            shim = Cell(label=label, field="v", width=spec.width, size=spec.size, min_size=5.0)
            self.canvas.rect(spec.x * mm, top - h, spec.width * mm, h, stroke=1, fill=0)
            lw = spec.label_width * mm
            self.canvas.line(spec.x * mm + lw, top, spec.x * mm + lw, top - h)
            self.fitted_block(
                label,
                left=spec.x * mm + _PAD,
                top=top - _PAD / 2,
                width=lw - 2 * _PAD,
                height=h - _PAD,
                size=spec.label_size,
                min_size=5.0,
                lines=1,
                style="gothic",
                where=f"項目名「{label}」",
                alert_on_shrink=False,
            )
            self.fitted_block(
                value,
                left=spec.x * mm + lw + _PAD,
                top=top - _PAD / 2,
                width=spec.width * mm - lw - 3 * _PAD,
                height=h - _PAD,
                size=shim.size,
                min_size=shim.min_size,
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
            scale = min((s - 2 * _PAD) / iw, (s - 2 * _PAD) / ih)
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
        w = self._width(spec.text, "gothic", spec.size) + 2 * _PAD
        h = spec.size * 1.4
        x, top = spec.x * mm, self.y(spec.y)
        self.canvas.rect(x, top - h, w, h, stroke=1, fill=0)
        self.text(
            x + _PAD,
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
            spec.x * mm + _PAD, top - 3.5 * mm, spec.label, style="gothic", size=8, align="left", where="備考"
        )
        lines = max(1, math.floor((h - 5 * mm) / (spec.size * LINE_SPACING)))
        self.fitted_block(
            "\u3000".join(self.content.notes),
            left=spec.x * mm + _PAD,
            top=top - 4.5 * mm,
            width=spec.width * mm - 2 * _PAD,
            height=h - 5 * mm,
            size=spec.size,
            min_size=spec.min_size,
            lines=lines,
            where="備考",
        )
