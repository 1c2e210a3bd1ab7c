"""The banner of an enrolled terminal tells the truth without a mode change: the BCP serials left
(and no 交付できます when there are none), the 未送信 count right after a BCP issuance, and the
データ時点 after a scheduled replica pull — all pushed as change events, not polled by widgets."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from client.domain.model import IdentityDocument, Outcome
from tests.integration.bcp_env import enrolled, plain_subjects
from tests.ui.issuance_matrix import open_issuance_for, wait_verdict

WAIT = 15_000


@dataclass
class Terminal:
    db_url: str
    app: Any
    runtime: Any
    window: Any = None


@pytest.fixture
def terminal(qtbot: Any, tmp_path: Path, server_factory: Any, memory_keyring: Any) -> Iterator[Terminal]:
    from client.composition.root import build
    from client.lifecycle.config import ClientConfig
    from client.local.keystore import KeyStore
    from client.ui.app import CounterApp
    from client.ui.mode_banner import ModeBridge
    from tests.ui.conftest import PrintRecorder

    db_url, _server, data = enrolled(tmp_path, server_factory, "T107", "本庁7")
    config = ClientConfig(data_dir=data, bcp_policy="confirm")
    bridge = ModeBridge()
    counter = build(config, keystore=KeyStore(), publish=bridge.publish, start=False, out_dir=tmp_path / "out")
    printed = PrintRecorder()
    runtime = counter.runtime
    app = CounterApp(counter.service, printer=printed.append_call, previewer=printed.preview, bridge=bridge,
                     on_shutdown=[runtime.close])
    try:
        yield Terminal(db_url, app, runtime)
    finally:
        app.shutdown()  # its running tasks first, then the runtime (as build_app wires it)


def _no_serials(runtime: Any) -> None:
    for lease_id in runtime.outbox.active_leases(runtime.clock()):
        runtime.leases.give_back(lease_id)
    assert runtime.outbox.serials_available(runtime.clock()) == 0


def _bcp_window(qtbot: Any, t: Terminal) -> Any:
    from client.composition.terminal_link import confirm_bcp

    t.app.service.sign_in("clerk1", "clerk1pass")
    confirm_bcp(t.app.service, t.runtime, "supervisor1", "supervisor1pass")
    window = t.app.open_main_window()
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.banner.mode == "bcp", timeout=WAIT)
    t.window = window
    return window


def _self_request(dialog: Any) -> None:
    dialog.identity_combo.setCurrentIndex(dialog.identity_combo.findData(IdentityDocument.DRIVERS_LICENSE))


def test_no_serials_no_issuance_and_the_banner_says_so(qtbot: Any, terminal: Terminal) -> None:
    _no_serials(terminal.runtime)
    window = _bcp_window(qtbot, terminal)
    banner = window.banner
    qtbot.waitUntil(lambda: banner.serials_available == 0, timeout=WAIT)
    assert banner.serials_label.isVisibleTo(banner) and "発行番号なし" in banner.serials_label.text()

    subject = plain_subjects(terminal.db_url, 1)[0]
    dialog = open_issuance_for(qtbot, window, subject)
    _self_request(dialog)
    decision = wait_verdict(qtbot, dialog)
    assert decision.outcome is Outcome.DENY
    assert decision.reasons[0].code == "bcp_no_serials"
    assert "交付できます" not in dialog.verdict_label.text() and "発行番号が不足" in dialog.verdict_label.text()
    assert not dialog.issue_button.isEnabled()
    dialog.reject()


def test_banner_counts_a_bcp_issuance_and_the_serials_it_used(qtbot: Any, terminal: Terminal) -> None:
    terminal.runtime.refill_leases()
    window = _bcp_window(qtbot, terminal)
    banner = window.banner
    qtbot.waitUntil(lambda: banner.serials_available is not None and banner.serials_available > 0, timeout=WAIT)
    before = banner.serials_available
    assert banner.pending_count == 0 and "未送信 0件" in banner.detail_label.text()
    assert f"残り {before}" in banner.serials_label.text()

    subject = plain_subjects(terminal.db_url, 1)[0]
    dialog = open_issuance_for(qtbot, window, subject)
    _self_request(dialog)
    assert wait_verdict(qtbot, dialog).outcome is Outcome.ALLOW
    qtbot.waitUntil(dialog.issue_button.isEnabled, timeout=WAIT)
    with qtbot.waitSignal(dialog.issued, timeout=WAIT):
        dialog.issue_button.click()
    qtbot.waitUntil(lambda: banner.pending_count == 1, timeout=WAIT)  # no mode change needed
    assert banner.mode == "bcp" and "未送信 1件" in banner.detail_label.text()
    assert banner.serials_available == before - 1
    assert terminal.runtime.pending_count() == 1
    dialog.reject()


def test_a_scheduled_pull_moves_the_data_time_on_the_banner(qtbot: Any, terminal: Terminal) -> None:
    terminal.app.service.sign_in("clerk1", "clerk1pass")
    window = terminal.app.open_main_window()
    qtbot.addWidget(window)
    banner = window.banner
    qtbot.waitUntil(lambda: banner.replica_as_of is not None, timeout=WAIT)
    first = banner.replica_as_of
    terminal.runtime.start(probe_seconds=60, pull_seconds=1)  # the real APScheduler job
    qtbot.waitUntil(lambda: banner.replica_as_of is not None and banner.replica_as_of > first, timeout=WAIT)
    assert banner.mode == "online"
