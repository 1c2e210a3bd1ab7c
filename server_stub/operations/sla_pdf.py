"""The monthly SLA report as a PDF: reportlab platypus with reportlab.graphics charts, in the
IPAex Gothic font registered once by client.printing (the certificates' font)."""

from __future__ import annotations

import io
import math
from typing import Any

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

CHART_W, CHART_H = 170 * mm, 60 * mm


def _font() -> str:
    from client.printing.fonts import FontSet, load_font

    return load_font(FontSet.default().gothic).name


def _table(rows: list[list[str]], font: str, widths: list[float] | None = None) -> Table:
    t = Table(rows, colWidths=widths, repeatRows=1)
    t.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), font, 8),
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.9, 0.9, 0.9)),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    return t


def _bar_chart(labels: list[str], series: list[list[float]], font: str, *, value_min: float | None = None,
               value_max: float | None = None, names: list[str] | None = None) -> Drawing:
    d = Drawing(CHART_W, CHART_H)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 30, 20, CHART_W - 50, CHART_H - 35
    chart.data = series if any(series) else [[0.0]]
    chart.categoryAxis.categoryNames = labels or [""]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 6
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 7
    if value_min is not None:
        chart.valueAxis.valueMin = value_min
    if value_max is not None:
        chart.valueAxis.valueMax = value_max
    palette = [colors.Color(0.2, 0.4, 0.7), colors.Color(0.85, 0.45, 0.2), colors.Color(0.3, 0.6, 0.3)]
    for i in range(len(chart.data)):
        chart.bars[i].fillColor = palette[i % len(palette)]
    d.add(chart)
    if names:
        legend = Legend()
        legend.x, legend.y = CHART_W - 120, CHART_H - 5
        legend.fontName, legend.fontSize = font, 7
        legend.colorNamePairs = [(palette[i % len(palette)], n) for i, n in enumerate(names)]
        d.add(legend)
    return d


def _count_chart(labels: list[str], values: list[float], font: str) -> Drawing:
    """Counts: whole-number ticks from zero."""
    top = max([1.0, *values])
    d = _bar_chart(labels, [values], font, value_min=0, value_max=math.ceil(top))
    d.contents[0].valueAxis.valueStep = max(1, math.ceil(top / 5))
    return d


