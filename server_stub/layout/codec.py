"""One layout row ⇄ model values: parsing with per-cell validation, and formatting for export."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from client.domain.checkdigits import is_valid_atena_no, is_valid_municipality_code, is_valid_my_number
from client.domain.partial_date import PartialDate, PartialDateError
from client.domain.wareki import ERAS
from server_stub.layout.spec import CODE_TABLES, KOJIN, Column, RecordKind, reverse

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_POSTAL = re.compile(r"^\d{3}-\d{4}$")
_ATENA_ATTRS = {"atena_no", "household_no", "head_atena_no"}
_KANA_OK = re.compile(r"^[\u30a1-\u30fa\u30fc\u30fd\u30fe\u30fb \u3000]+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class RowError:
    """One reason a row is rejected."""

    file: str
    line: int
    kind: str
    key: str  # the row's natural key, when it could be read
    column: str  # 項目名, or "" for a whole-row problem
    code: str  # missing_value | too_long | not_digits | wrong_length | bad_check_digit | unknown_code …
    message_ja: str
    message_en: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


_municipality_ok = lru_cache(maxsize=64)(is_valid_municipality_code)  # the same code on every row


class CellError(ValueError):
    def __init__(self, code: str, message_ja: str, message_en: str) -> None:
        super().__init__(message_en)
        self.code = code
        self.message_ja = message_ja
        self.message_en = message_en


def _digits(col: Column, text: str) -> str:
    if not text.isascii() or not text.isdigit():
        raise CellError("not_digits", f"{col.name}は半角数字で指定してください。", f"{col.name}: digits expected")
    if (col.exact and len(text) != col.length) or len(text) > col.length:
        raise CellError("wrong_length", f"{col.name}の桁数が正しくありません({col.length}桁)。",
                        f"{col.name}: {col.length} digits expected, got {len(text)}")
    if col.attr in _ATENA_ATTRS and not is_valid_atena_no(text):
        raise CellError("bad_check_digit", f"{col.name}の検査数字が正しくありません。", f"{col.name}: bad check digit")
    if col.attr == "my_number" and not is_valid_my_number(text):
        raise CellError("bad_check_digit", "個人番号の検査数字が正しくありません。", "個人番号: bad check digit")
    if col.attr == "municipality_code" and not _municipality_ok(text):
        raise CellError("bad_check_digit", "団体コードの検査数字が正しくありません。", "団体コード: bad check digit")
    return text


def _date(col: Column, text: str) -> date:
    if not (len(text) == 8 and text.isascii() and text.isdigit()):
        raise CellError("bad_date_format", f"{col.name}は YYYYMMDD の8桁で指定してください。",
                        f"{col.name}: YYYYMMDD expected, got {text!r}")
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise CellError("impossible_date", f"{col.name}「{text}」は存在しない日付です。",
                        f"{col.name}: no such date {text}") from None


def _birth(col: Column, text: str) -> PartialDate:
    if not (len(text) == 8 and text.isascii() and text.isdigit()):
        raise CellError("bad_date_format", f"{col.name}は YYYYMMDD の8桁で指定してください。",
                        f"{col.name}: YYYYMMDD expected, got {text!r}")
    y, m, d = int(text[:4]), int(text[4:6]), int(text[6:])
    try:
        return PartialDate(y or None, m or None, d or None)
    except PartialDateError:
        raise CellError("impossible_date", f"{col.name}「{text}」は存在しない日付です。",
                        f"{col.name}: no such date {text}") from None


def parse_cell(col: Column, text: str) -> Any:
    """The model value of one cell; raises CellError."""
    if text == "":
        if col.required:
            raise CellError("missing_value", f"{col.name}は必須です。", f"{col.name}: required")
        return {"D": None, "B": None, "I": b""}.get(col.type, None if col.attr in ("my_number", "juminhyo_code") else "")
    if col.type == "N":
        return _digits(col, text)
    if col.type == "C":
        table = CODE_TABLES[col.code_table]
        if text not in table:
            raise CellError("unknown_code", f"{col.name}のコード「{text}」はコード表にありません。",
                            f"{col.name}: unknown code {text!r}")
        return table[text]
    if col.type == "D":
        return _date(col, text)
    if col.type == "B":
        return _birth(col, text)
    if col.type == "P":
        if not _POSTAL.match(text):
            raise CellError("bad_postal_code", f"{col.name}は NNN-NNNN の形式で指定してください。",
                            f"{col.name}: NNN-NNNN expected")
        return text
    if col.type == "I":
        try:
            data = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise CellError("bad_image", f"{col.name}がBase64として読めません。", f"{col.name}: not base64") from None
        if not data.startswith(PNG_SIGNATURE):
            raise CellError("bad_image", f"{col.name}がPNG画像ではありません。", f"{col.name}: not a PNG image")
        if len(text) > col.length:
            raise CellError("too_long", f"{col.name}が大きすぎます。", f"{col.name}: image too large")
        return data
    # X: text
    if len(text) > col.length:
        raise CellError("too_long", f"{col.name}は{col.length}文字以内です。", f"{col.name}: over {col.length} characters")
    if _CONTROL.search(text):
        raise CellError("control_character", f"{col.name}に制御文字が含まれています。", f"{col.name}: control character")
    if col.attr == "kana" and not _KANA_OK.match(text):
        raise CellError("not_katakana", "氏名カナは全角カタカナで指定してください。", "氏名カナ: katakana expected")
    return text


def parse_row(kind: RecordKind, cells: list[str]) -> tuple[dict[str, Any], list[CellError]]:
    """Model values (only those that parsed) and the cell errors, tagged with their column name."""
    values: dict[str, Any] = {}
    errors: list[CellError] = []
    for col, text in zip(kind.columns, cells, strict=False):
        try:
            values[col.attr] = parse_cell(col, text)
        except CellError as exc:
            exc.column = col.name  # type: ignore[attr-defined]
            errors.append(exc)
    if kind is KOJIN and isinstance(values.get("birth"), PartialDate):
        b: PartialDate = values["birth"]
        era = str(values.get("birth_era") or "")
        try:
            values["birth"] = _with_era(PartialDate(b.year, b.month, b.day,
                                                    approximate=bool(values.get("birth_approximate", b.approximate))),
                                        era).to_str()
        except CellError as exc:
            exc.column = "生年月日元号"  # type: ignore[attr-defined]
            errors.append(exc)
            values.pop("birth")
    values.pop("birth_approximate", None)
    values.pop("birth_era", None)
    return values, errors


def _with_era(birth: PartialDate, era: str) -> PartialDate:
    """The birth date with the era it was written in (a partial date inside that era only)."""
    if not era:
        return birth
    if birth.is_complete:
        raise CellError("era_on_complete_date", "元号は不詳を含む生年月日にだけ指定できます。",
                        "生年月日元号: only a partial birth date keeps its era")
    spec = next(e for e in ERAS if e.letter == era)
    last = spec.end.year if spec.end is not None else 9999
    if birth.year is not None and not spec.start.year <= birth.year <= last:
        raise CellError("era_out_of_range", f"{birth.year}年は{spec.name}の年ではありません。",
                        f"生年月日元号: {birth.year} is not a year of {spec.name}")
    try:
        return PartialDate(birth.year, birth.month, birth.day, approximate=birth.approximate, era=era)
    except PartialDateError:
        raise CellError("impossible_date", "生年月日と元号の組合せが正しくありません。",
                        "生年月日元号: impossible with this birth date") from None


# --- export -------------------------------------------------------------------------------------


def _fmt_date(value: date | None) -> str:
    return "" if value is None else f"{value.year:04d}{value.month:02d}{value.day:02d}"


def format_cell(col: Column, value: Any) -> str:
    if col.type == "C":
        code = reverse(CODE_TABLES[col.code_table]).get(value)
        if code is None:
            raise ValueError(f"{col.name}: value {value!r} has no code in the code table")
        return code
    if col.type == "D":
        return _fmt_date(value)
    if col.type == "I":
        return base64.b64encode(value or b"").decode("ascii")
    return "" if value is None else str(value)


def format_row(kind: RecordKind, obj: Any) -> list[str]:
    out: list[str] = []
    for col in kind.columns:
        if col.attr == "birth":
            p = PartialDate.parse_str(obj.birth)
            out.append(f"{p.year or 0:04d}{p.month or 0:02d}{p.day or 0:02d}")
        elif col.attr == "birth_approximate":
            out.append("1" if PartialDate.parse_str(obj.birth).approximate else "0")
        elif col.attr == "birth_era":
            out.append(format_cell(col, PartialDate.parse_str(obj.birth).era))
        else:
            out.append(format_cell(col, getattr(obj, col.attr)))
    return out
