"""Window habits a clerk relies on: the window opens maximised the first time and where it was left
afterwards (QSettings), Ctrl+Q asks before quitting, 本人確認 is one Tab (or Alt+I) away in the
issuance dialog, and a search with more hits than shown says 絞り込んでください."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication

from tests.fixtures.counter_server import CLERK, pick_household_head
from tests.ui.helpers import commit_japanese
from tests.ui.issuance_matrix import open_issuance_for

WAIT = 15_000


def _settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)


def test_maximised_first_then_where_it_was_left(qtbot: Any, counter_app: Any, tmp_path: Path) -> None:
    from client.ui.main_window import MainWindow

    counter_app.service.sign_in(*CLERK)
    first = MainWindow(counter_app.service, counter_app.taskman, settings=_settings(tmp_path))
    qtbot.addWidget(first)
    first.show_initial()
    qtbot.waitUntil(first.isVisible, timeout=WAIT)
    assert first.isMaximized()
    first.showNormal()
    first.setGeometry(40, 50, 700, 500)
    qtbot.waitUntil(lambda: first.width() == 700, timeout=WAIT)
    first.close()

    again = MainWindow(counter_app.service, counter_app.taskman, settings=_settings(tmp_path))
    qtbot.addWidget(again)
    again.show_initial()
    qtbot.waitUntil(again.isVisible, timeout=WAIT)
    assert not again.isMaximized()
    assert (again.width(), again.height()) == (700, 500)


def test_ctrl_q_asks_before_quitting(qtbot: Any, counter_app: Any) -> None:
    counter_app.service.sign_in(*CLERK)
    window = counter_app.open_main_window()
    qtbot.addWidget(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT)
    qtbot.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    box = window.quit_box
    assert box is not None and box.isVisible()
    qtbot.keyClick(box, Qt.Key.Key_Escape)  # 戻る is the default and the escape
    qtbot.waitUntil(lambda: not box.isVisible(), timeout=WAIT)
    assert window.isVisible()

    window.request_quit()
    box = window.quit_box
    yes = next(b for b in box.buttons() if b.text() == "終了する")
    yes.click()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=WAIT)


def test_identity_is_the_next_stop_after_the_type(qtbot: Any, counter_app: Any, counter_db: str) -> None:
    picked = pick_household_head(counter_db, min_members=2)
    counter_app.service.sign_in(*CLERK)
    window = counter_app.open_main_window()
    qtbot.addWidget(window)
    dialog = open_issuance_for(qtbot, window, picked.atena_no)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=WAIT)
    dialog.type_combo.setFocus()
    qtbot.waitUntil(dialog.type_combo.hasFocus, timeout=WAIT)
    qtbot.keyClick(dialog.type_combo, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.identity_combo, timeout=WAIT)
    dialog.copies_spin.setFocus()
    qtbot.keyClick(dialog, Qt.Key.Key_I, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.identity_combo, timeout=WAIT)
    dialog.reject()


def test_more_hits_than_shown_asks_to_narrow_the_search(qtbot: Any, counter_app: Any) -> None:
    from client.ui.main_window import SEARCH_LIMIT

    counter_app.service.sign_in(*CLERK)
    window = counter_app.open_main_window()
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.search_finished, timeout=WAIT) as done:
        commit_japanese(window.search_edit, "サトウ")  # 86 in the seeded city
    assert done.args == [SEARCH_LIMIT] and window.results_model.rowCount() == SEARCH_LIMIT
    assert "絞り込んでください" in window.message_label.text()
    window.search_edit.clear()
    with qtbot.waitSignal(window.search_finished, timeout=WAIT) as done:
        commit_japanese(window.search_edit, "スズキ")  # 39: all shown
    assert 0 < done.args[0] < SEARCH_LIMIT
    assert "絞り込んで" not in window.message_label.text()
    assert f"{done.args[0]}件" in window.message_label.text()
