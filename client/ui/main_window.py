"""The counter's main window: search-as-you-type, results, detail with household, function keys.

``MainWindow`` builds the widgets and wires the actions and keys; its other parts are mixins:
``main_window_search`` (search, results, detail), ``main_window_modes`` (the mode frame, BCP,
the banner's notices, a revoked terminal) and ``main_window_dialogs`` (the dialog launchers)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from client.services.counter import CounterService
from client.services.records import ResidentDetail, ResidentSummary
from client.ui.idle_lock import IdleLockController
from client.ui.main_window_dialogs import DialogLaunchers
from client.ui.main_window_modes import ModeFrame, ModeReactions
from client.ui.main_window_search import SEARCH_LIMIT, SearchAndDetail
from client.ui.mode_banner import ModeBanner
from client.ui.qt_signals import emit
from client.ui.resident_views import DetailPane, ResultsModel
from client.ui.standing_line import StandingLine
from client.ui.taskman import TaskManager

__all__ = ["SEARCH_DEBOUNCE_MS", "SEARCH_LIMIT", "MainWindow", "ModeFrame", "PdfPreviewer", "PdfPrinter"]

log = logging.getLogger(__name__)

SEARCH_DEBOUNCE_MS = 250
PdfPrinter = Callable[[QWidget, list[Path]], "bool | None"]  # False: nothing was printed
PdfPreviewer = Callable[[QWidget, Path], None]


class MainWindow(SearchAndDetail, ModeReactions, DialogLaunchers, QMainWindow):
    search_finished = Signal(int)  # number of rows (tests wait on it)
    detail_loaded = Signal(str)  # 宛名番号

    def __init__(
        self,
        service: CounterService,
        taskman: TaskManager,
        *,
        printer: PdfPrinter | None = None,
        previewer: PdfPreviewer | None = None,
        toggle_language: Callable[[], None] | None = None,
        settings: QSettings | None = None,
        confirm_bcp: Callable[[str, str], str] | None = None,
        card_reader: Callable[[], Any] | None = None,
        bcp_evidence: Callable[[], dict[str, Any]] | None = None,
        idle_lock_seconds: float | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """``idle_lock_seconds``: lock the session after this long without input (the window's
        ``idle_lock``); None: no idle lock."""
        super().__init__(parent)
        self.service = service
        self.taskman = taskman
        self.printer = printer
        self.previewer = previewer
        self._toggle_language = toggle_language
        self._search_seq = 0
        self._detail_seq = 0
        self.current_summary: ResidentSummary | None = None
        self.current_detail: ResidentDetail | None = None
        self.setObjectName("mainWindow")
        self.settings = settings if settings is not None else QSettings()  # per-user UI state
        self.resize(1200, 760)
        self.quit_box: QMessageBox | None = None

        self.banner = ModeBanner(self)
        self.standing_line = StandingLine(self)  # the terminal's own standing (issue 15)
        self.terminal_revoked = False
        self.wipe_dialog: QDialog | None = None
        self.search_edit = QLineEdit(self)
        self.search_edit.setObjectName("searchEdit")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, True)
        font = self.search_edit.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        self.search_edit.setFont(font)
        self.search_label = QLabel(self)
        self.search_label.setBuddy(self.search_edit)
        self.message_label = QLabel(self)
        self.message_label.setObjectName("messageLabel")
        self.message_label.setWordWrap(True)

        self.results_model = ResultsModel(self)
        self.results_view = QTableView(self)
        self.results_view.setObjectName("resultsView")
        self.results_view.setModel(self.results_model)
        self.results_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.results_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.results_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.results_view.verticalHeader().setVisible(False)
        self.results_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.results_view.horizontalHeader().setStretchLastSection(True)
        self.results_view.installEventFilter(self)
        self.results_view.selectionModel().currentRowChanged.connect(self._on_row_changed)
        self.results_view.doubleClicked.connect(lambda _i: self.open_issuance())

        self.detail_pane = DetailPane(self)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.results_view)
        splitter.addWidget(self.detail_pane)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)

        search_row = QHBoxLayout()
        search_row.addWidget(self.search_label)
        search_row.addWidget(self.search_edit, 1)

        self.key_bar = QHBoxLayout()
        central = ModeFrame(self)
        self.central_frame = central
        self.mode_notice: QMessageBox | None = None
        layout = QVBoxLayout(central)
        layout.setContentsMargins(8, 0, 8, 8)
        layout.addWidget(self.banner)
        layout.addWidget(self.standing_line)
        layout.addLayout(search_row)
        layout.addWidget(self.message_label)
        layout.addWidget(splitter, 1)
        layout.addLayout(self.key_bar)
        self.setCentralWidget(central)

        self.user_label = QLabel(self)
        self.user_label.setObjectName("userLabel")
        self.statusBar().addPermanentWidget(self.user_label)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.run_search)
        self.search_edit.textChanged.connect(lambda _t: self._debounce.start())
        self.search_edit.returnPressed.connect(self._search_enter)

        self.confirm_bcp = confirm_bcp  # an enrolled terminal's: (supervisor id, password) -> name
        self.card_reader = card_reader  # マイナンバーカード reader factory (client/card)
        self.bcp_evidence = bcp_evidence  # what the machine holds against each line
        self.banner.confirm_button.clicked.connect(self.request_bcp)
        self.banner.mode_changed.connect(self._mode_changed)
        self.banner.set_drill(service.drill)
        taskman.changed.connect(self._counter_changed)  # an action changed what the banner shows
        self._paint_frame(self.banner.mode)
        self._build_actions()
        self.retranslate()
        self.search_edit.setFocus()
        self.idle_lock = (IdleLockController(service, taskman, self, timeout_seconds=idle_lock_seconds)
                          if idle_lock_seconds is not None else None)

    # -- actions and keys ----------------------------------------------------------------------

    def _build_actions(self) -> None:
        self.actions_by_name: dict[str, QAction] = {}
        spec = (
            ("search", "F2", self.focus_search),
            ("issue", "F5", self.open_issuance),
            ("card", "F3", self.open_card),
            ("history", "F6", self.open_history),
            ("day_close", "F7", self.open_day_close),
            ("lock", "F9", self.request_lock),
            ("declare_bcp", "F8", self.request_bcp),
            ("conflicts", "F4", self.open_conflicts),
            ("emergency_hold", "Ctrl+H", self.open_emergency_hold),
            ("hold_proposals", "Ctrl+Shift+H", self.open_hold_proposals),
            ("printer", "Ctrl+P", self.open_printer_settings),
            ("language", "F11", self.toggle_language),
            ("help", "F1", self.show_keys),
            ("quit", "Ctrl+Q", self.request_quit),
        )
        menu = self.menuBar().addMenu("")
        self._menu = menu
        for name, key, slot in spec:
            action = QAction(self)
            action.setObjectName(f"action_{name}")
            action.setShortcut(QKeySequence(key))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(slot)
            menu.addAction(action)
            self.addAction(action)
            self.actions_by_name[name] = action
            if name in ("search", "card", "issue", "history", "day_close", "lock"):
                button = QPushButton(self)
                button.setObjectName(f"key_{name}")
                button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
                button.clicked.connect(action.trigger)
                self.key_bar.addWidget(button)
                action.setProperty("button", button)
        self.key_bar.addStretch(1)

    def _label(self, name: str) -> str:
        return {
            "search": self.tr("検索"),
            "issue": self.tr("交付"),
            "card": self.tr("カード読取"),
            "history": self.tr("交付履歴"),
            "day_close": self.tr("日計表"),
            "lock": self.tr("ロック"),
            "declare_bcp": self.tr("BCPへ移行(係長)"),
            "conflicts": self.tr("BCP照合結果(係長)"),
            "emergency_hold": self.tr("緊急措置の記録(BCP・係長)"),
            "hold_proposals": self.tr("緊急措置の確定(係長)"),
            "printer": self.tr("プリンタ設定"),
            "language": self.tr("English / 日本語"),
            "help": self.tr("キー操作"),
            "quit": self.tr("終了"),
        }[name]

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("窓口 — 証明書交付"))
        self._menu.setTitle(self.tr("操作(&O)"))
        self.search_label.setText(self.tr("検索(&S)"))
        self.search_edit.setPlaceholderText(self.tr("カナ・氏名・生年月日(例 S60.4.1)・宛名番号"))
        self.search_edit.setAccessibleName(self.tr("住民検索"))
        self.results_view.setAccessibleName(self.tr("検索結果"))
        self.detail_pane.setAccessibleName(self.tr("住民の詳細"))
        for name, action in self.actions_by_name.items():
            label = self._label(name)
            action.setText(label)
            button = action.property("button")
            if isinstance(button, QPushButton):
                key = action.shortcut().toString()
                button.setText(f"{key} {label}")
                button.setAccessibleName(label)
        emit(self.results_model.headerDataChanged, Qt.Orientation.Horizontal, 0, len(ResultsModel.COLUMNS) - 1)
        self.banner.refresh()
        self.update_user_label()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.results_view and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.open_issuance()
                return True
            if event.key() == Qt.Key.Key_Escape:
                self.focus_search()
                return True
        return super().eventFilter(watched, event)

    def update_user_label(self) -> None:
        if self.service.signed_in:
            s = self.service.session
            self.user_label.setText(
                f"{s.municipality.name}  {self.service.terminal_id}  {s.user.name}({s.user.user_id})"
            )

    def show_message(self, text: str, *, error: bool = False) -> None:
        self.message_label.setStyleSheet("color: #b00020;" if error else "color: #333;")
        self.message_label.setText(text)

    def focus_search(self) -> None:
        self.search_edit.setFocus()
        self.search_edit.selectAll()

    def toggle_language(self) -> None:
        if self._toggle_language is not None:
            self._toggle_language()

    def show_keys(self) -> None:
        lines = [f"{a.shortcut().toString()}\t{a.text()}" for a in self.actions_by_name.values()]
        lines += [self.tr("Enter\t次へ / 決定"), self.tr("Esc\t戻る / 閉じる")]
        box = QMessageBox(QMessageBox.Icon.Information, self.tr("キー操作"), "\n".join(lines), parent=self)
        box.open()

    # -- window state and quitting ----------------------------------------------------------------

    GEOMETRY_KEY = "mainWindow/geometry"
    STATE_KEY = "mainWindow/state"

    def show_initial(self) -> None:
        """Where the clerk left the window last time; maximised the first time (any screen size)."""
        geometry = self.settings.value(self.GEOMETRY_KEY)
        if geometry is not None and self.restoreGeometry(geometry):
            state = self.settings.value(self.STATE_KEY)
            if state is not None:
                self.restoreState(state)
            self.show()
        else:
            self.showMaximized()

    def save_window_state(self) -> None:
        self.settings.setValue(self.GEOMETRY_KEY, self.saveGeometry())
        self.settings.setValue(self.STATE_KEY, self.saveState())
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.save_window_state()
        super().closeEvent(event)

    def request_quit(self) -> None:
        """Ctrl+Q asks first (default: stay); an open dialog or a half-typed request is not lost."""
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("終了の確認"),
                          self.tr("窓口アプリを終了しますか?"), parent=self)
        box.setObjectName("quitBox")
        yes = box.addButton(self.tr("終了する"), QMessageBox.ButtonRole.AcceptRole)
        no = box.addButton(self.tr("戻る"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(no)
        box.setEscapeButton(no)
        self.quit_box = box

        def answered(_result: int) -> None:
            if box.clickedButton() is yes:
                self.close()

        box.finished.connect(answered)
        box.open()

    def request_lock(self) -> None:
        if self.idle_lock is not None:
            self.idle_lock.lock_now()
