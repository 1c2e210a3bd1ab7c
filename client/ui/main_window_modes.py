"""The main window's reactions to the counter's mode: the frame and notices of BCP, drill and
recovery, the supervisor's BCP declaration, the sync back, and a terminal revoked and wiped."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QDialog, QMessageBox, QPushButton, QWidget

from client.ui.taskman import describe_error

if TYPE_CHECKING:
    from collections.abc import Callable

    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QLabel, QLineEdit, QMainWindow, QTableView

    from client.ui.idle_lock import IdleLockController
    from client.ui.mode_banner import ModeBanner
    from client.ui.taskman import TaskManager

    class _WindowPart(QMainWindow):
        """What this part uses of the window (built by ``MainWindow.__init__``, the other parts)."""

        taskman: TaskManager
        banner: ModeBanner
        central_frame: ModeFrame
        mode_notice: QMessageBox | None
        confirm_bcp: Callable[[str, str], str] | None
        bcp_evidence: Callable[[], dict[str, Any]] | None
        terminal_revoked: bool
        wipe_dialog: QDialog | None
        idle_lock: IdleLockController | None
        search_edit: QLineEdit
        results_view: QTableView
        user_label: QLabel
        actions_by_name: dict[str, QAction]
        _search_seq: int
        _detail_seq: int
        _debounce: QTimer

        def show_message(self, text: str, *, error: bool = False) -> None: ...
        def clear_results(self) -> None: ...
else:
    _WindowPart = object


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


class ModeReactions(_WindowPart):
    """Mixin of ``MainWindow``: what the window does when the mode or the terminal's standing changes."""

    # -- BCP declared by a supervisor -------------------------------------------------------------

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
        if self.idle_lock is not None:  # its password can no longer be checked (signed out); nothing is left to hide
            self.idle_lock.release("terminal revoked")
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
