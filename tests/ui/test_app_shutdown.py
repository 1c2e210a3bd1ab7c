"""Closing the counter app: the tasks already running finish before the terminal's databases are
closed (a SQLCipher connection closed under a running query takes the process down), and what
has not started is dropped."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from client.ui.app import CounterApp
from tests.fixtures.counter_server import make_service


def test_shutdown_lets_a_running_task_finish_before_the_runtime_closes(qtbot: Any, tmp_path: Path) -> None:
    service = make_service("http://127.0.0.1:9", tmp_path / "out", timeout=1)  # no server needed
    events: list[str] = []
    started = threading.Event()

    def lookup() -> str:  # a search still answering when the window is closed
        started.set()
        time.sleep(0.4)
        events.append("task finished")
        return "done"

    app = CounterApp(service, printer=None, on_shutdown=[lambda: events.append("runtime closed")])
    app.taskman.run_db(lookup)
    queued = app.taskman.run_db(lambda: events.append("queued task ran"))  # not started: dropped
    assert started.wait(5)
    app.shutdown()
    assert events == ["task finished", "runtime closed"]
    assert queued.cancelled()


def test_shutdown_does_not_wait_for_ever(qtbot: Any, tmp_path: Path, monkeypatch: Any) -> None:
    import client.ui.app as app_module

    monkeypatch.setattr(app_module, "SHUTDOWN_WAIT_SECONDS", 0.2)
    service = make_service("http://127.0.0.1:9", tmp_path / "out", timeout=1)
    release = threading.Event()
    closed: list[float] = []
    app = CounterApp(service, printer=None, on_shutdown=[lambda: closed.append(time.monotonic())])
    app.taskman.run_network(lambda: release.wait(10))  # a call hanging on a dead line
    began = time.monotonic()
    app.shutdown()
    release.set()
    assert closed and closed[0] - began < 5  # the hooks ran after the bounded wait, not after the call
