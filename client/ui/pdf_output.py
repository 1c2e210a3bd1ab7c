"""Preview and print PDFs through the certificates' printing dialog (client.ui.printing_dialog).

Kept in one place so the counter windows do not depend on the printing dialog's details; when
that module is unavailable the PDF is opened with the desktop's viewer instead.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QWidget

log = logging.getLogger(__name__)


def _printing_module():  # noqa: ANN202
    try:
        from client.ui import printing_dialog
    except ImportError:
        return None
    return printing_dialog


def preview_pdf(parent: QWidget, path: Path) -> None:
    module = _printing_module()
    fn = getattr(module, "preview_pdf", None) if module else None
    if callable(fn):
        fn(parent, path)
        return
    log.info("no preview dialog available; opening %s with the desktop viewer", path)
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def print_pdfs(parent: QWidget, paths: list[Path]) -> bool:
    """Print; False when nothing was printed (the preview closed without printing, an error)."""
    module = _printing_module()
    fn = getattr(module, "print_pdfs", None) if module else None
    if callable(fn):
        return bool(fn(parent, paths))
    single = getattr(module, "print_pdf", None) if module else None
    if callable(single):
        return all([bool(single(parent, p)) for p in paths])
    log.warning("no printing dialog available; PDFs left at %s", [str(p) for p in paths])
    return False
