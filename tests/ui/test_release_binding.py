"""A 支援措置 release given for a 本人 request does not survive a change of requester in the dialog."""

from __future__ import annotations

from typing import Any

from client.domain.model import IdentityDocument, Outcome, RequesterKind
from tests.fixtures.counter_server import CLERK, SUPERVISOR, pick_household_head, protect_resident
from tests.ui.helpers import commit_japanese
from tests.ui.issuance_matrix import wait_verdict

WAIT = 15_000


def test_changing_the_requester_voids_the_release(qtbot: Any, counter_app: Any, counter_db: str) -> None:
    picked = pick_household_head(counter_db, min_members=1)
    measure_id = protect_resident(counter_db, picked.atena_no)
    counter_app.service.sign_in(*CLERK)
    window = counter_app.open_main_window()
    qtbot.addWidget(window)
    dialog = _open_protected(qtbot, window, picked.atena_no)

    dialog.identity_combo.setCurrentIndex(dialog.identity_combo.findData(IdentityDocument.MY_NUMBER_CARD))
    assert wait_verdict(qtbot, dialog).outcome is Outcome.NEEDS_RELEASE
    dialog.request_release()
    sup = dialog.supervisor_dialog
    qtbot.keyClicks(sup.user_edit, SUPERVISOR[0])
    qtbot.keyClicks(sup.password_edit, SUPERVISOR[1])
    commit_japanese(sup.reason_edit, "本人が来庁、加害者でないことを確認")
    sup.ok_button.click()
    qtbot.waitUntil(lambda: dialog.form.release is not None, timeout=WAIT)
    assert dialog.form.release.measure_id == measure_id
    qtbot.waitUntil(dialog.issue_button.isEnabled, timeout=WAIT)

    dialog.copies_spin.setValue(2)  # the same request, two copies: still released
    assert wait_verdict(qtbot, dialog).outcome is Outcome.ALLOW and dialog.form.release is not None

    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData(RequesterKind.THIRD_PARTY))
    assert dialog.form.release is None and dialog.grant is None
    assert "解除は無効" in dialog.result_label.text()
    decision = wait_verdict(qtbot, dialog)
    assert decision.outcome is not Outcome.ALLOW
    assert any(r.code.startswith("support_measure") for r in decision.reasons)
    assert not dialog.issue_button.isEnabled()

    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData(RequesterKind.SELF))
    decision = wait_verdict(qtbot, dialog)
    assert decision.outcome is Outcome.NEEDS_RELEASE  # back to 本人: the release must be asked again
    assert dialog.release_button.isVisibleTo(dialog) and not dialog.issue_button.isEnabled()
    dialog.reject()


def _open_protected(qtbot: Any, window: Any, atena_no: str) -> Any:
    """A protected resident has no detail; F5 opens the dialog from the search row."""
    from PySide6.QtCore import Qt

    from tests.ui.helpers import find_row

    qtbot.keyClicks(window.search_edit, atena_no)
    qtbot.waitUntil(lambda: find_row(window.results_model, atena_no) >= 0, timeout=WAIT)
    qtbot.waitUntil(lambda: window.detail_pane.stop_label.isVisibleTo(window.detail_pane), timeout=WAIT)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT)
    qtbot.keyClick(window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: getattr(window, "issuance_dialog", None) is not None, timeout=WAIT)
    dialog = window.issuance_dialog
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.decision is not None, timeout=WAIT)
    return dialog


