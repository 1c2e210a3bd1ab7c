"""Idle lock (password to unlock), the mode banner, and switching the UI language."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import Qt

from tests.fixtures.counter_server import CLERK

WAIT = 15_000


def test_idle_lock_hides_the_screen_and_needs_the_password(qtbot: Any, counter_app: Any) -> None:
    counter_app.service.sign_in(*CLERK)
    window = counter_app.open_main_window()
    qtbot.addWidget(window)
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT)
    lock = counter_app.idle_lock
    fake_now = [1000.0]
    lock.clock = lambda: fake_now[0]
    lock.policy.timeout_seconds = 60
    lock.policy.unlock(fake_now[0])

    fake_now[0] += 59
    lock.check()
    assert not lock.is_locked
    fake_now[0] += 2  # idle past the limit
    with qtbot.waitSignal(lock.locked, timeout=WAIT):
        lock.check()
    assert not window.centralWidget().isVisible()  # nothing personal stays on screen
    dialog = lock.dialog
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # Esc does not unlock
    assert lock.is_locked

    qtbot.keyClicks(dialog.password_edit, "wrong")
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.error_label.text() != "", timeout=WAIT)
    assert lock.is_locked and "パスワード" in dialog.error_label.text()

    with qtbot.waitSignal(lock.unlocked, timeout=WAIT):
        qtbot.keyClicks(dialog.password_edit, CLERK[1])
        qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    assert window.centralWidget().isVisible()

    # F9 locks at once
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT)
    with qtbot.waitSignal(lock.locked, timeout=WAIT):
        qtbot.keyClick(window, Qt.Key.Key_F9)


def test_mode_banner_follows_events_from_any_thread(qtbot: Any, counter_app: Any) -> None:
    import threading

    from client.continuity.machine import LinkMode, ModeChanged

    counter_app.service.sign_in(*CLERK)
    window = counter_app.open_main_window()
    qtbot.addWidget(window)
    banner = window.banner
    assert banner.mode == "online" and "主回線" in banner.mode_label.text()

    as_of = datetime.now().astimezone() - timedelta(minutes=42)
    t = threading.Thread(target=counter_app.bridge.publish, args=("bcp", as_of, 3))
    t.start()
    t.join()
    qtbot.waitUntil(lambda: banner.mode == "bcp", timeout=WAIT)
    assert "BCP" in banner.mode_label.text()
    assert "未送信 3件" in banner.detail_label.text() and "42分" in banner.detail_label.text()

    event = ModeChanged(old=LinkMode.BCP, new=LinkMode.SECONDARY, at=0.0, reason="probe", endpoint=None)
    counter_app.bridge.on_event(event)
    qtbot.waitUntil(lambda: banner.mode == "secondary", timeout=WAIT)
    assert "副回線" in banner.mode_label.text()


def test_language_switch_to_english_and_back(qtbot: Any, counter_app: Any) -> None:
    counter_app.service.sign_in(*CLERK)
    window = counter_app.open_main_window()
    qtbot.addWidget(window)
    assert window.windowTitle() == "窓口 — 証明書交付"
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT)
    qtbot.keyClick(window, Qt.Key.Key_F11)
    qtbot.waitUntil(lambda: counter_app.languages.language == "en", timeout=WAIT)
    qtbot.waitUntil(lambda: "Certificate" in window.windowTitle(), timeout=WAIT)
    assert window.actions_by_name["issue"].text() == "Issue"
    assert window.results_model.headerData(0, Qt.Orientation.Horizontal) == "Name"
    assert window.search_edit.accessibleName() == "Resident search"
    qtbot.keyClick(window, Qt.Key.Key_F11)
    qtbot.waitUntil(lambda: window.windowTitle() == "窓口 — 証明書交付", timeout=WAIT)
    assert window.actions_by_name["issue"].text() == "交付"


def test_every_control_has_an_accessible_name(qtbot: Any, counter_app: Any) -> None:
    from PySide6.QtWidgets import QAbstractButton, QComboBox, QLineEdit, QSpinBox

    from client.services.records import ResidentSummary

    counter_app.service.sign_in(*CLERK)
    window = counter_app.open_main_window()
    qtbot.addWidget(window)
    missing = [w.objectName() for w in window.findChildren(QLineEdit) + window.findChildren(QAbstractButton)
               if w.isVisibleTo(window) and not w.accessibleName() and w.objectName() != "qt_scrollarea_viewport"]
    assert not [m for m in missing if m], missing
    # the issuance dialog
    from client.domain.model import ResidentStatus
    from client.domain.partial_date import PartialDate
    from client.ui.issuance_dialog import IssuanceDialog

    summary = ResidentSummary("0000000019", "山田 太郎", "ヤマダ タロウ", PartialDate(1980, 1, 2), "本町1-1",
                              ResidentStatus.RESIDENT)
    dialog = IssuanceDialog(counter_app.service, counter_app.taskman, summary.as_resident(), ())
    qtbot.addWidget(dialog)
    controls = (dialog.findChildren(QLineEdit) + dialog.findChildren(QComboBox) + dialog.findChildren(QSpinBox)
                + dialog.findChildren(QAbstractButton))
    unnamed = [c.objectName() or type(c).__name__ for c in controls if not c.accessibleName()
               and c.parent() is not None and not c.objectName().startswith("qt_")]
    assert not unnamed, unnamed


def test_enter_moves_on_and_escape_backs_out(qtbot: Any, counter_app: Any) -> None:
    from client.domain.model import ResidentStatus
    from client.domain.partial_date import PartialDate
    from client.services.records import ResidentSummary
    from client.ui.issuance_dialog import IssuanceDialog

    counter_app.service.sign_in(*CLERK)
    summary = ResidentSummary("0000000019", "山田 太郎", "ヤマダ タロウ", PartialDate(1980, 1, 2), "本町1-1",
                              ResidentStatus.RESIDENT)
    dialog = IssuanceDialog(counter_app.service, counter_app.taskman, summary.as_resident(), ())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=WAIT)
    dialog.copies_spin.setFocus()
    qtbot.waitUntil(dialog.copies_spin.hasFocus, timeout=WAIT)
    qtbot.keyClick(dialog.copies_spin, Qt.Key.Key_Return)
    assert not dialog.copies_spin.hasFocus() and dialog.isVisible()  # Enter moved on, did not close
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)


def test_all_lines_down_asks_a_supervisor_to_declare_bcp(qtbot: Any, counter_app: Any) -> None:
    declared: list[str] = []

    def confirm(user: str, password: str) -> str:
        declared.append(user)
        counter_app.bridge.publish("bcp", datetime.now().astimezone(), 0)
        return "係長 花子"

    counter_app.confirm_bcp = confirm
    counter_app.service.sign_in(*CLERK)
    window = counter_app.open_main_window()
    qtbot.addWidget(window)
    banner = window.banner
    assert not banner.confirm_button.isVisibleTo(banner)
    counter_app.bridge.ask_confirmation()  # from the connectivity thread, in real life
    qtbot.waitUntil(lambda: banner.confirm_button.isVisibleTo(banner), timeout=WAIT)
    assert "係長の確認" in banner.mode_label.text()

    banner.confirm_button.click()
    sup = window.supervisor_dialog
    qtbot.keyClicks(sup.user_edit, "supervisor1")
    qtbot.keyClicks(sup.password_edit, "supervisor1pass")
    sup.reason_edit.setPlainText("全回線断")
    sup.ok_button.click()
    qtbot.waitUntil(lambda: banner.mode == "bcp", timeout=WAIT)
    assert declared == ["supervisor1"] and not banner.confirm_button.isVisibleTo(banner)
    # the confirmation's own message follows the mode change's (the task's answer is queued after
    # the mode event it published; CI saw the check run between the two on a slow machine)
    qtbot.waitUntil(lambda: "係長 花子" in window.message_label.text(), timeout=WAIT)


def test_the_supervisor_sees_the_evidence_before_declaring_bcp(qtbot: Any, counter_app: Any) -> None:
    from datetime import UTC

    from PySide6.QtWidgets import QLabel

    since = datetime(2026, 12, 2, 0, 0, 4, tzinfo=UTC)
    counter_app.confirm_bcp = lambda user, password: "係長 花子"
    counter_app.bcp_evidence = lambda: {
        "down_since": since, "down_seconds": 7.0, "window_seconds": 5.0,
        "lines": [{"url": "https://dc1.example", "failing_since": since, "failures": 4,
                   "last_error": "ConnectError('[Errno 111] Connection refused')", "recent_errors": []},
                  {"url": "https://dc2.example", "failing_since": since, "failures": 3,
                   "last_error": "probe: ReadTimeout", "recent_errors": []}]}
    counter_app.service.sign_in(*CLERK)
    window = counter_app.open_main_window()
    qtbot.addWidget(window)
    counter_app.bridge.ask_confirmation()
    qtbot.waitUntil(lambda: window.banner.confirm_button.isVisibleTo(window.banner), timeout=WAIT)
    window.banner.confirm_button.click()
    texts = "\n".join(label.text() for label in window.supervisor_dialog.findChildren(QLabel))
    assert "7 秒前から応答しません" in texts
    local = since.astimezone().strftime("%H:%M:%S")
    assert f"https://dc1.example: {local} から失敗 4 回" in texts and "Connection refused" in texts
    assert "https://dc2.example" in texts and "ReadTimeout" in texts
