"""Application bootstrap: QApplication (high-DPI, Japanese font), translator, sign-in, main window."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import QApplication, QDialog

from client.lifecycle.config import ClientConfig
from client.services.counter import CounterService
from client.ui.idle_lock import IdleLockController
from client.ui.main_window import MainWindow, PdfPreviewer, PdfPrinter
from client.ui.mode_banner import ModeBridge, connect_banner
from client.ui.pdf_output import preview_pdf, print_pdfs
from client.ui.qt_types import resolve_qt_types
from client.ui.signin_dialog import SignInDialog
from client.ui.standing_line import StandingBridge
from client.ui.taskman import TaskManager
from client.ui.translation import LanguageSwitcher

log = logging.getLogger(__name__)

# closing the window waits this long at most for a running task (a line timeout is 1.2–3 s)
SHUTDOWN_WAIT_SECONDS = 10.0

_FONTS_DIR = Path(__file__).resolve().parents[2] / "resources" / "fonts"


def create_application(argv: list[str] | None = None) -> QApplication:
    """The one QApplication (reused when it exists, e.g. under pytest-qt)."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        install_fonts(existing)
        return existing
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("Madoguchi")
    app.setOrganizationName("Madoguchi")
    app.setApplicationDisplayName("窓口")
    install_fonts(app)
    return app


def install_fonts(app: QApplication) -> None:
    """Make the shipped IPAex Gothic the UI font, so Japanese renders on any machine, with IPAmj
    Mincho behind it for 外字 (𠮷, 﨑 …) that IPAex lacks — drawn, never a box."""
    if app.property("madoguchi_fonts"):
        return
    families: list[str] = []
    for name in ("ipaexg.ttf", "ipaexm.ttf", "ipamjm.ttf"):
        path = _FONTS_DIR / name
        if path.is_file():
            font_id = QFontDatabase.addApplicationFont(str(path))
            loaded = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
            if loaded:
                families.append(loaded[0])
            else:
                log.warning("font %s could not be loaded", path)
    if families:
        ui = [families[0]] + [f for f in families[1:] if "mj" in f.lower()]  # Gothic, then the 外字 font
        font = QFont(families[0])
        font.setFamilies(ui)
        font.setPointSize(max(app.font().pointSize(), 10))
        app.setFont(font)
    app.setProperty("madoguchi_fonts", True)


class CounterApp:
    """The object graph of one running counter UI (built by ``start``; tests build it too)."""

    def __init__(self, service: CounterService, *, idle_lock_minutes: float = 15, language: str = "ja",
                 server_text: str = "", printer: PdfPrinter | None = print_pdfs,
                 previewer: PdfPreviewer | None = preview_pdf, bridge: ModeBridge | None = None,
                 confirm_bcp: Callable[[str, str], str] | None = None,
                 bcp_evidence: Callable[[], dict[str, Any]] | None = None,
                 card_reader: Callable[[], Any] | None = None,
                 standing_bridge: StandingBridge | None = None,
                 on_shutdown: Sequence[Callable[[], None]] = ()) -> None:
        self.qapp = create_application()
        resolve_qt_types()  # no lazy class build on the GUI thread later (e.g. at a line cut)
        self.service = service
        self.taskman = TaskManager()
        self.languages = LanguageSwitcher(self.qapp)
        if language != "ja":
            self.languages.set_language(language)
        self.idle_lock_minutes = idle_lock_minutes
        self.server_text = server_text
        self.printer = printer  # None: PDFs are written but not sent to a printer (tests, automation)
        self.previewer = previewer
        self.bridge = bridge if bridge is not None else ModeBridge()
        # the terminal's standing and a wipe (issue 15)
        self.standing_bridge = standing_bridge if standing_bridge is not None else StandingBridge()
        self.window: MainWindow | None = None
        self.idle_lock: IdleLockController | None = None
        self.on_shutdown: list[Callable[[], None]] = list(on_shutdown)  # e.g. stop the terminal runtime
        self.confirm_bcp = confirm_bcp  # (supervisor id, password) -> name
        self.card_reader = card_reader  # マイナンバーカード reader factory (client/card)
        self.bcp_evidence = bcp_evidence  # Continuity.evidence on a terminal

    def sign_in_dialog(self) -> SignInDialog:
        return SignInDialog(self.service, self.taskman, server_text=self.server_text)

    def open_main_window(self) -> MainWindow:
        window = MainWindow(self.service, self.taskman, printer=self.printer, previewer=self.previewer,
                            toggle_language=self.languages.toggle, confirm_bcp=self.confirm_bcp,
                            card_reader=self.card_reader, bcp_evidence=self.bcp_evidence,
                            idle_lock_seconds=self.idle_lock_minutes * 60)
        if self.bridge.last is None:
            self.bridge.publish(self.service.mode)
        connect_banner(self.bridge, window.banner)
        self.bridge.synced_back.connect(window.on_synced_back, Qt.ConnectionType.QueuedConnection)
        self._connect_standing(window)
        self.idle_lock = window.idle_lock
        window.update_user_label()
        window.show_initial()
        window.activateWindow()
        window.raise_()
        self.window = window
        return window

    def _connect_standing(self, window: MainWindow) -> None:
        standing = self.standing_bridge
        standing.standing_changed.connect(window.standing_line.update_standing, Qt.ConnectionType.QueuedConnection)
        standing.wiped.connect(window.on_terminal_wiped, Qt.ConnectionType.QueuedConnection)
        if standing.last is not None:
            window.standing_line.update_standing(standing.last)
        if standing.last_wipe is not None:
            window.on_terminal_wiped(standing.last_wipe)

    def shutdown(self) -> None:
        # the running tasks first (a search or a BCP issuance may be using the replica, the outbox
        # or the hold store), then the terminal runtime that closes those databases
        self.taskman.shutdown(wait_seconds=SHUTDOWN_WAIT_SECONDS)
        for stop in reversed(self.on_shutdown):
            try:
                stop()
            except Exception:  # shutting down: log and carry on
                log.exception("shutdown hook failed")
        self.on_shutdown.clear()
        self.service.close()


