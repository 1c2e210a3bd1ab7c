"""The 日計表 as a PDF (reportlab), in the same embedded IPAex font as the certificates."""

from __future__ import annotations

import io
from datetime import datetime

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from client.services.errors import RenderError
from client.services.records import DayCloseReport, DayCloseRow


def _register_font() -> str:
    """The certificates' IPAex Gothic, registered once by client.printing."""
    from client.printing.fonts import FontSet, load_font

    try:
        return load_font(FontSet.default().gothic).name
    except Exception as exc:
        raise RenderError(message_en=f"font for the day close report: {exc}") from exc


def _table(title: str, rows: tuple[DayCloseRow, ...], font: str) -> Table:
    data = [[title, "件数", "通数", "手数料(円)"]]
    data += [[r.key, str(r.count), str(r.copies), f"{r.fee_yen:,}"] for r in rows]
    if not rows:
        data.append(["(なし)", "0", "0", "0"])
    t = Table(data, colWidths=[80 * mm, 25 * mm, 25 * mm, 35 * mm])
    t.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), font, 10),
                ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.9, 0.9, 0.9)),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
            ]
        )
    )
    return t


def render_day_close_pdf(report: DayCloseReport, *, generated_at: datetime, generated_by: str) -> bytes:
    font = _register_font()
    title = ParagraphStyle("title", fontName=font, fontSize=16, leading=22)
    body = ParagraphStyle("body", fontName=font, fontSize=10, leading=14)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm, bottomMargin=18 * mm,
        title=f"日計表 {report.day.isoformat()}", author=report.municipality_name,
    )
    d = report.day
    story = [
        Paragraph(f"日計表({report.municipality_name})", title),
        Paragraph(f"対象日: {d.year}年{d.month}月{d.day}日", body),
        Paragraph(f"作成: {generated_at:%Y-%m-%d %H:%M} {generated_by}", body),
        Spacer(1, 4 * mm),
        Paragraph(
            f"合計 {report.total_count}件 {report.total_copies}通 手数料 {report.total_fee_yen:,}円"
            f"(取消 {report.voided_count}件は除く)",
            body,
        ),
        Spacer(1, 4 * mm),
        *(Paragraph(note, body) for note in report.notes),
        *((Spacer(1, 4 * mm),) if report.notes else ()),
    ]
    for caption, rows in (
        ("証明書の種類", report.by_type),
        ("免除事由", report.by_exemption),
        ("端末", report.by_terminal),
        ("職員", report.by_user),
        *((("動作モード", report.by_mode),) if report.by_mode else ()),
    ):
        story += [_table(caption, rows, font), Spacer(1, 5 * mm)]
    try:
        doc.build(story)
    except Exception as exc:  # reportlab raises many types; the clerk gets one message
        raise RenderError(message_en=f"day close PDF failed: {exc!r}") from exc
    return buf.getvalue()
