"""The pre-filled 交付請求書 (書かない窓口): one A4 page for the requester to check and sign.

Drawn with the certificates' Painter and IPAex fonts (per-character fallback; a character no
font holds refuses the sheet, as for certificates). Works the same online and in BCP mode: it
needs nothing but what the counter already shows. The sheet carries no 個人番号 and no photo.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from client.domain.model import RequesterKind
from client.domain.wareki import to_wareki
from client.printing.errors import RenderError, TextOverflowError, UndrawableCharactersError
from client.printing.fonts import FontSet
from client.printing.painter import Painter

REQUESTER_KIND_JA = {
    RequesterKind.SELF: "本人",
    RequesterKind.HOUSEHOLD: "同一世帯員",
    RequesterKind.AGENT: "代理人",
    RequesterKind.THIRD_PARTY: "第三者(住基法12条の3)",
    RequesterKind.PROFESSIONAL: "職務上請求(住基法12条の3第2項)",
    RequesterKind.OFFICIAL: "公用(住基法12条の2)",
}


@dataclass(frozen=True)
class SheetPerson:
    name: str
    address: str = ""
    birth: str = ""  # as printed (和暦, or 西暦 for foreign residents)
    kana: str = ""


@dataclass(frozen=True)
class SheetLine:
    """One certificate asked for: 種別, 通数 and the 記載事項 specially requested."""

    label: str
    copies: int
    items: tuple[str, ...] = ()
    members: str = ""  # 本人のみ / 世帯全員 / 世帯一部(n人)


@dataclass(frozen=True)
class RequestSheet:
    municipality_name: str
    created_at: datetime
    requester_kind: RequesterKind
    requester: SheetPerson
    subject: SheetPerson
    lines: tuple[SheetLine, ...]
    identity_method: str  # e.g. マイナンバーカード(IC)
    identity_checks: tuple[str, ...] = ()
    relation: str = ""  # 請求者と対象者の関係 (同一世帯員, 代理人)
    purpose: str = ""  # 使用目的 (12条の3)
    submit_to: str = ""  # 提出先 (12条の3)
    qualification: str = ""  # 職務上請求: 資格・登録番号
    power_of_attorney: bool = False  # 委任状あり
    bcp: bool = False  # 縮退運用中に作成
    terminal: str = ""

    @property
    def needs_purpose(self) -> bool:
        return self.requester_kind in (RequesterKind.THIRD_PARTY, RequesterKind.PROFESSIONAL)


class RequestSheetError(RenderError):
    """The sheet cannot be made from what was chosen (no certificate, a missing purpose …)."""


def check_sheet(sheet: RequestSheet) -> None:
    if not sheet.lines:
        raise RequestSheetError("交付を請求する証明書を1つ以上選んでください。", "no certificate chosen")
    if any(not 1 <= ln.copies <= 20 for ln in sheet.lines):
        raise RequestSheetError("通数は1〜20の範囲で指定してください。", "copies out of range")
    if not sheet.requester.name.strip() or not sheet.subject.name.strip():
        raise RequestSheetError("請求者と対象者の氏名が必要です。", "requester or subject name missing")
    if sheet.needs_purpose and (not sheet.purpose.strip() or not sheet.submit_to.strip()):
        raise RequestSheetError("第三者・職務上請求では使用目的と提出先が必要です(住基法12条の3)。",
                                "purpose and submit-to required for 12条の3 requests")


_LEFT = 18.0
_WIDTH = 174.0
_LABEL_W = 34.0


class _SheetWriter(Painter):
    def __init__(self, sheet: RequestSheet, fonts: FontSet) -> None:
        self.buffer = io.BytesIO()
        canvas = Canvas(self.buffer, pagesize=A4, invariant=True, pageCompression=1)
        super().__init__(canvas, fonts, A4[1])
        self.sheet = sheet

    def label_row(self, top: float, height: float, label: str, value: str, *, lines: int = 1,
                  size: float = 10.5) -> float:
        c = self.canvas
        c.rect(_LEFT * mm, self.y(top + height), _LABEL_W * mm, height * mm, stroke=1, fill=0)
        c.rect((_LEFT + _LABEL_W) * mm, self.y(top + height), (_WIDTH - _LABEL_W) * mm, height * mm, stroke=1, fill=0)
        self.fitted_block(label, left=(_LEFT + 1.5) * mm, top=self.y(top), width=(_LABEL_W - 3) * mm,
                          height=height * mm, size=9.5, min_size=6, lines=2, style="gothic", where=label,
                          alert_on_shrink=False)
        self.fitted_block(value, left=(_LEFT + _LABEL_W + 2) * mm, top=self.y(top),
                          width=(_WIDTH - _LABEL_W - 4) * mm, height=height * mm, size=size, min_size=6,
                          lines=lines, where=label)
        return top + height

    def heading(self, top: float, text: str) -> float:
        self.text(_LEFT * mm, self.y(top + 4.5), text, style="gothic", size=11, align="left", where=text)
        return top + 6.5

    def check_box(self, x: float, top: float, checked: bool, label: str) -> None:
        c = self.canvas
        c.rect(x * mm, self.y(top + 3.6), 3.6 * mm, 3.6 * mm, stroke=1, fill=0)
        if checked:
            c.line(x * mm + 0.6 * mm, self.y(top + 1.9), x * mm + 1.5 * mm, self.y(top + 3.0))
            c.line(x * mm + 1.5 * mm, self.y(top + 3.0), x * mm + 3.1 * mm, self.y(top + 0.6))
        self.text((x + 5) * mm, self.y(top + 3.2), label, style="mincho", size=10, align="left", where=label)

    def render(self) -> bytes:
        s, c = self.sheet, self.canvas
        c.setTitle(f"交付請求書 {s.subject.name}")
        c.setAuthor(s.municipality_name)
        c.setSubject("住民票の写し等 交付請求書")
        c.setCreator("Madoguchi")
        c.setProducer("Madoguchi")
        c.setLineWidth(0.6)
        self.text(105 * mm, self.y(20), "住民票の写し等 交付請求書", style="gothic", size=17, align="center",
                  where="表題")
        self.text((_LEFT + _WIDTH) * mm, self.y(27), f"{s.municipality_name}長 あて", style="mincho", size=10.5,
                  align="right", where="あて先")
        self.text(_LEFT * mm, self.y(27), f"請求日 {to_wareki(s.created_at.date())}", style="mincho",
                  size=10.5, align="left", where="請求日")
        self.text(_LEFT * mm, self.y(33), "窓口で確認した内容を印字しています。誤りがないか確かめて、署名してください。",
                  style="mincho", size=9, align="left", where="案内")
        top = 37.0
        top = self.heading(top, "請求者(窓口に来た方)")
        top = self.label_row(top, 9, "区分", REQUESTER_KIND_JA[s.requester_kind]
                             + (f"(対象者との関係: {s.relation})" if s.relation else ""))
        top = self.label_row(top, 9, "氏名", s.requester.name + (f"({s.requester.kana})" if s.requester.kana else ""))
        top = self.label_row(top, 12, "住所", s.requester.address, lines=2)
        top = self.label_row(top, 9, "生年月日", s.requester.birth)
        if s.requester_kind is RequesterKind.PROFESSIONAL:
            top = self.label_row(top, 9, "資格・登録番号", s.qualification)
        top += 3
        top = self.heading(top, "対象者(証明書に記載される方)")
        top = self.label_row(top, 9, "氏名", s.subject.name + (f"({s.subject.kana})" if s.subject.kana else ""))
        top = self.label_row(top, 12, "住所", s.subject.address, lines=2)
        top = self.label_row(top, 9, "生年月日", s.subject.birth)
        top += 3
        top = self.heading(top, "請求する証明書")
        top = self._lines_table(top)
        if s.needs_purpose:
            top += 3
            top = self.heading(top, "使用目的・提出先(住民基本台帳法12条の3)")
            top = self.label_row(top, 14, "使用目的", s.purpose, lines=3)
            top = self.label_row(top, 9, "提出先", s.submit_to)
        top += 3
        top = self.heading(top, "本人確認・委任")
        top = self.label_row(top, 9, "本人確認の方法", s.identity_method)
        if s.identity_checks:
            top = self.label_row(top, 14, "確認した事項", "、".join(s.identity_checks), lines=3, size=8.5)
        if s.requester_kind is RequesterKind.AGENT:
            c.rect(_LEFT * mm, self.y(top + 9), _WIDTH * mm, 9 * mm, stroke=1, fill=0)
            self.check_box(_LEFT + 2, top + 2.7, s.power_of_attorney, "委任状あり(代理人による請求)")
            if not s.power_of_attorney:
                self.text((_LEFT + 80) * mm, self.y(top + 5.9), "委任状の提出が必要です", style="gothic", size=10,
                          align="left", where="委任状")
            top += 9
        top += 5
        c.rect(_LEFT * mm, self.y(top + 20), _WIDTH * mm, 20 * mm, stroke=1, fill=0)
        self.text((_LEFT + 2) * mm, self.y(top + 5), "上記のとおり請求します。請求者の署名", style="gothic", size=10,
                  align="left", where="署名欄")
        footer = f"作成 {s.created_at:%Y-%m-%d %H:%M}" + (f"  端末 {s.terminal}" if s.terminal else "")
        if s.bcp:
            footer += "  縮退運用(BCP)中に作成"
        self.text(_LEFT * mm, 12 * mm, footer, style="mincho", size=8, align="left", where="作成情報")
        self.text((_LEFT + _WIDTH) * mm, 12 * mm, "職員記入欄: 受付____ 交付____", style="mincho", size=8,
                  align="right", where="職員記入欄")
        c.showPage()
        if self.missing:
            raise UndrawableCharactersError(self.missing)
        if self.overflows:
            raise TextOverflowError(self.overflows)
        c.save()
        return self.buffer.getvalue()

    def _lines_table(self, top: float) -> float:
        c = self.canvas
        cols = ((0.0, 58.0, "証明書の種類"), (58.0, 34.0, "対象"), (92.0, 62.0, "記載事項(特別の請求)"), (154.0, 20.0, "通数"))
        h = 7.0
        for x, w, label in cols:
            c.rect((_LEFT + x) * mm, self.y(top + h), w * mm, h * mm, stroke=1, fill=0)
            self.text((_LEFT + x + w / 2) * mm, self.y(top + 4.9), label, style="gothic", size=9, align="center",
                      where=label)
        top += h
        for line in self.sheet.lines:
            values = (line.label, line.members, "、".join(line.items) or "なし(基本事項のみ)", f"{line.copies}通")
            for (x, w, label), value in zip(cols, values, strict=True):
                c.rect((_LEFT + x) * mm, self.y(top + 8), w * mm, 8 * mm, stroke=1, fill=0)
                self.fitted_block(value, left=(_LEFT + x + 1.5) * mm, top=self.y(top), width=(w - 3) * mm,
                                  height=8 * mm, size=10, min_size=6, lines=2, where=label,
                                  align="right" if label == "通数" else "left")
            top += 8
        return top


def render_request_sheet(sheet: RequestSheet, fonts: FontSet | None = None) -> bytes:
    """The sheet as PDF bytes (one A4 page); RenderError when it cannot be printed as asked."""
    check_sheet(sheet)
    if len(sheet.lines) > 6:
        raise RequestSheetError("1枚の請求書に載せられる証明書は6種類までです。", "more than 6 lines")
    return _SheetWriter(sheet, fonts or FontSet.default()).render()
