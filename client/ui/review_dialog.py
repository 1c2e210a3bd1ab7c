"""The supervisor's review dialog shared by the BCP conflict review (conflict_dialog) and the
emergency hold proposals (hold_dialog): a status filter, the list, a detail, a decision as radio
buttons plus a note, the supervisor prompt for a clerk, and F12 / F5 / Esc.

A subclass gives the columns, the filters, the detail widget and the decision labels, and says how
to list, how to show a row and what to do with a decision. Strings are translated with ``self.tr``,
that is in the subclass's context (the subclasses list the shared ones in build_translations).
Every network call runs on the task manager.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from client.services.counter import JST, CounterService, SupervisorGrant
from client.ui.qt_signals import emit
from client.ui.supervisor_dialog import SupervisorDialog
from client.ui.taskman import TaskManager, describe_error

log = logging.getLogger(__name__)

# the strings this module translates; build_translations adds them to each subclass's context
SHARED_STRINGS = ("表示", "Esc 閉じる", "閉じる", "F12 処理を記録", "係長の承認が必要です。", "読み込んでいます…",
                  "{n}件", "記録しています…")


def when_text(value: datetime | None) -> str:
    """A time as the counter shows it (Japan time, to the minute); '' for none."""
    if value is None:
        return ""
    if value.tzinfo is not None:
        value = value.astimezone(JST)
    return f"{value:%Y-%m-%d %H:%M}"


def radio_box(dialog: QDialog, options: Sequence[tuple[str, str]], prefix: str
              ) -> tuple[QGroupBox, QButtonGroup, dict[str, QRadioButton]]:
    """A group box of exclusive radio buttons in a row, one per (value, label); each named
    ``{prefix}_{value}``, its label translated in the dialog's context."""
    box = QGroupBox(dialog)
    group = QButtonGroup(dialog)
    buttons: dict[str, QRadioButton] = {}
    row = QHBoxLayout(box)
    for value, label in options:
        radio = QRadioButton(dialog.tr(label), box)
        radio.setObjectName(f"{prefix}_{value}")
        group.addButton(radio)
        buttons[value] = radio
        row.addWidget(radio)
    row.addStretch(1)
    return box, group, buttons


