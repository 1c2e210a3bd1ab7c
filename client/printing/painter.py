"""Drawing primitives for certificate forms: text with font fallback, shrink-to-fit, cells, tables.

Coordinates: form positions are millimetres from the top-left corner (``y()`` converts); the
methods below take reportlab points measured from the bottom-left. Characters no font holds,
text that does not fit and text drawn shrunk are collected, not raised, so that one pass lists
every problem of a certificate.
"""

from __future__ import annotations

from typing import Any

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from client.printing.fonts import FontSet
from client.printing.forms import Cell, Table, TextSpec
from client.printing.textfit import LINE_SPACING, fit_text

PAD = 1.2 * mm


def cell_value(cell: Any, source: Any) -> str:
    """The cell's text: the field's value, or 省略 for an item omitted for this person (12条5項).

    A header cell (the source is the whole content, e.g. 世帯主 on the 世帯連記式) is omitted when
    the item is omitted for every person printed."""
    value = value_of(source, cell.field)
    if not value and cell.item and cell.item in _omitted(source):
        return str(cell.omitted_text)
    return value


def _omitted(source: Any) -> frozenset[str]:
    own = getattr(source, "omitted_items", None)
    if own is not None:
        return frozenset(own)
    persons = getattr(source, "persons", None) or ()
    if not persons:
        return frozenset()
    return frozenset.intersection(*(frozenset(getattr(p, "omitted_items", ()) or ()) for p in persons))


def value_of(obj: Any, name: str) -> str:
    """The text of a content or person field (``extra.KEY`` reads ``PrintedPerson.extra``)."""
    if not name:
        return ""
    if name.startswith("extra."):
        return str(getattr(obj, "extra", {}).get(name[6:], ""))
    v = getattr(obj, name, "")
    return "" if v is None else str(v)


class Painter:
    """Draws on one canvas; collects undrawable characters, overflows and shrink alerts."""

    def __init__(self, canvas: Canvas, fonts: FontSet, page_height: float) -> None:
        self.canvas = canvas
        self.fonts = fonts
        self.page_h = page_height
        self.missing: dict[str, list[str]] = {}  # character → where it appears
        self.overflows: list[str] = []
        self.alerts: list[str] = []

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
        label = (value_of(source, cell.label_field) if cell.label_field else "") or cell.label
        if lw > 0:
            c.line(x + lw, top, x + lw, top - height)
            self.fitted_block(
                label,
                left=x + PAD / 2,
                top=top - PAD / 2,
                width=lw - PAD,
                height=height - PAD,
                size=label_size,
                min_size=4.0,
                lines=2,
                style="gothic",
                align="center",
                where=f"項目名「{label}」",
                alert_on_shrink=False,
            )
        vx = x + lw + PAD
        vw = w - lw - 2 * PAD
        vtop = top - PAD / 2
        vh = height - PAD
        kana = value_of(source, cell.kana_field)
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
        value = cell_value(cell, source)
        if value and value != cell.omitted_text:
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
            values = [cell_value(cell, source) for cell in row.cells]
            if row.omit_if_empty and not any(values):
                continue
            height = row.height * mm
            x = table.x * mm
            for cell in row.cells:
                self.cell(cell, source, x, top, height, table.label_width, table.label_size)
                x += cell.width * mm
            top -= height
        return top
