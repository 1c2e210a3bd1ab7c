"""The sign-in dialog's 団体 choice (相互バックアップ): shown in BCP mode on a terminal holding a
partner's replica; choosing the partner signs its clerk in against that replica."""

from __future__ import annotations

from typing import Any

from client.ui.signin_dialog import SignInDialog
from client.ui.taskman import TaskManager
from tests.integration.test_mutual_backup_bcp import TOWN, Env, _enter_bcp, _with_partner
from tests.integration.test_mutual_backup_bcp import env as env  # noqa: F401 - the fixture

WAIT = 15_000


def test_partner_choice_appears_in_bcp_mode_and_signs_the_partner_in(qtbot: Any, env: Env) -> None:
    taskman = TaskManager()
    try:
        _partner_choice(qtbot, env, taskman)
    finally:
        taskman.shutdown()


def _partner_choice(qtbot: Any, env: Env, taskman: TaskManager) -> None:
    _with_partner(env)
    online = SignInDialog(env.service, taskman)
    qtbot.addWidget(online)
    assert online.municipality_combo.count() == 1 and online.municipality_combo.isHidden()

    _enter_bcp(env)
    dialog = SignInDialog(env.service, taskman)
    qtbot.addWidget(dialog)
    combo = dialog.municipality_combo
    assert combo.count() == 2 and not combo.isHidden()
    assert "緑川町" in combo.itemText(1) and combo.itemData(1) == TOWN
    combo.setCurrentIndex(1)
    dialog.user_edit.setText("townclerk")
    dialog.password_edit.setText("townpass1")
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.session is not None, timeout=WAIT)
    assert dialog.session is not None and dialog.session.municipality.code == TOWN