def _availability_chart(by_day: list[dict[str, Any]], font: str) -> Drawing:
    """Availability per day; the scale starts just below the worst day so every bar shows."""
    values = [float(d["availability_percent"]) for d in by_day] or [100.0]
    low = max(0, int(math.floor(min(values))) - 1) if min(values) < 99 else 98
    step = max(1, (100 - low) // 5) if 100 - low > 5 else 0.5
    d = _bar_chart([day["date"][8:10] for day in by_day], [values], font, value_min=low, value_max=100)
    chart = d.contents[0]
    chart.valueAxis.valueStep = step
    return d


def _percentile_chart(by_day: list[dict[str, Any]], font: str) -> Drawing:
    d = Drawing(CHART_W, CHART_H)
    if not by_day:
        d.add(String(10, CHART_H / 2, "応答時間の測定値はありません", fontName=font, fontSize=9))
        return d
    plot = LinePlot()
    plot.x, plot.y, plot.width, plot.height = 35, 20, CHART_W - 60, CHART_H - 35
    keys = ("p50_ms", "p95_ms", "p99_ms")
    plot.data = [[(int(day["date"][8:10]), float(day[k] or 0)) for day in by_day] for k in keys]
    palette = [colors.Color(0.2, 0.4, 0.7), colors.Color(0.85, 0.45, 0.2), colors.Color(0.7, 0.1, 0.1)]
    for i in range(3):
        plot.lines[i].strokeColor = palette[i]
        plot.lines[i].symbol = makeMarker("FilledCircle", size=2)
    plot.xValueAxis.valueMin, plot.xValueAxis.valueMax = 1, 31
    plot.xValueAxis.labels.fontName = plot.yValueAxis.labels.fontName = font
    plot.xValueAxis.labels.fontSize = plot.yValueAxis.labels.fontSize = 7
    plot.yValueAxis.valueMin = 0
    d.add(plot)
    legend = Legend()
    legend.x, legend.y = CHART_W - 80, CHART_H - 5
    legend.fontName, legend.fontSize = font, 7
    legend.colorNamePairs = list(zip(palette, ("p50", "p95", "p99"), strict=True))
    d.add(legend)
    return d


def _cert_label(value: str) -> str:
    from client.domain.model import CertificateType

    try:
        return CertificateType(value).label_ja
    except ValueError:
        return value


def _m(v: float | None) -> str:
    return "—" if v is None else f"{v:g}分"


def render_sla_pdf(fig: dict[str, Any]) -> bytes:
    """The report for ``fig`` (the output of :func:`server_stub.operations.sla.sla_figures`)."""
    font = _font()
    h1 = ParagraphStyle("h1", fontName=font, fontSize=15, leading=20)
    h2 = ParagraphStyle("h2", fontName=font, fontSize=11, leading=16, spaceBefore=6)
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=13)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title=f"SLA報告書 {fig['month']} {fig['municipality_name']}",
                            author="Madoguchi")
    av = fig["availability"]
    rt = fig["response_time"]
    note = fig["notification"]
    story: list[Any] = [
        Paragraph(f"サービスレベル報告書 {fig['month']}({fig['municipality_name']} {fig['municipality_code']})", h1),
        Paragraph(f"対象期間: {fig['period']['start']} 〜 {fig['period']['end']}  作成: {fig['generated_at']}", body),
        Spacer(1, 3 * mm),
        Paragraph("1. 稼働率 (Availability)", h2),
        Paragraph(f"稼働率 {av['percent']}%(目標 {av['target_percent']}%:{'達成' if av['met'] else '未達'})、"
                  f"停止時間 {av['downtime_minutes']}分 / 対象 {av['period_minutes']}分", body),
        _availability_chart(av["by_day"], font),
        Paragraph("2. オンライン応答時間 (Response time, 日別パーセンタイル)", h2),
        Paragraph(f"全体: {rt['overall']['count']}件 p50 {rt['overall']['p50_ms']} ms / p95 {rt['overall']['p95_ms']}"
                  f" ms / p99 {rt['overall']['p99_ms']} ms", body),
        _percentile_chart(rt["by_day"], font),
        Paragraph("3. 障害と検知・通知 (Outages, detection and notification)", h2),
        Paragraph(f"障害検知通知時間の基準 {note['limit_minutes']}分以内: 対象 {note['outages']}件のうち "
                  f"基準内 {note['within_limit']}件、超過 {note['over_limit']}件", body),
    ]
    rows = [["開始", "終了", "継続", "範囲", "検知まで", "通知まで", "基準", "BCP開始まで", "端末"]]
    for o in fig["outages"]:
        rows.append([o["start"][5:16].replace("T", " "), (o["end"] or "継続中")[5:16].replace("T", " "),
                     _m(o["duration_minutes"]), o["scope"], _m(o["detection_delay_minutes"]),
                     _m(o["notification_delay_minutes"]), "○" if o["notification_within_limit"] else "×",
                     _m(o["bcp_delay_minutes"]), ",".join(o["terminals"])])
    if len(rows) == 1:
        rows.append(["(障害の報告はありません)", "", "", "", "", "", "", "", ""])
    story.append(_table(rows, font))
    bcp = fig["bcp"]
    story += [
        Paragraph("4. BCP(縮退運用)での交付 (BCP issuances)", h2),
        Paragraph(f"交付 {bcp['issuances']}件 {bcp['copies']}通  種類別: "
                  + (", ".join(f"{_cert_label(k)} {v}件" for k, v in bcp["by_type"].items()) or "なし"), body),
        _count_chart([d["date"][8:10] for d in av["by_day"]] or ["—"],
                     [float(bcp["by_day"].get(d["date"], 0)) for d in av["by_day"]] or [0.0], font),
    ]
    conf = fig["conflicts"]
    story += [
        Paragraph("5. 同期時の競合と処理結果 (Conflicts and resolutions)", h2),
        Paragraph(f"競合 {conf['total']}件(未処理 {conf['open']}件、処理済 {conf['resolved']}件)  理由別: "
                  + (", ".join(f"{k} {v}" for k, v in conf["by_code"].items()) or "なし") + "  処理結果: "
                  + (", ".join(f"{k} {v}" for k, v in conf["by_outcome"].items()) or "なし"), body),
    ]
    outcomes = conf["by_outcome"]
    story.append(_count_chart(["未処理 open", "問題なし no_problem", "回収 recall", "その他 other"],
                              [float(conf["open"]), float(outcomes.get("no_problem", 0)),
                               float(outcomes.get("recall", 0)), float(outcomes.get("other", 0))], font))
    crow = [["ID", "理由", "状態", "処理結果", "発生", "処理", "処理者", "所要(時間)"]]
    for c in conf["items"][:200]:
        crow.append([str(c["id"]), ",".join(c["codes"]), c["status"], c["outcome"], (c["created_at"] or "")[:16],
                     (c["resolved_at"] or "")[:16], c["resolved_by"], "" if c["hours_to_resolve"] is None
                     else str(c["hours_to_resolve"])])
    if len(crow) > 1:
        story.append(_table(crow, font))
    doc.build(story)
    return buf.getvalue()
