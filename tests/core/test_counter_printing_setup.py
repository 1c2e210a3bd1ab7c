"""The counter uses the terminal's printer id and passes the renderer's Japanese message on."""

from __future__ import annotations

from pathlib import Path

from client.composition.counter_service import build_counter_service
from client.lifecycle.config import ClientConfig
from client.printing.errors import UndrawableCharactersError
from client.printing.printer_choice import PrinterChoice, save_printer_choice
from client.services.counter import _render_error


def test_saved_printer_id_goes_into_the_issue_numbers(tmp_path: Path) -> None:
    config = ClientConfig(server_url="http://127.0.0.1:9", municipality_code="132403", data_dir=tmp_path)
    assert build_counter_service(config).printer_id == "プリンタ001"
    save_printer_choice(tmp_path, PrinterChoice("", "プリンタ007"))
    assert build_counter_service(config).printer_id == "プリンタ007"


def test_render_errors_keep_the_clerk_message() -> None:
    err = _render_error(UndrawableCharactersError({"\U0001F600": ["氏名"]}), "render failed for X")
    assert "U+1F600" in err.message_ja and "外字" in err.message_ja
    assert err.message_en.startswith("render failed for X")
