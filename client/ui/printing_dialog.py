"""Print preview and printing of certificate PDFs through Qt (QPrinter / QPrintPreviewDialog).

PySide6-Essentials has no QtPdf, so pages are rasterised with PDFium (pypdfium2) at the printer's
resolution (capped at 600 dpi) and painted full-page on A4. The printer is the one chosen for
this terminal (client.printing.printer_choice); its id is what the 発行番号 carries.

Entry points used by the counter windows: ``preview_pdf(parent, path)`` and
``print_pdfs(parent, paths)``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

import pypdfium2 as pdfium
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QKeySequence, QPageLayout, QPageSize, QPainter, QShortcut
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo, QPrintPreviewDialog, QPrintPreviewWidget
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QWidget,
)

from client.errors import ClerkError
from client.printing.printer_choice import (
    PrinterChoice,
    PrinterChoiceError,
    load_printer_choice,
    save_printer_choice,
)

log = logging.getLogger(__name__)

MAX_DPI = 300


class PrintingError(ClerkError):
    """Printing could not start or failed; nothing (or not everything) was printed."""


def available_printers() -> list[str]:
    return list(QPrinterInfo.availablePrinterNames())


def make_printer(choice: PrinterChoice | None = None, *, output_pdf: Path | None = None) -> QPrinter:
    """An A4 portrait, full-page QPrinter for the terminal's printer (or a PDF file)."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    if output_pdf is not None:
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(output_pdf))
    elif choice is not None and choice.printer_name:
        if choice.printer_name not in available_printers():
            raise PrintingError(
                f"この端末に設定されたプリンタ「{choice.printer_name}」が見つかりません。",
                f"printer {choice.printer_name!r} is not available",
            )
        printer.setPrinterName(choice.printer_name)
    printer.setFullPage(True)
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setPageOrientation(QPageLayout.Orientation.Portrait)
    printer.setDocName("証明書")
    return printer


def _page_image(page: pdfium.PdfPage, dpi: float) -> QImage:
    bitmap = page.render(scale=dpi / 72.0, grayscale=True)
    pil = bitmap.to_pil().convert("L")
    data = pil.tobytes()
    image = QImage(data, pil.width, pil.height, pil.width, QImage.Format.Format_Grayscale8)
    return image.copy()  # detach from the Python buffer


def paint_pdfs(printer: QPrinter, pdfs: Sequence[bytes]) -> int:
    """Paint every page of ``pdfs`` onto ``printer`` (one sheet a page). Returns the pages painted."""
    documents = []
    try:
        for pdf in pdfs:
            documents.append(pdfium.PdfDocument(pdf))
    except pdfium.PdfiumError as exc:
        raise PrintingError("印刷するPDFを読み込めません。", f"cannot open PDF: {exc}") from exc
    painter = QPainter()
    if not painter.begin(printer):
        raise PrintingError("プリンタを開始できません。", "QPainter.begin failed on the printer")
    pages = 0
    try:
        dpi = float(min(printer.resolution(), MAX_DPI))
        target = printer.paperRect(QPrinter.Unit.DevicePixel)
        for document in documents:
            for index in range(len(document)):
                if pages and not printer.newPage():
                    raise PrintingError("次の頁を印刷できません。", "QPrinter.newPage failed")
                page = document[index]
                width_pt, height_pt = page.get_size()
                image = _page_image(page, dpi)
                scale = min(target.width() / width_pt, target.height() / height_pt)
                rect = QRectF(target.x(), target.y(), width_pt * scale, height_pt * scale)
                painter.drawImage(rect, image)
                pages += 1
    finally:
        painter.end()
        for document in documents:
            document.close()
    return pages


def build_preview_dialog(
    parent: QWidget | None, pdfs: Sequence[bytes], printer: QPrinter
) -> QPrintPreviewDialog:
    dialog = QPrintPreviewDialog(printer, parent)
    dialog._printer = printer  # type: ignore[attr-defined]  # Qt does not own it: keep it alive
    dialog.setWindowTitle("印刷プレビュー")
    dialog.paintRequested.connect(lambda p: _paint_or_log(p, pdfs))
    preview = dialog.findChild(QPrintPreviewWidget)
    if preview is not None:  # readable at once (it opened at about 51 %), zoom from the keyboard
        preview.setZoomMode(QPrintPreviewWidget.ZoomMode.FitToWidth)
        zoom_in, zoom_out, fit = (lambda: preview.zoomIn(1.25)), (lambda: preview.zoomOut(1.25)), preview.fitToWidth
        for keys, action in ((QKeySequence.StandardKey.ZoomIn, zoom_in), ("Ctrl+=", zoom_in),
                             (QKeySequence.StandardKey.ZoomOut, zoom_out), ("Ctrl+0", fit)):
            QShortcut(QKeySequence(keys), dialog).activated.connect(action)
    return dialog


