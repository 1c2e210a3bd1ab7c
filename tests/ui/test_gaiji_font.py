"""外字 in the UI: 𠮷 (U+20BB7, not in IPAex) is drawn from IPAmj Mincho, not shown as a box."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QLabel

from client.ui.app import create_application


def _ink(text: str) -> QImage:
    label = QLabel(text)
    font = QApplication.font()
    font.setPointSize(24)
    label.setFont(font)
    label.adjustSize()
    return label.grab().toImage()


def _dark_pixels(image: QImage) -> int:
    return sum(1 for y in range(image.height()) for x in range(image.width())
               if image.pixelColor(x, y).lightness() < 128)


def test_gaiji_is_drawn_with_the_fallback_font(qapp: Any) -> None:
    app = create_application()
    families = app.font().families()
    assert families[0] == "IPAexGothic" and "IPAmjMincho" in families
    kichi, box = _dark_pixels(_ink("𠮷")), _dark_pixels(_ink("\U0010FFFD"))  # U+10FFFD: no font has it
    assert kichi > 0 and kichi != box
