"""No stale person: after a search with no hits, a check-digit error or a failed search the rows
and the detail pane are empty and F5 does not open an issuance for the resident shown before."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from client.domain.checkdigits import is_valid_atena_no
from tests.fixtures.counter_server import CLERK, pick_household_head
from tests.ui.helpers import commit_japanese, find_row

WAIT = 15_000


def _show_resident(qtbot: Any, window: Any, atena_no: str) -> None:
    qtbot.keyClicks(window.search_edit, atena_no)
    qtbot.waitUntil(lambda: find_row(window.results_model, atena_no) >= 0, timeout=WAIT)
    qtbot.waitUntil(lambda: window.current_detail is not None, timeout=WAIT)
    assert window.detail_pane.fields["atena_no"].text() == atena_no


def _assert_nobody(qtbot: Any, window: Any) -> None:
    assert window.results_model.rowCount() == 0
    assert window.current_summary is None and window.current_detail is None
    assert all(label.text() == "" for label in window.detail_pane.fields.values())
    assert window.detail_pane.household_table.rowCount() == 0
    window.issuance_dialog = None
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT)
    qtbot.keyClick(window, Qt.Key.Key_F5)
    assert window.issuance_dialog is None  # no dialog for the previous resident
    assert "先に住民を選んでください" in window.message_label.text()


def _wrong_check_digit(atena_no: str) -> str:
    body = atena_no[:-1]
    right = atena_no[-1]
    return body + next(d for d in "0123456789" if d != right)


@pytest.mark.parametrize("query", ["no_hits", "check_digit", "server_gone"])
def test_a_search_that_finds_nobody_clears_the_person(qtbot: Any, counter_app: Any, counter_db: str,
                                                      query: str) -> None:
    picked = pick_household_head(counter_db, min_members=2)
    counter_app.service.sign_in(*CLERK)
    window = counter_app.open_main_window()
    qtbot.addWidget(window)
    _show_resident(qtbot, window, picked.atena_no)

    window.search_edit.clear()
    if query == "server_gone":
        counter_app.server.stop()
    with qtbot.waitSignal(window.search_finished, timeout=WAIT) as finished:
        if query == "no_hits":
            commit_japanese(window.search_edit, "ヲヲヲヲヲ")
        elif query == "check_digit":
            wrong = _wrong_check_digit(picked.atena_no)
            assert not is_valid_atena_no(wrong)
            qtbot.keyClicks(window.search_edit, wrong)
        else:
            commit_japanese(window.search_edit, picked.kana)
    assert finished.args[0] in (0, -1)
    _assert_nobody(qtbot, window)

