"""Threads (docs/architecture.md): a BCP issuance writes the outbox on the UI's single local writer
(``madoguchi-db``), an online issuance goes on the network pool (``madoguchi-net``)."""

from __future__ import annotations

import threading
from typing import Any

from client.domain.model import Outcome
from tests.integration.bcp_env import plain_subjects
from tests.ui.issuance_matrix import open_issuance_for, wait_verdict
from tests.ui.test_banner_terminal_state import WAIT, Terminal, _bcp_window, _self_request, terminal

__all__ = ["terminal"]  # the enrolled terminal fixture, shared with the banner tests


def _issue_and_record_thread(qtbot: Any, t: Terminal, window: Any, subject: str) -> str:
    threads: list[str] = []
    t.app.service.change_listeners.append(
        lambda what: threads.append(threading.current_thread().name) if what == "issued" else None)
    dialog = open_issuance_for(qtbot, window, subject)
    _self_request(dialog)
    assert wait_verdict(qtbot, dialog).outcome is Outcome.ALLOW
    qtbot.waitUntil(dialog.issue_button.isEnabled, timeout=WAIT)
    with qtbot.waitSignal(dialog.issued, timeout=WAIT):
        dialog.issue_button.click()
    dialog.reject()
    assert len(threads) == 1
    return threads[0]


def test_a_bcp_issuance_is_written_on_the_single_local_writer(qtbot: Any, terminal: Terminal) -> None:
    terminal.runtime.refill_leases()
    window = _bcp_window(qtbot, terminal)
    subject = plain_subjects(terminal.db_url, 1)[0]
    assert _issue_and_record_thread(qtbot, terminal, window, subject).startswith("madoguchi-db")
    assert terminal.runtime.pending_count() == 1


def test_an_online_issuance_goes_on_the_network_pool(qtbot: Any, terminal: Terminal) -> None:
    terminal.app.service.sign_in("clerk1", "clerk1pass")
    window = terminal.app.open_main_window()
    qtbot.addWidget(window)
    assert terminal.app.service.mode == "online"
    subject = plain_subjects(terminal.db_url, 1)[0]
    assert _issue_and_record_thread(qtbot, terminal, window, subject).startswith("madoguchi-net")
    assert terminal.runtime.pending_count() == 0
