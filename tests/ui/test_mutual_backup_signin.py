"""The sign-in dialog's 団体 choice (相互バックアップ): shown in BCP mode on a terminal holding a
partner's replica; choosing the partner signs its clerk in against that replica."""

from __future__ import annotations

from typing import Any

from client.ui.signin_dialog import SignInDialog
from client.ui.taskman import TaskManager
from tests.integration.test_mutual_backup_bcp import TOWN, Env, _enter_bcp, _with_partner
from tests.integration.test_mutual_backup_bcp import env as env  # noqa: F401 - the fixture

WAIT = 15_000


def _opened(qtbot: Any, dialog: SignInDialog) -> SignInDialog:
    """The dialog once it has read which 団体 a clerk may sign in for (on the database worker)."""
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.municipalities_loaded, timeout=WAIT):
        pass
    return dialog


def test_partner_choice_appears_in_bcp_mode_and_signs_the_partner_in(qtbot: Any, env: Env) -> None:
    taskman = TaskManager()
    try:
        _partner_choice(qtbot, env, taskman)
    finally:
        taskman.shutdown()


def _partner_choice(qtbot: Any, env: Env, taskman: TaskManager) -> None:
    _with_partner(env)
    online = _opened(qtbot, SignInDialog(env.service, taskman))
    assert online.municipality_combo.count() == 1 and online.municipality_combo.isHidden()

    _enter_bcp(env)
    dialog = _opened(qtbot, SignInDialog(env.service, taskman))
    combo = dialog.municipality_combo
    assert combo.count() == 2 and not combo.isHidden()
    assert "緑川町" in combo.itemText(1) and combo.itemData(1) == TOWN
    combo.setCurrentIndex(1)
    dialog.user_edit.setText("townclerk")
    dialog.password_edit.setText("townpass1")
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.session is not None, timeout=WAIT)
    assert dialog.session is not None and dialog.session.municipality.code == TOWN


def test_partner_replicas_open_off_the_gui_thread_while_the_dialog_takes_input(qtbot: Any, env: Env) -> None:
    """Opening the partners' SQLCipher replicas happens on the task manager's database worker: held
    there, the dialog still shows, takes the staff ID, and the 団体 choice appears when they are read."""
    import threading

    from PySide6.QtCore import Qt

    _with_partner(env)
    _enter_bcp(env)
    desks = env.service.backend.desks  # type: ignore[attr-defined]
    read_names = desks.names
    release = threading.Event()
    threads: list[str] = []

    def held_names() -> dict[str, str]:
        threads.append(threading.current_thread().name)
        assert release.wait(timeout=10), "the partner read was left waiting"
        return dict(read_names())

    desks.names = held_names
    taskman = TaskManager()
    try:
        dialog = SignInDialog(env.service, taskman)  # returns although the partner read is held
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitUntil(lambda: bool(threads), timeout=WAIT)
        assert threads[0].startswith("madoguchi-db")  # not the GUI thread
        qtbot.keyClicks(dialog.user_edit, "townclerk")  # the dialog answers meanwhile
        qtbot.keyClick(dialog.user_edit, Qt.Key.Key_Return)
        assert dialog.password_edit.hasFocus() or not dialog.isActiveWindow()
        qtbot.keyClicks(dialog.password_edit, "townpass1")
        assert dialog.user_edit.text() == "townclerk" and dialog.password_edit.text() == "townpass1"
        assert dialog.municipality_combo.isHidden() and dialog.municipality_combo.count() == 1
        assert threads == [threads[0]] and not release.is_set()  # still held: the input came meanwhile

        with qtbot.waitSignal(dialog.municipalities_loaded, timeout=WAIT) as loaded:
            release.set()
        assert loaded.args == [2]
        assert not dialog.municipality_combo.isHidden() and dialog.municipality_combo.itemData(1) == TOWN
        assert dialog.user_edit.text() == "townclerk"  # what was typed meanwhile stays
        dialog.municipality_combo.setCurrentIndex(1)
        dialog.submit()
        qtbot.waitUntil(lambda: dialog.session is not None, timeout=WAIT)
        assert dialog.session is not None and dialog.session.municipality.code == TOWN
    finally:
        release.set()
        desks.names = read_names
        taskman.shutdown()
