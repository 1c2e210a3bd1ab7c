"""Printing certificates through Qt: QPrinter to a PDF file, the preview dialog, printer choice."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from client.certificate.signing import verify_token
from client.domain.model import Layout
from client.printing.printer_choice import (
    PrinterChoice,
    PrinterChoiceError,
    load_printer_choice,
    save_printer_choice,
)
from client.printing.render import render_certificate
from client.ui.printing_dialog import (
    PrintingError,
    build_preview_dialog,
    make_printer,
    paint_pdfs,
    print_pdfs,
)
from tests.fixtures.certificates import FIXED_KEYS, juminhyo, sign
from tests.fixtures.pdftools import pdftoppm_png, zbar_decode


def _certificate(**kwargs: Any) -> tuple[bytes, str]:
    content = juminhyo(**kwargs)
    token = sign(content)
    return render_certificate(content, token).pdf, token


def test_printing_to_a_pdf_printer_keeps_every_page_and_a_scannable_qr(qtbot: Any, tmp_path: Path) -> None:
    renki, renki_token = _certificate(layout=Layout.RENKI, persons=9, whole_household=True)
    kojin, _ = _certificate()
    out = tmp_path / "printed.pdf"
    printer = make_printer(output_pdf=out)
    assert paint_pdfs(printer, [renki, kojin]) == 4
    printed = out.read_bytes()
    reader = PdfReader(io.BytesIO(printed))
    assert len(reader.pages) == 4
    width, height = (float(v) for v in reader.pages[0].mediabox[2:])
    assert abs(width - 595.3) < 2 and abs(height - 841.9) < 2  # A4 portrait
    # the printed (rasterised) sheet 3 still carries a QR code that decodes and verifies
    png = pdftoppm_png(printed, tmp_path / "sheet3.png", page=3, dpi=300, crop_mm=(10, 255, 40, 40))
    decoded = zbar_decode(png)
    assert decoded == [renki_token]
    assert verify_token(decoded[0], FIXED_KEYS).valid


def test_preview_dialog_paints_all_pages(qtbot: Any, tmp_path: Path) -> None:
    pdf, _ = _certificate(layout=Layout.RENKI, persons=5)
    printer = make_printer(output_pdf=tmp_path / "preview.pdf")
    dialog = build_preview_dialog(None, [pdf], printer)
    qtbot.addWidget(dialog)
    painted: list[int] = []
    dialog.paintRequested.connect(lambda p: painted.append(1))
    dialog.show()
    qtbot.waitUntil(lambda: bool(painted), timeout=10_000)
    dialog.close()


def test_unknown_printer_and_bad_pdf_are_clear_errors(qtbot: Any, tmp_path: Path) -> None:
    with pytest.raises(PrintingError) as info:
        make_printer(PrinterChoice(printer_name="存在しないプリンタ-xyz"))
    assert "見つかりません" in info.value.message_ja
    with pytest.raises(PrintingError):
        paint_pdfs(make_printer(output_pdf=tmp_path / "x.pdf"), [b"not a pdf"])


def test_print_pdfs_with_a_missing_printer_shows_an_error(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[str] = []
    monkeypatch.setattr(
        "client.ui.printing_dialog.QMessageBox.critical", lambda parent, title, text: shown.append(text)
    )
    pdf, _ = _certificate()
    path = tmp_path / "c.pdf"
    path.write_bytes(pdf)
    ok = print_pdfs(None, [path], choice=PrinterChoice(printer_name="存在しないプリンタ-xyz"))
    assert ok is False
    assert shown and "見つかりません" in shown[0]


def test_printer_choice_round_trip(tmp_path: Path) -> None:
    assert load_printer_choice(tmp_path) == PrinterChoice()
    save_printer_choice(tmp_path, PrinterChoice("Counter-1 Laser", "プリンタ002"))
    assert load_printer_choice(tmp_path) == PrinterChoice("Counter-1 Laser", "プリンタ002")
    with pytest.raises(PrinterChoiceError):
        PrinterChoice("x", "プリンタ 002")
    (tmp_path / "printer.json").write_text("{broken", encoding="utf-8")
    with pytest.raises(PrinterChoiceError):
        load_printer_choice(tmp_path)


def test_printer_settings_dialog_saves_the_terminal_choice(qtbot: Any, tmp_path: Path) -> None:
    from PySide6.QtCore import Qt

    from client.ui.printing_dialog import PrinterSettingsDialog

    dialog = PrinterSettingsDialog(tmp_path, printers=["Counter-1 Laser", "Counter-2 Laser"])
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.printer_combo.setCurrentIndex(dialog.printer_combo.findData("Counter-2 Laser"))
    dialog.id_edit.setText("プリンタ")  # QTest types Latin-1 only: set the kana, type the rest
    qtbot.keyClicks(dialog.id_edit, " 009")  # a space is not allowed in a 発行番号 field
    dialog.save()
    assert "空白" in dialog.error_label.text()
    assert not (tmp_path / "printer.json").exists()
    dialog.id_edit.setText("プリンタ")
    qtbot.keyClicks(dialog.id_edit, "009")
    qtbot.keyClick(dialog.id_edit, Qt.Key.Key_Return)
    assert dialog.result() == dialog.DialogCode.Accepted
    assert load_printer_choice(tmp_path) == PrinterChoice("Counter-2 Laser", "プリンタ009")
    again = PrinterSettingsDialog(tmp_path, printers=[])
    qtbot.addWidget(again)
    assert again.printer_combo.currentData() == "Counter-2 Laser"  # kept, marked as not connected
    assert "未接続" in again.printer_combo.currentText()


def test_preview_opens_fitted_to_width_and_zooms_from_the_keyboard(qtbot: Any, tmp_path: Path) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtPrintSupport import QPrintPreviewWidget

    pdf, _ = _certificate()
    dialog = build_preview_dialog(None, [pdf], make_printer(output_pdf=tmp_path / "preview.pdf"))
    qtbot.addWidget(dialog)  # the dialog keeps its printer alive (it crashed when the caller dropped it)
    dialog.show()
    qtbot.waitExposed(dialog)
    preview = dialog.findChild(QPrintPreviewWidget)
    assert preview.zoomMode() == QPrintPreviewWidget.ZoomMode.FitToWidth
    fitted = preview.zoomFactor()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=10_000)
    qtbot.keyClick(dialog, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: preview.zoomFactor() > fitted, timeout=10_000)
    qtbot.keyClick(dialog, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: preview.zoomMode() == QPrintPreviewWidget.ZoomMode.FitToWidth, timeout=10_000)
    dialog.close()


def test_the_menu_opens_the_printer_settings(qtbot: Any, counter_app: Any, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MADOGUCHI_HOME", str(tmp_path / "home"))
    counter_app.service.sign_in("clerk1", "clerk1pass")
    window = counter_app.open_main_window()
    qtbot.addWidget(window)
    action = window.actions_by_name["printer"]
    assert action.text() == "プリンタ設定" and action.shortcut().toString() == "Ctrl+P"
    action.trigger()
    dialog = window.printer_dialog
    assert dialog.isVisible() and dialog.home == tmp_path / "home"
    dialog.id_edit.setText("プリンタ009")
    dialog.save()
    assert load_printer_choice(tmp_path / "home").printer_id == "プリンタ009"
