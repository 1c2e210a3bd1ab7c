"""Through a real line cut the GUI thread keeps turning: the counter window of an enrolled terminal
goes from online to BCP (probes on worker threads, the banner fed by signals), the clerk's search
is answered by the replica afterwards, and no tick of the GUI loop is late by more than 100 ms.

The measurement runs in a pytest process of its own (``test_failover_in_a_fresh_process``): the
suite's process carries the heap, threads and Qt objects of ~1,400 earlier tests, and a 289 ms gap
measured there in CI was that process, not the counter (the same test alone: 48–55 ms)."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from client.composition.root import build
from client.lifecycle.config import ClientConfig
from client.lifecycle.enrollment import enroll
from client.local.keystore import KeyStore
from client.ui.app import CounterApp
from client.ui.mode_banner import ModeBridge
from server_stub.migrate import upgrade
from tests.faults.proxy import FaultProxy
from tests.integration.bcp_env import CODE, plain_subjects, seed
from tests.ui.helpers import commit_japanese, find_row
from tests.ui.test_responsiveness import LIMIT_MS, Heartbeat

WAIT = 30_000
INNER = "MADOGUCHI_FAILOVER_INNER"  # set in the child pytest that takes the measurement
ROOT = Path(__file__).resolve().parents[2]


def test_failover_in_a_fresh_process() -> None:
    if os.environ.get(INNER):
        pytest.skip("the child run itself")
    test = f"{Path(__file__).relative_to(ROOT)}::test_gui_stays_responsive_through_failover"
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-s", test], cwd=ROOT,
                         env={**os.environ, INNER: "1"}, capture_output=True, text=True, timeout=300)
    report = [line for line in run.stdout.splitlines() if line.startswith("failover:")]
    print(*report)
    # a crash dump starts with the thread that crashed: keep the head of stderr, not its tail
    assert run.returncode == 0 and report, f"exit {run.returncode}\n{run.stdout[-4000:]}\n{run.stderr[:6000]}"


@pytest.mark.skipif(not os.environ.get(INNER), reason="measured in its own process (test_failover_in_a_fresh_process)")


def test_gui_stays_responsive_through_failover(qtbot: Any, tmp_path: Path, server_factory: Any,
                                               memory_keyring: Any) -> None:
    db_url = f"sqlite:///{tmp_path / 'server.db'}"
    upgrade(db_url)
    seed(db_url)
    server = server_factory(db_url)
    line = FaultProxy("127.0.0.1", server.port)
    data = tmp_path / "home"
    enroll(server_url=line.url, municipality_code=CODE, terminal_name="本庁8", admin_user="admin1",
           admin_password="admin1pass", data_dir=data, keystore=KeyStore(), terminal_id="T108")
    subject = plain_subjects(db_url, 1)[0]
    config = ClientConfig(data_dir=data, bcp_policy="auto", probe_interval_seconds=1, probe_timeout_seconds=1,
                          bcp_window_seconds=2)
    bridge = ModeBridge()
    # as build_app does: the whole terminal is built first, then the clerk signs in (online and replica)
    counter = build(config, keystore=KeyStore(), publish=bridge.publish,
                    on_confirmation_needed=bridge.ask_confirmation, out_dir=tmp_path / "out")
    service, runtime = counter.service, counter.runtime
    # as build_app does: the runtime closes after the app's running tasks (its databases are under them)
    assert runtime is not None  # enrolled above
    app = CounterApp(service, printer=None, bridge=bridge, on_shutdown=[runtime.close])
    try:
        service.sign_in("clerk1", "clerk1pass")
        window = app.open_main_window()
        qtbot.addWidget(window)
        qtbot.waitExposed(window)
        assert service.mode == "online"
        # Measure from a collected heap: a full (generation-2) collection scales with every object
        # the earlier tests of this pytest process left behind, and one of ~130 ms landed in the
        # window when tests/faults/test_failover.py ran first. That is the test process, not the
        # counter: the GUI is judged on its own work here. (The counter's own stall here was PySide
        # building a batch of lazy classes at the switch, 75–125 ms; CounterApp now builds them at
        # start, client/ui/qt_types.py, and the worst gap measured 48–55 ms on a quiet machine.)
        gc.collect()
        beat = Heartbeat()
        beat.start()
        started = time.perf_counter()

        line.set_mode("cut")  # every line to the data centre is gone
        qtbot.waitUntil(lambda: service.mode == "bcp" and window.banner.mode == "bcp", timeout=WAIT)
        to_bcp = time.perf_counter() - started
        commit_japanese(window.search_edit, subject)  # a 宛名番号: answered by the replica now
        qtbot.waitUntil(lambda: find_row(window.results_model, subject) >= 0, timeout=WAIT)
        elapsed = time.perf_counter() - started
        beat.stop()
    finally:
        app.shutdown()
        line.close()
    print(f"failover: BCP after {to_bcp:.1f} s, worst GUI gap {beat.worst * 1000:.0f} ms over {elapsed:.1f} s")
    assert to_bcp < 10  # DESIGN §6: every line cut → issuing in BCP mode ≤ 10 s (auto policy)
    assert beat.ticks > elapsed / 0.05
    assert beat.worst * 1000 < LIMIT_MS, f"GUI thread blocked for {beat.worst * 1000:.0f} ms"
