"""With a deliberately slow server the GUI thread keeps turning: never blocked for more than 300 ms
(half of one slow round trip: a request made on the GUI thread would block it for at least 600 ms)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer

from client.domain.model import IdentityDocument
from client.services.render_pool import ProcessRenderer
from client.ui.app import CounterApp
from tests.fixtures.counter_server import CLERK, make_service, pick_household_head
from tests.ui.helpers import commit_japanese, find_row
from tests.ui.slow_proxy import SlowProxy

WAIT = 30_000
DELAY = 0.6  # seconds added to every request
LIMIT_MS = 100  # a GUI-loop gap the counter must never show (the failover test: a cut line fails fast)
# Here every request takes DELAY: one made on the GUI thread blocks it for ≥ 600 ms. Half of that
# is the limit, so the test still catches such a call but not the scheduling jitter of a loaded
# 2-core machine (gaps of 110–200 ms seen while other suites ran).
SLOW_LIMIT_MS = DELAY * 1000 / 2


class Heartbeat:
    """Ticks every 10 ms on the GUI thread and records the longest gap between ticks."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)
        self.last = 0.0
        self.worst = 0.0
        self.ticks = 0

    def _tick(self) -> None:
        now = time.perf_counter()
        if self.last:
            self.worst = max(self.worst, now - self.last)
        self.last = now
        self.ticks += 1

    def start(self) -> None:
        self.last = time.perf_counter()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()


def test_gui_thread_never_blocks_on_a_slow_server(qtbot: Any, counter_db: str, server_factory: Any,
                                                  tmp_path: Path) -> None:
    picked = pick_household_head(counter_db, min_members=2)
    server = server_factory(counter_db)
    with SlowProxy(server.base_url, DELAY) as proxy:
        # as in the GUI: certificates render in a separate process (no GIL contention with the GUI thread)
        renderer = ProcessRenderer()
        service = make_service(proxy.url, tmp_path / "out", timeout=30, renderer=renderer)
        renderer.wait_ready(timeout=60)  # the app starts it at launch, long before the first issue
        service.sign_in(*CLERK)  # before the measurement: the test thread is the GUI thread
        app = CounterApp(service, printer=None)
        try:
            window = app.open_main_window()
            qtbot.addWidget(window)
            qtbot.waitExposed(window)
            beat = Heartbeat()
            beat.start()
            started = time.perf_counter()

            commit_japanese(window.search_edit, picked.kana)
            qtbot.waitUntil(lambda: find_row(window.results_model, picked.atena_no) >= 0, timeout=WAIT)
            window.results_view.selectRow(find_row(window.results_model, picked.atena_no))
            qtbot.waitUntil(lambda: window.current_detail is not None, timeout=WAIT)
            window.open_issuance()
            dialog = window.issuance_dialog
            qtbot.addWidget(dialog)
            dialog.identity_combo.setCurrentIndex(dialog.identity_combo.findData(IdentityDocument.PASSPORT))
            qtbot.waitUntil(lambda: dialog.issue_button.isEnabled(), timeout=WAIT)
            with qtbot.waitSignal(dialog.issued, timeout=WAIT):
                dialog.issue_button.click()
            elapsed = time.perf_counter() - started
            beat.stop()
        finally:
            app.shutdown()
    # the server really was slow: several round trips of DELAY each happened meanwhile
    assert proxy.requests >= 4 and elapsed >= 4 * DELAY
    assert beat.ticks > elapsed / 0.05  # the loop kept ticking the whole time
    print(f"slow server: {elapsed:.1f} s, {proxy.requests} requests, worst GUI gap {beat.worst * 1000:.0f} ms")
    assert beat.worst * 1000 < SLOW_LIMIT_MS, f"GUI thread blocked for {beat.worst * 1000:.0f} ms"