class ReviewDialog(QDialog):
    loaded = Signal(int)  # number of rows shown

    COLUMNS: tuple[str, ...] = ()

    def __init__(
        self,
        service: CounterService,
        taskman: TaskManager,
        *,
        grant: SupervisorGrant | None,
        parent: QWidget | None,
        name: str,  # the object-name prefix: conflict / proposal
        filters: Sequence[tuple[str, str]],
        decisions: Sequence[tuple[str, str]],
        decision_prefix: str,
        detail_stretch: int,
        log_label: str,
    ) -> None:
        """The subclass then names the widgets (accessible names, the decision box's title)."""
        super().__init__(parent)
        self.service = service
        self.taskman = taskman
        self.grant = grant
        self.rows: list[Any] = []
        self.supervisor_dialog: SupervisorDialog | None = None
        self._notice = ""  # shown once after the next load (e.g. "recorded")
        self._log_label = log_label

        self.status_combo = QComboBox(self)
        self.status_combo.setObjectName(f"{name}Status")
        for value, label in filters:
            self.status_combo.addItem(self.tr(label), value)
        self.status_combo.currentIndexChanged.connect(lambda _i: self.reload())

        self.table = QTableWidget(0, len(self.COLUMNS), self)
        self.table.setObjectName(f"{name}Table")
        self.table.setHorizontalHeaderLabels([self.tr(c) for c in self.COLUMNS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.currentCellChanged.connect(lambda *_a: self._show_detail())

        self.choice_box, self.choice_group, self.choice_buttons = radio_box(self, decisions, decision_prefix)
        self.note_edit = QPlainTextEdit(self)
        self.note_edit.setObjectName(f"{name}Note")
        self.note_edit.setTabChangesFocus(True)
        self.note_edit.setFixedHeight(60)
        self.record_button = QPushButton(self.tr("F12 処理を記録"), self)
        self.record_button.clicked.connect(self.record_selected)
        self.message_label = QLabel(self)
        self.message_label.setObjectName(f"{name}Message")
        self.message_label.setWordWrap(True)
        close = QPushButton(self.tr("Esc 閉じる"), self)
        close.setAccessibleName(self.tr("閉じる"))
        close.clicked.connect(self.reject)
        for b in (self.record_button, close):
            b.setAutoDefault(False)
        QShortcut(QKeySequence("F12"), self, self.record_selected)
        QShortcut(QKeySequence("F5"), self, self.reload)

        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("表示"), self))
        top.addWidget(self.status_combo)
        top.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.message_label, 1)
        buttons.addWidget(self.record_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 2)
        layout.addWidget(self.make_detail(), detail_stretch)
        layout.addWidget(self.choice_box)
        layout.addWidget(self.note_edit)
        layout.addLayout(buttons)
        self._set_enabled(False)
        self._first_load = True  # on first show: an approval box opened earlier went behind this dialog

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        if self._first_load:
            self._first_load = False
            self.reload()

    # -- what a subclass says -----------------------------------------------------------------------

    def make_detail(self) -> QWidget:
        """The detail widget under the list (called once, during __init__)."""
        raise NotImplementedError

    def supervisor_texts(self) -> tuple[str, str, str]:
        """(title, explanation, reason) of the supervisor prompt."""
        raise NotImplementedError

    def fetch(self, status: str, grant: SupervisorGrant | None) -> list[Any]:
        raise NotImplementedError

    def row_texts(self, item: Any) -> Sequence[str]:
        raise NotImplementedError

    def empty_text(self) -> str:
        raise NotImplementedError

    def show_item(self, item: Any | None) -> None:
        """Fill the detail for the selected row (None: nothing selected)."""
        raise NotImplementedError

    def is_open(self, item: Any) -> bool:
        raise NotImplementedError

    def record_selected(self) -> None:
        raise NotImplementedError

    # -- supervisor ---------------------------------------------------------------------------------

    @property
    def needs_supervisor(self) -> bool:
        s = self.service
        return self.grant is None and not (s.signed_in and s.session.user.is_supervisor)

    def _ask_supervisor(self) -> None:
        title, explanation, reason = self.supervisor_texts()
        dialog = SupervisorDialog(title, explanation, parent=self)
        dialog.reason_edit.setPlainText(reason)
        self.supervisor_dialog = dialog
        self.message_label.setText(self.tr("係長の承認が必要です。"))

        def accepted() -> None:
            user_id, password = dialog.user_id, dialog.password
            self.taskman.run_network(
                lambda: self.service.authorize_supervisor(user_id, password), self._granted, self._failed
            )

        dialog.accepted.connect(accepted)
        dialog.open()

    def _granted(self, grant: SupervisorGrant) -> None:
        self.grant = grant
        self.reload()

    # -- list and detail ------------------------------------------------------------------------------

    @property
    def status(self) -> str:
        return str(self.status_combo.currentData())

    def reload(self) -> None:
        """Load the list (F5); a clerk without a supervisor's approval gets the supervisor prompt."""
        if self.needs_supervisor:
            self._ask_supervisor()
            return
        status, grant = self.status, self.grant
        self.message_label.setText(self.tr("読み込んでいます…"))
        self.taskman.run_network(lambda: self.fetch(status, grant), self._loaded, self._failed)

    def _loaded(self, items: list[Any]) -> None:
        self.rows = list(items)
        self.table.setRowCount(len(self.rows))
        for r, item in enumerate(self.rows):
            for col, text in enumerate(self.row_texts(item)):
                self.table.setItem(r, col, QTableWidgetItem(text))
        if self.rows:
            self.table.selectRow(0)
            text = self.tr("{n}件").format(n=len(self.rows))
        else:
            text = self.empty_text()
        notice, self._notice = self._notice, ""
        self.message_label.setText(f"{notice} {text}" if notice else text)
        self._show_detail()
        emit(self.loaded, len(self.rows))

    def selected(self) -> Any | None:
        r = self.table.currentRow()
        return self.rows[r] if 0 <= r < len(self.rows) else None

    def _show_detail(self) -> None:
        item = self.selected()
        self.show_item(item)
        self._set_enabled(item is not None and self.is_open(item))

    def _set_enabled(self, enabled: bool) -> None:
        for radio in self.choice_buttons.values():
            radio.setEnabled(enabled)
        self.note_edit.setEnabled(enabled)
        self.record_button.setEnabled(enabled)

    def _failed(self, exc: BaseException) -> None:
        ja, en = describe_error(exc)
        log.warning("%s: %s", self._log_label, en)
        self.message_label.setText(ja)

    # -- record ---------------------------------------------------------------------------------------

    @property
    def choice(self) -> str:
        return next((value for value, radio in self.choice_buttons.items() if radio.isChecked()), "")

    def _record(self, call: Callable[[], Any], done: Callable[[Any], str], signal: Any) -> None:
        """Run the decision; on success clear the note, say ``done(result)`` after reloading, emit."""
        self.message_label.setText(self.tr("記録しています…"))

        def finished(result: Any) -> None:
            self.note_edit.clear()
            self._notice = done(result)
            emit(signal, result)
            self.reload()

        self.taskman.run_network(call, finished, self._failed)
