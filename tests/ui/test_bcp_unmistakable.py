"""BCP mode cannot be missed: the whole window frame takes the mode's colour, a notice says so on
entering and leaving, and recovery says how many BCP issuances were sent and how many wait for a
supervisor (the real sync back of an enrolled terminal reports them)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.fixtures.counter_server import CLERK

WAIT = 15_000


def test_frame_and_notices_follow_the_mode(qtbot: Any, counter_app: Any) -> None:
    counter_app.service.sign_in(*CLERK)
    window = counter_app.open_main_window()
    qtbot.addWidget(window)
    frame = window.central_frame
    assert frame.property("mode") == "online" and frame.border is None

    counter_app.bridge.publish("bcp", datetime.now().astimezone(), 0, 120)
    qtbot.waitUntil(lambda: frame.property("mode") == "bcp", timeout=WAIT)
    assert frame.border == ("#b00020", 8, "#fff3f3") and not frame.dashed
    assert frame.grab().toImage().pixelColor(2, frame.height() // 2).name() == "#b00020"  # painted
    notice = window.mode_notice
    assert notice is not None and notice.isVisible()
    assert "BCPモード" in notice.text() and "データ時点" in notice.text()
    assert "BCPモード" in window.message_label.text()
    notice.accept()

    counter_app.bridge.publish("recovering", datetime.now().astimezone(), 2, 118)
    qtbot.waitUntil(lambda: frame.property("mode") == "recovering", timeout=WAIT)
    counter_app.bridge.publish("online", datetime.now().astimezone(), 0, 118)
    qtbot.waitUntil(lambda: frame.property("mode") == "online", timeout=WAIT)
    assert frame.border is None
    notice = window.mode_notice
    assert notice.isVisible() and "接続が戻りました" in notice.text()
    counter_app.bridge.sync_back_done(2, 1)  # from the sync-back thread, in real life
    qtbot.waitUntil(lambda: "2件を送信" in notice.text(), timeout=WAIT)
    assert "係長の確認が必要な交付が 1件" in notice.text() and notice is window.mode_notice


def test_a_real_sync_back_reports_what_it_sent(tmp_path: Any, server_factory: Any, memory_keyring: Any) -> None:
    from client.composition.root import build
    from client.composition.terminal_link import confirm_bcp
    from client.continuity.machine import LinkMode
    from client.lifecycle.config import ClientConfig
    from client.local.keystore import KeyStore
    from tests.integration.bcp_env import enrolled, juminhyo, plain_subjects

    db_url, _server, data = enrolled(tmp_path, server_factory, "T110", "本庁10")
    config = ClientConfig(data_dir=data, bcp_policy="auto")
    reports: list[tuple[int, int]] = []
    counter = build(config, keystore=KeyStore(), start=False, out_dir=tmp_path / "out",
                    on_sync_back=lambda pushed, conflicts: reports.append((pushed, conflicts)))
    service, runtime = counter.service, counter.runtime
    t = [0.0]
    runtime.continuity.monotonic = lambda: t[0]
    runtime.continuity.run_async = lambda fn: fn()
    try:
        runtime.refill_leases()
        service.sign_in("clerk1", "clerk1pass")
        confirm_bcp(service, runtime, "supervisor1", "supervisor1pass")
        subject = plain_subjects(db_url, 1)[0]
        service.issue(juminhyo(subject))
        for _ in range(4):  # the line answers steadily: RECOVERING → push + pull → ONLINE
            runtime.continuity.probe_all()
            t[0] += 5
        assert runtime.machine.mode is LinkMode.ONLINE
        assert (1, 0) in reports
    finally:
        runtime.close()
        service.close()


def test_a_drill_is_labelled_as_a_drill(qtbot: Any, tmp_path: Any, server_factory: Any, memory_keyring: Any) -> None:
    from client.composition.root import build
    from client.lifecycle.config import ClientConfig
    from client.local.keystore import KeyStore
    from client.ui.app import CounterApp
    from client.ui.mode_banner import ModeBridge
    from tests.integration.bcp_env import enrolled

    _db, _server, data = enrolled(tmp_path, server_factory, "T111", "本庁11")
    config = ClientConfig(data_dir=data)
    bridge = ModeBridge()
    counter = build(config, keystore=KeyStore(), publish=bridge.publish, start=False, drill=True,
                    out_dir=tmp_path / "out")
    service, runtime = counter.service, counter.runtime
    app = CounterApp(service, printer=None, bridge=bridge, on_shutdown=[runtime.close])
    try:
        assert service.drill
        service.sign_in("clerk1", "clerk1pass")
        window = app.open_main_window()
        qtbot.addWidget(window)
        qtbot.waitUntil(lambda: window.banner.mode == "bcp", timeout=WAIT)
        assert "防災訓練" in window.banner.mode_label.text()
        assert window.central_frame.dashed and window.central_frame.border[0] == "#6a2aa8"
    finally:
        app.shutdown()  # its running tasks first, then the runtime (as build_app wires it)