def build_app(
    config: Any,
    *,
    language: str | None = None,
    server_text: str = "",
    drill: bool = False,
    card_reader: Callable[[], Any] | None = None,
    on_terminal_error: Callable[[Exception], None] | None = None,
    out_dir: Path | None = None,
    render_in_process: bool = True,
) -> CounterApp:
    """The window's object graph: the whole terminal from the composition root
    (``client.composition.root.build``) with the UI's bridge plugged in, and the counter app.

    ``on_terminal_error``: an enrolled terminal whose runtime cannot be built is told there and
    the counter works online only. Raises ``ClerkError`` (configuration) before any window opens.
    """
    from client.composition.root import build

    create_application()
    bridge = ModeBridge()
    standing = StandingBridge()
    counter = build(config, publish=bridge.publish, on_confirmation_needed=bridge.ask_confirmation,
                    on_sync_back=bridge.sync_back_done, on_standing=standing.publish,
                    on_wiped=standing.announce_wipe, on_holds=bridge.publish_holds, on_terminal_error=on_terminal_error, drill=drill,
                    out_dir=out_dir, render_in_process=render_in_process)
    enrolled = counter.runtime is not None
    return CounterApp(
        counter.service, idle_lock_minutes=config.idle_lock_minutes,
        language=language or os.environ.get("MADOGUCHI_LANG", "ja"), server_text=server_text, bridge=bridge,
        confirm_bcp=counter.confirm_bcp if enrolled else None,
        bcp_evidence=counter.bcp_evidence if enrolled else None,
        card_reader=card_reader, standing_bridge=standing,
        on_shutdown=[counter.runtime.close] if enrolled else (),
    )


def run_gui(counter: CounterApp, *, user: str | None = None, password: str | None = None) -> int:
    """Sign in (prefilled and submitted when credentials are given, as in the demo) and run."""
    dialog = counter.sign_in_dialog()
    if user and password:
        dialog.user_edit.setText(user)
        dialog.password_edit.setText(password)
        dialog.submit()
    if dialog.exec() != QDialog.DialogCode.Accepted:
        counter.shutdown()
        return 1
    counter.open_main_window()
    try:
        return counter.qapp.exec()
    finally:
        counter.shutdown()


def server_description(config: ClientConfig) -> str:
    parts = [f"サーバー: {config.server_url}"]
    if config.municipality_code:
        parts.append(f"団体コード: {config.municipality_code}")
    if config.terminal_id:
        parts.append(f"端末: {config.terminal_id}")
    return "  ".join(parts)