def _paint_or_log(printer: QPrinter, pdfs: Sequence[bytes]) -> None:
    try:
        paint_pdfs(printer, pdfs)
    except PrintingError as exc:  # inside a Qt slot: never let a traceback escape
        log.error("print preview failed: %s", exc.message_en)


def _terminal_choice() -> PrinterChoice:
    from client.lifecycle.config import default_home

    try:
        return load_printer_choice(default_home(os.environ))
    except PrinterChoiceError as exc:
        log.warning("%s; using the system default printer", exc.message_en)
        return PrinterChoice()


def _show_error(parent: QWidget | None, exc: PrintingError) -> None:
    log.error("printing failed: %s", exc.message_en)
    QMessageBox.critical(parent, "印刷エラー", exc.message_ja)


def _read(paths: Sequence[Path]) -> list[bytes]:
    try:
        return [Path(p).read_bytes() for p in paths]
    except OSError as exc:
        raise PrintingError("印刷するPDFファイルを読み込めません。", f"cannot read PDF: {exc}") from exc


def preview_pdfs(
    parent: QWidget | None, paths: Sequence[Path], *, choice: PrinterChoice | None = None
) -> bool:
    """Show the print preview; the clerk prints from it. True when printed."""
    try:
        pdfs = _read(paths)
        printer = make_printer(choice or _terminal_choice())
    except PrintingError as exc:
        _show_error(parent, exc)
        return False
    dialog = build_preview_dialog(parent, pdfs, printer)
    return dialog.exec() == QDialog.DialogCode.Accepted


def preview_pdf(parent: QWidget | None, path: Path) -> bool:
    return preview_pdfs(parent, [path])


def print_pdfs(parent: QWidget | None, paths: Sequence[Path], *, choice: PrinterChoice | None = None) -> bool:
    """Print on the terminal's printer without a dialog when one is set; otherwise via the preview."""
    choice = choice or _terminal_choice()
    if not choice.printer_name:
        return preview_pdfs(parent, paths, choice=choice)
    try:
        printer = make_printer(choice)
        pages = paint_pdfs(printer, _read(paths))
    except PrintingError as exc:
        _show_error(parent, exc)
        return False
    log.info("printed %d page(s) on %s", pages, choice.printer_name)
    return True


SYSTEM_DEFAULT_LABEL = "（システムの既定のプリンタ）"


class PrinterSettingsDialog(QDialog):
    """Choose this terminal's printer and the printer id printed in the 発行番号."""

    def __init__(self, home: Path, parent: QWidget | None = None, printers: list[str] | None = None) -> None:
        super().__init__(parent)
        self.home = home
        self.setWindowTitle("プリンタ設定")
        try:
            current = load_printer_choice(home)
        except PrinterChoiceError:
            current = PrinterChoice()
        self.printer_combo = QComboBox(self)
        self.printer_combo.addItem(SYSTEM_DEFAULT_LABEL, "")
        for name in printers if printers is not None else available_printers():
            self.printer_combo.addItem(name, name)
        if current.printer_name and self.printer_combo.findData(current.printer_name) < 0:
            self.printer_combo.addItem(f"{current.printer_name}（未接続）", current.printer_name)
        self.printer_combo.setCurrentIndex(max(0, self.printer_combo.findData(current.printer_name)))
        self.id_edit = QLineEdit(current.printer_id, self)
        self.id_edit.setPlaceholderText("例: プリンタ001")
        self.error_label = QLabel("", self)
        self.error_label.setStyleSheet("color: #b00020")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("プリンタ", self.printer_combo)
        form.addRow("プリンタ番号（発行番号に印字）", self.id_edit)
        form.addRow(self.error_label)
        form.addRow(buttons)

    def choice(self) -> PrinterChoice:
        return PrinterChoice(str(self.printer_combo.currentData() or ""), self.id_edit.text().strip())

    def save(self) -> None:
        try:
            save_printer_choice(self.home, self.choice())
        except PrinterChoiceError as exc:
            self.error_label.setText(exc.message_ja)
            return
        except OSError as exc:
            self.error_label.setText("プリンタ設定を保存できません。")
            log.error("cannot save printer settings: %s", exc)
            return
        self.accept()
