"""Reading and writing layout CSV files: UTF-8 (with or without BOM) or Shift_JIS (cp932), CRLF."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

ENCODINGS = ("utf-8", "cp932")


class LayoutFileError(ValueError):
    """A file that cannot be read as a layout CSV at all (encoding, header)."""

    def __init__(self, message_en: str, message_ja: str) -> None:
        super().__init__(message_en)
        self.message_en = message_en
        self.message_ja = message_ja


@dataclass(frozen=True)
class CsvTable:
    encoding: str
    header: tuple[str, ...]
    rows: list[tuple[int, list[str]]]  # (line number in the file, cells)


def decode(data: bytes, encoding: str = "auto") -> tuple[str, str]:
    """The text and the encoding used. ``auto``: UTF-8 when it decodes (BOM allowed), else cp932."""
    if encoding not in ("auto", *ENCODINGS):
        raise LayoutFileError(f"unsupported encoding {encoding!r}", f"文字コード {encoding} には対応していません。")
    candidates = ENCODINGS if encoding == "auto" else (encoding,)
    for enc in candidates:
        try:
            text = data.decode("utf-8-sig" if enc == "utf-8" else enc)
        except UnicodeDecodeError:
            continue
        return text, enc
    raise LayoutFileError(
        "the file is neither UTF-8 nor Shift_JIS (cp932)" if encoding == "auto" else f"not valid {encoding}",
        "ファイルの文字コードを判別できません(UTF-8 または Shift_JIS で保存してください)。",
    )


def parse_csv(data: bytes, encoding: str = "auto") -> CsvTable:
    text, used = decode(data, encoding)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        lines = list(reader)
    except csv.Error as exc:
        raise LayoutFileError(f"malformed CSV: {exc}", f"CSVの形式が正しくありません: {exc}") from exc
    if not lines:
        raise LayoutFileError("empty file (no header row)", "ファイルが空です(見出し行がありません)。")
    header = tuple(lines[0])
    rows: list[tuple[int, list[str]]] = []
    for index, cells in enumerate(lines[1:], start=2):
        if not cells or cells == [""]:
            continue  # a blank line
        rows.append((index, cells))
    return CsvTable(used, header, rows)


def write_csv(header: Sequence[str], rows: Sequence[Sequence[str]], encoding: str = "utf-8") -> bytes:
    """Every cell quoted, CRLF line ends, no BOM. Raises UnicodeEncodeError for cp932 外字."""
    if encoding not in ENCODINGS:
        raise LayoutFileError(f"unsupported encoding {encoding!r}", f"文字コード {encoding} には対応していません。")
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode(encoding)
