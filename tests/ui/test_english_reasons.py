"""In the English UI the verdict's reasons are English too (the server sends both languages)."""

from __future__ import annotations

from typing import Any

from client.domain.model import Outcome
from tests.fixtures.counter_server import CLERK, pick_household_head
from tests.ui.issuance_matrix import open_issuance_for, wait_verdict


def test_verdict_reasons_follow_the_ui_language(qtbot: Any, counter_app: Any, counter_db: str) -> None:
    picked = pick_household_head(counter_db, min_members=1)
    counter_app.service.sign_in(*CLERK)
    assert counter_app.languages.set_language("en")
    window = counter_app.open_main_window()
    qtbot.addWidget(window)
    dialog = open_issuance_for(qtbot, window, picked.atena_no)
    decision = wait_verdict(qtbot, dialog)  # identity not checked yet
    assert decision.outcome is Outcome.DENY
    text = dialog.verdict_label.text()
    assert "The identity of the person at the counter has not been checked." in text
    assert "本人確認" not in text
    dialog.reject()
