"""The printer chosen for this terminal, and the printer id that goes into the 発行番号.

Stored per terminal as ``printer.json`` in the client data directory (``MADOGUCHI_HOME``):
``{"printer_name": "<OS printer name or empty for the system default>", "printer_id": "プリンタ001"}``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from client.fileswap.ops import replace_file

PRINTER_FILE = "printer.json"
DEFAULT_PRINTER_ID = "プリンタ001"
_WS = re.compile(r"\s")


class PrinterChoiceError(ValueError):
    def __init__(self, message_ja: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_ja = message_ja
        self.message_en = message_en


@dataclass(frozen=True)
class PrinterChoice:
    printer_name: str = ""  # empty: the system's default printer
    printer_id: str = DEFAULT_PRINTER_ID  # printed inside the 発行番号, e.g. プリンタ001

    def __post_init__(self) -> None:
        if not self.printer_id or _WS.search(self.printer_id):
            raise PrinterChoiceError(
                "プリンタ番号は空白を含まない文字列で指定してください。",
                f"printer id must be non-empty without spaces: {self.printer_id!r}",
            )


def load_printer_choice(home: Path) -> PrinterChoice:
    """The terminal's choice, or the default (system printer, プリンタ001) when none is saved."""
    path = home / PRINTER_FILE
    if not path.exists():
        return PrinterChoice()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return PrinterChoice(
            str(data.get("printer_name", "")), str(data.get("printer_id", DEFAULT_PRINTER_ID))
        )
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError) as exc:
        raise PrinterChoiceError(
            f"プリンタ設定 {path} を読み込めません。", f"cannot read printer settings {path}: {exc}"
        ) from exc


def save_printer_choice(home: Path, choice: PrinterChoice) -> Path:
    path = home / PRINTER_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(
        json.dumps(
            {"printer_name": choice.printer_name, "printer_id": choice.printer_id}, ensure_ascii=False
        ),
        encoding="utf-8",
    )
    replace_file(tmp, path)  # Windows: waits out a reader's brief open
    return path
