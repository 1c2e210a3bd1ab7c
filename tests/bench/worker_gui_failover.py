"""Subprocess for the GUI-thread benchmark: the counter window during a failover to BCP.

``python -m tests.bench.worker_gui_failover SERVER_PORT TERMINAL_DIR KEYRING_JSON SECONDS``

The real main window of a copy of the enrolled city terminal in ``TERMINAL_DIR``
(tests/bench/enrolled.py) on two fault proxies, built by the composition root as the application
builds it: the counter's online client with the connectivity machine's hooks, the BCP backend on
the replica, the runtime's one scheduler with the shipped defaults (``auto`` policy), the mode
banner fed through ``ModeBridge``. A clerk types a search every 0.7 s (IME commits, as
the UI tests do); after 3 s both lines are cut. A 10 ms QTimer heartbeat on the GUI thread records
the longest gap. Prints one JSON line.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any


def main(argv: list[str]) -> int:
    port, template_dir, keyring_path, seconds = int(argv[0]), Path(argv[1]), Path(argv[2]), float(argv[3])
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from client.composition.root import build
    from client.continuity.machine import LinkMode
    from client.lifecycle.config import ClientConfig
    from client.ui.app import CounterApp, create_application
    from client.ui.mode_banner import ModeBridge
    from tests.bench.enrolled import copy_on_lines, keystore_at
    from tests.bench.support import CLERK
    from tests.faults.proxy import FaultProxy
    from tests.ui.helpers import commit_japanese

    primary = FaultProxy("127.0.0.1", port)
    secondary = FaultProxy("127.0.0.1", port)
    work = copy_on_lines(template_dir, template_dir.parent / "gui-terminal", primary.url, secondary.url)
    # as client.ui.app.build_app does: the whole terminal from the composition root with the
    # window's bridge plugged in (shipped defaults, auto policy), then the window
    create_application()
    bridge = ModeBridge()
    config = ClientConfig(data_dir=work, bcp_policy="auto")
    counter = build(config, keystore=keystore_at(keyring_path), publish=bridge.publish,
                    on_confirmation_needed=bridge.ask_confirmation, on_sync_back=bridge.sync_back_done,
                    on_holds=bridge.publish_holds, out_dir=work / "pdf", render_in_process=True)
    service, machine = counter.service, counter.runtime.machine
    app = CounterApp(service, idle_lock_minutes=config.idle_lock_minutes, bridge=bridge,
                     confirm_bcp=counter.confirm_bcp, bcp_evidence=counter.bcp_evidence,
                     on_shutdown=[counter.runtime.close])
    service.sign_in(*CLERK)  # online, and on the replica
    window = app.open_main_window()

    queries = ["ヤマダ", "サトウ", "スズキ", "タナカ", "ワタナベ", "イトウ", "ナカムラ", "コバヤシ", "カトウ", "ヨシダ"]
    state: dict[str, Any] = {"i": 0, "cut_at": 0.0, "bcp_at": 0.0, "bcp_answers": 0, "searches": 0, "worst_before": 0.0,
             "worst_after": 0.0, "last": 0.0, "ticks": 0, "modes": []}
    start = time.perf_counter()

    def beat() -> None:
        now = time.perf_counter()
        if state["last"]:
            gap = now - state["last"]
            key = "worst_after" if state["cut_at"] else "worst_before"
            state[key] = max(state[key], gap)
        state["last"] = now
        state["ticks"] += 1

    def type_search() -> None:
        q = queries[state["i"] % len(queries)]
        state["i"] += 1
        window.search_edit.clear()
        commit_japanese(window.search_edit, q)
        state["searches"] += 1

    def finished(n: int) -> None:
        if service.mode == "bcp" and n > 0:
            state["bcp_answers"] += 1

    def on_mode(mode: str, *_: object) -> None:
        state["modes"].append(mode)
        if mode == "bcp" and not state["bcp_at"]:
            state["bcp_at"] = time.perf_counter()

    bridge.state_changed.connect(on_mode)
    window.search_finished.connect(finished)

    def cut() -> None:
        primary.set_mode("cut")
        secondary.set_mode("cut")
        state["cut_at"] = time.perf_counter()

    def check() -> None:
        now = time.perf_counter()
        done = state["bcp_at"] and state["bcp_answers"] >= 3 and now - state["bcp_at"] > 3
        if done or now - start > seconds + 60:
            QApplication.quit()

    heart = QTimer()
    heart.setInterval(10)
    heart.timeout.connect(beat)
    typing = QTimer()
    typing.setInterval(700)
    typing.timeout.connect(type_search)
    checker = QTimer()
    checker.setInterval(200)
    checker.timeout.connect(check)
    state["last"] = time.perf_counter()
    heart.start()
    typing.start()
    checker.start()
    QTimer.singleShot(3000, cut)
    app.qapp.exec()
    elapsed = time.perf_counter() - start
    heart.stop()
    typing.stop()
    app.shutdown()  # the runtime (its scheduler), the service
    primary.close()
    secondary.close()
    result = {
        "worst_ms": state["worst_after"] * 1000, "worst_before_ms": state["worst_before"] * 1000,
        "ticks": state["ticks"], "seconds": elapsed, "searches": state["searches"],
        "bcp_after_s": (state["bcp_at"] - state["cut_at"]) if state["bcp_at"] else None,
        "bcp_answers": state["bcp_answers"], "modes": state["modes"], "final_mode": machine.mode.value,
        "in_bcp": machine.mode is LinkMode.BCP,
    }
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
