"""The counter's main window: search-as-you-type, results, detail with household, function keys."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QColor, QKeyEvent, QKeySequence, QPainter, QPaintEvent, QPen
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

from client.domain.search_query import classify_query
from client.services.counter import CounterService
from client.services.errors import ProtectedResidentError
from client.services.records import ResidentDetail, ResidentSummary
from client.ui.mode_banner import ModeBanner
from client.ui.operations import Failure, load_resident, search_residents
from client.ui.qt_signals import emit
from client.ui.resident_views import DetailPane, ResultsModel
from client.ui.standing_line import StandingLine
from client.ui.taskman import TaskManager, describe_error

log = logging.getLogger(__name__)

SEARCH_DEBOUNCE_MS = 250
SEARCH_LIMIT = 50  # rows shown; one more is asked for to know that there are more
PdfPrinter = Callable[[QWidget, list[Path]], "bool | None"]  # False: nothing was printed
PdfPreviewer = Callable[[QWidget, Path], None]


class ModeFrame(QWidget):
    """The central widget: a border (and tint) in the mode's colour around everything the clerk sees.

    Painted, not styled: a style sheet on the central widget would re-polish every child at the
    moment of a line cut, on the GUI thread."""

    FRAMES: dict[str, tuple[str, int, str]] = {  # mode → (border colour, width, background)
        "secondary": ("#d9a400", 4, ""),
        "bcp": ("#b00020", 8, "#fff3f3"),
        "recovering": ("#1f5fbf", 6, "#f3f7ff"),
    }
    DRILL = ("#6a2aa8", 8, "#f7f1fc")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("counterFrame")
        self.border: tuple[str, int, str] | None = None
        self.dashed = False

    def set_mode(self, mode: str, *, drill: bool = False) -> None:
        self.dashed = drill and mode != "online"
        self.border = self.DRILL if self.dashed else self.FRAMES.get(mode)
        self.setProperty("mode", mode)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        super().paintEvent(event)
        if self.border is None:
            return
        colour, width, background = self.border
        painter = QPainter(self)
        if background:
            painter.fillRect(self.rect(), QColor(background))
        pen = QPen(QColor(colour), width)
        pen.setStyle(Qt.PenStyle.DashLine if self.dashed else Qt.PenStyle.SolidLine)
        painter.setPen(pen)
        half = width // 2
        painter.drawRect(self.rect().adjusted(half, half, -half - 1, -half - 1))
        painter.end()


class MainWindow(QMainWindow):
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
        parent: QWidget | None = None,
    ) -> None:
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

    def request_bcp(self) -> None:
        """A supervisor declares BCP mode (confirm policy, or by hand during a slow outage)."""
        from client.ui.supervisor_dialog import SupervisorDialog

        confirm = self.confirm_bcp
        if confirm is None:
            self.show_message(self.tr("この端末は登録されていないため、BCPモードは使えません。"), error=True)
            return
        message = self.tr("データセンターに接続できません。係長が確認のうえ、複製データによる縮退運用(BCP)に移行します。")
        evidence = self.bcp_evidence() if self.bcp_evidence is not None else None
        if evidence:
            message += "\n\n" + self.evidence_text(evidence)
        dialog = SupervisorDialog(self.tr("BCPモードへの移行"), message, parent=self)
        self.supervisor_dialog = dialog

        def accepted() -> None:
            user_id, password = dialog.user_id, dialog.password
            self.taskman.run_db(
                lambda: confirm(user_id, password),
                lambda name: self.show_message(self.tr("{name} がBCPモードへの移行を確認しました。").format(name=name)),
                lambda exc: self.show_message(describe_error(exc)[0], error=True),
            )

        dialog.accepted.connect(accepted)
        dialog.open()

    # -- the mode, impossible to miss ------------------------------------------------------------

    def _paint_frame(self, mode: str) -> None:
        """The whole window's frame takes the mode's colour (BCP: thick red; drill: dashed purple)."""
        self.central_frame.set_mode(mode, drill=self.banner.drill)

    def _counter_changed(self, _what: str) -> None:
        self.banner.refresh()

    def _mode_changed(self, old: str, new: str) -> None:
        self._paint_frame(new)
        if self.terminal_revoked:
            return  # nothing to announce on a revoked terminal
        if new == "bcp" and self.banner.drill:
            self._notice(self.tr("防災訓練"), self.tr(
                "防災訓練を始めました(BCPモードの練習)。発行するのはすべて「見本」で、データセンターへは送信されません。"))
        elif new == "bcp":
            as_of = self.banner.replica_as_of
            when = as_of.strftime("%m/%d %H:%M") if as_of is not None else self.tr("不明")
            self._notice(self.tr("BCPモード(縮退運用)"), self.tr(
                "BCPモード(縮退運用)に切り替わりました。\n"
                "データセンターに接続できないため、この端末の複製データ(データ時点 {time})で交付します。\n"
                "支援措置・抑止のある方と、個人番号・住民票コード入りの証明書は交付できません。").format(time=when))
        elif new == "online" and old in ("bcp", "recovering"):
            self._notice(self.tr("オンラインに復旧"), self.tr(
                "データセンターとの接続が戻りました。オンラインで交付します。\nBCP中の交付を送信しています…"))

    def on_synced_back(self, pushed: int, conflicts: int) -> None:
        """Recovery: what the sync back sent and how many BCP issuances wait for a supervisor."""
        if self.terminal_revoked:
            return
        text = self.tr("データセンターとの接続が戻りました。オンラインで交付します。\n"
                       "BCP中の交付 {pushed}件を送信しました。").format(pushed=pushed)
        if conflicts:
            text += "\n" + self.tr("照合の結果、係長の確認が必要な交付が {n}件あります(F4 BCP照合結果)。").format(
                n=conflicts)
        else:
            text += "\n" + self.tr("係長の確認が必要な交付はありません。")
        self._notice(self.tr("オンラインに復旧"), text)

    # -- a revoked terminal (issue 15) ------------------------------------------------------------

    KEPT_WHEN_REVOKED = ("language", "help", "quit")

    def on_terminal_wiped(self, report: object) -> None:
        """The data centre revoked this terminal and it wiped itself: close the window for work
        (nothing to search, open or issue; the clerk is signed out) and say what happened."""
        from client.ui.wipe_dialog import WipeDialog

        self.terminal_revoked = True
        self._search_seq += 1  # a search still running is dropped
        self._detail_seq += 1
        self._debounce.stop()
        self.search_edit.clear()
        self.search_edit.setEnabled(False)
        self.clear_results()
        self.results_view.setEnabled(False)
        for name, action in self.actions_by_name.items():
            if name not in self.KEPT_WHEN_REVOKED:
                action.setEnabled(False)
                button = action.property("button")
                if isinstance(button, QPushButton):
                    button.setEnabled(False)
        locker = getattr(self, "idle_lock", None)
        if locker is not None:  # its password can no longer be checked (signed out); nothing is left to hide
            locker.release("terminal revoked")
        for open_dialog in self.findChildren(QDialog):  # an issuance half-typed cannot be finished here
            if open_dialog.isVisible() and open_dialog is not self.wipe_dialog:
                open_dialog.reject()
        self.user_label.setText(self.tr("サインアウトしました(端末の利用停止)"))
        self.show_message(self.tr("この端末は利用停止されました。サインイン・検索・交付はできません。"
                                  "システム管理者に連絡してください。"), error=True)
        if self.wipe_dialog is not None:  # an unfinished wipe finished later: the newer report
            self.wipe_dialog.close()
        dialog = WipeDialog(report, self)
        self.wipe_dialog = dialog
        dialog.open()

    def _notice(self, title: str, text: str) -> None:
        """One non-blocking notice at a time (a newer one replaces the text of the open one)."""
        box = self.mode_notice
        if box is None or not box.isVisible():
            box = QMessageBox(QMessageBox.Icon.Information, title, text, QMessageBox.StandardButton.Ok, self)
            box.setObjectName("modeNotice")
            box.setWindowModality(Qt.WindowModality.NonModal)
            self.mode_notice = box
            box.show()
        else:
            box.setWindowTitle(title)
            box.setText(text)
        self.show_message(text.replace("\n", " "), error=self.banner.mode == "bcp")

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
    def evidence_text(self, evidence: dict[str, Any]) -> str:
        """The supervisor's evidence (``Continuity.evidence``): which lines fail, since when, the last error."""
        lines = []
        if evidence.get("down_seconds") is not None:
            lines.append(self.tr("全回線が {seconds} 秒前から応答しません。").format(seconds=f"{evidence['down_seconds']:.0f}"))
        for line in evidence.get("lines", []):
            since = line.get("failing_since")
            if since is None:
                lines.append(self.tr("{url}: 応答あり").format(url=line["url"]))
                continue
            lines.append(self.tr("{url}: {since} から失敗 {n} 回 — 最後のエラー: {error}").format(
                url=line["url"], since=since.astimezone().strftime("%H:%M:%S"), n=line.get("failures", 0),
                error=line.get("last_error") or "-"))
        return "\n".join(lines)

    def request_lock(self) -> None:
        locker = getattr(self, "idle_lock", None)
        if locker is not None:
            locker.lock_now()

    # -- search ------------------------------------------------------------------------------

    def run_search(self) -> None:
        query = self.search_edit.text().strip()
        self._search_seq += 1
        seq = self._search_seq
        if not query:
            self.clear_results()
            self.show_message("")
            emit(self.search_finished, 0)
            return
        hint = self._query_hint(query)
        if hint is None:
            return
        self.show_message(hint + " — " + self.tr("検索しています…"))
        (search_residents(self, query, limit=SEARCH_LIMIT + 1)
         .success(lambda rows: self._search_done(seq, rows))
         .failure(lambda failure: self._search_failed(seq, failure))
         .run())

    def _query_hint(self, query: str) -> str | None:
        """How the input will be searched (the domain's classification); None when it cannot be."""
        parsed = classify_query(query)
        if parsed.error:
            self.clear_results()
            self.show_message(parsed.error, error=True)
            emit(self.search_finished, -1)
            return None
        return {
            "atena_no": self.tr("宛名番号で検索"),
            "birth_date": self.tr("生年月日で検索"),
            "kana": self.tr("カナで検索"),
            "name": self.tr("氏名で検索"),
            "address": self.tr("住所で検索"),
        }.get(parsed.kind.value, "")

    def _search_done(self, seq: int, rows: list[ResidentSummary]) -> None:
        if seq != self._search_seq:
            return  # a newer query is on its way
        more = len(rows) > SEARCH_LIMIT
        rows = rows[:SEARCH_LIMIT]
        if not rows:
            self.clear_results()
        else:
            self.results_model.set_rows(rows)
        if more:
            self.show_message(self.tr(
                "{n}件を超えて該当します。先頭の{n}件を表示しています。生年月日や名まで入力して絞り込んでください。"
            ).format(n=SEARCH_LIMIT), error=True)
        else:
            self.show_message(self.tr("{n}件 見つかりました").format(n=len(rows)) if rows else self.tr("該当者はいません"))
        if rows and self.results_view.currentIndex().row() < 0:
            self.results_view.selectRow(0)
        emit(self.search_finished, len(rows))

    def _search_failed(self, seq: int, failure: Failure) -> None:
        if seq != self._search_seq:
            return
        self.clear_results()  # the old rows do not answer the new query
        self.show_message(failure.message, error=True)
        emit(self.search_finished, -1)

    def _search_enter(self) -> None:
        if self._debounce.isActive():
            self._debounce.stop()
            self.run_search()
        if self.results_model.rowCount() > 0:
            self.results_view.setFocus()
            if self.results_view.currentIndex().row() < 0:
                self.results_view.selectRow(0)

    def clear_results(self) -> None:
        """No rows and no person: F5 cannot issue for someone the clerk no longer sees."""
        self.results_model.set_rows([])
        self._detail_seq += 1  # a detail still on its way is for the old person
        self.current_summary = None
        self.current_detail = None
        self.detail_pane.clear()

    # -- detail --------------------------------------------------------------------------------

    def _on_row_changed(self, current: object, _previous: object) -> None:
        row = self.results_view.currentIndex().row()
        if 0 <= row < len(self.results_model.rows):
            self.load_detail(self.results_model.rows[row])

    def load_detail(self, summary: ResidentSummary) -> None:
        self._detail_seq += 1
        seq = self._detail_seq
        self.current_summary = summary
        self.current_detail = None
        self.detail_pane.show_loading(summary)
        (load_resident(self, summary.atena_no)
         .success(lambda d: self._detail_done(seq, d))
         .failure(lambda failure: self._detail_failed(seq, summary, failure))
         .run())

    def _detail_done(self, seq: int, detail: ResidentDetail) -> None:
        if seq != self._detail_seq:
            return
        self.current_detail = detail
        self.detail_pane.show_detail(detail)
        emit(self.detail_loaded, detail.resident.atena_no)

    def _detail_failed(self, seq: int, summary: ResidentSummary, failure: Failure) -> None:
        if seq != self._detail_seq:
            return
        if isinstance(failure.exc, ProtectedResidentError):
            self.detail_pane.show_protected(summary, failure.message)
        else:
            self.show_message(failure.message, error=True)
        emit(self.detail_loaded, summary.atena_no)

    # -- dialogs ---------------------------------------------------------------------------------

    def open_issuance(self) -> None:
        from client.ui.issuance_dialog import IssuanceDialog

        if self.current_summary is None:
            self.show_message(self.tr("先に住民を選んでください。"), error=True)
            return
        tax_years: tuple[int, ...] = ()
        if self.current_detail is not None and self.current_detail.resident.atena_no == self.current_summary.atena_no:
            subject, household = self.current_detail.resident, self.current_detail.household
            tax_years = self.current_detail.tax_years
        else:
            subject, household = self.current_summary.as_resident(), ()
        dialog = IssuanceDialog(self.service, self.taskman, subject, household, printer=self.printer,
                                previewer=self.previewer, tax_years=tax_years, parent=self)
        dialog.issued.connect(lambda outcome: self.show_message(
            self.tr("交付しました: {n}").format(n=", ".join(c.issue_number for c in outcome.certificates))
        ))
        dialog.not_printed.connect(lambda outcome: self.show_message(
            self.tr("未印刷(まだ交付していません): {n} — 交付履歴(F6)から印刷できます").format(
                n=", ".join(c.issue_number for c in outcome.certificates)), error=True))
        self.issuance_dialog = dialog
        dialog.open()

    def open_printer_settings(self) -> None:
        """This terminal's printer and the printer id in the 発行番号 (printer.json in MADOGUCHI_HOME)."""
        import os

        from client.lifecycle.config import default_home
        from client.ui.printing_dialog import PrinterSettingsDialog

        dialog = PrinterSettingsDialog(default_home(os.environ), parent=self)
        self.printer_dialog = dialog
        dialog.open()

    def open_card(self) -> None:
        """マイナンバーカード: identify the person at the counter, pre-fill the 交付請求書 (client/ui/card_dialog)."""
        from client.ui.card_dialog import CardDialog

        if self.card_reader is None:
            self.show_message(self.tr("カードリーダーが設定されていません(システム担当者に連絡してください)。"), error=True)
            return
        selected = self.current_detail.resident if self.current_detail is not None else None
        dialog = CardDialog(self.service, self.taskman, self.card_reader, selected=selected,
                            printer=self.printer, previewer=self.previewer, parent=self)
        dialog.identified.connect(self._card_identified)
        self.card_dialog = dialog
        dialog.open()

    def _card_identified(self, handoff: Any) -> None:
        from client.ui.card_dialog import apply_handoff
        from client.ui.issuance_dialog import IssuanceDialog

        def opened(detail: ResidentDetail) -> None:
            dialog = IssuanceDialog(self.service, self.taskman, detail.resident, detail.household,
                                    printer=self.printer, previewer=self.previewer, tax_years=detail.tax_years,
                                    parent=self)
            apply_handoff(dialog, handoff)
            dialog.issued.connect(lambda outcome: self.show_message(
                self.tr("交付しました: {n}").format(n=", ".join(c.issue_number for c in outcome.certificates))
            ))
            self.issuance_dialog = dialog
            dialog.open()

        (load_resident(self, handoff.subject_atena_no).success(opened)
         .failure(lambda failure: self.show_message(failure.message, error=True)).run())

    def open_history(self) -> None:
        from client.ui.history_dialog import HistoryDialog

        atena = self.current_summary.atena_no if self.current_summary else None
        dialog = HistoryDialog(self.service, self.taskman, atena_no=atena, printer=self.printer, parent=self)
        self.history_dialog = dialog
        dialog.open()

    def open_conflicts(self) -> None:
        """BCP照合結果の確認 (supervisor; a clerk is asked for a supervisor's approval first)."""
        from client.ui.conflict_dialog import ConflictDialog

        dialog = ConflictDialog(self.service, self.taskman, parent=self)
        self.conflict_dialog = dialog
        dialog.open()

    def open_emergency_hold(self) -> None:
        """緊急抑止 / 仮支援措置 for the selected person (BCP mode, supervisor; client/ui/hold_dialog)."""
        from client.ui.hold_dialog import EmergencyHoldDialog

        if self.current_summary is None:
            self.show_message(self.tr("先に住民を選んでください。"), error=True)
            return
        if self.service.mode != "bcp":
            self.show_message(self.tr("緊急措置はBCPモード中のみ記録できます。オンライン中はデータセンターで"
                                      "抑止・支援措置を登録してください。"), error=True)
            return
        summary = self.current_summary
        dialog = EmergencyHoldDialog(self.service, self.taskman, summary.atena_no, summary.name, parent=self)
        dialog.recorded.connect(lambda hold: self.show_message(self.hold_recorded_text(hold)))
        self.hold_dialog = dialog
        dialog.open()

    def hold_recorded_text(self, hold: Any) -> str:
        text = self.tr("{kind}を記録しました(宛名番号 {atena})。この端末で適用中です。").format(
            kind=self.tr(hold.kind_ja), atena=hold.atena_no)
        if hold.reached:
            text += self.tr(" 送信済みの端末: {ids}。").format(ids="、".join(hold.reached))
        if hold.unreachable:
            text += self.tr(" 届かなかった端末: {ids}(接続時に自動で送られます)。").format(ids="、".join(hold.unreachable))
        return text

    def open_hold_proposals(self) -> None:
        """緊急措置の確定: the proposals the holds became at the data centre (supervisor, online)."""
        from client.ui.hold_dialog import HoldProposalDialog

        dialog = HoldProposalDialog(self.service, self.taskman, parent=self)
        self.hold_proposal_dialog = dialog
        dialog.open()

    def open_day_close(self) -> None:
        from client.ui.day_close_dialog import DayCloseDialog

        dialog = DayCloseDialog(self.service, self.taskman, parent=self)
        self.day_close_dialog = dialog
        dialog.open()
