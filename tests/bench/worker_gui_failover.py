"""Subprocess for the GUI-thread benchmark: the counter window during a failover to BCP.

``python -m tests.bench.worker_gui_failover SERVER_PORT REPLICA_DIR KEYRING_JSON SECONDS``

The real main window (online backend through two fault proxies, BCP backend on a copy of the
bootstrapped replica), the continuity runtime with its shipped defaults on APScheduler threads,
the mode banner fed through ``ModeBridge``. A clerk types a search every 0.7 s (IME commits, as
the UI tests do); after 3 s both lines are cut. A 10 ms QTimer heartbeat on the GUI thread records
the longest gap. Prints one JSON line.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any

CITY = "132403"


def main(argv: list[str]) -> int:
    port, replica_dir, keyring_path, seconds = int(argv[0]), Path(argv[1]), Path(argv[2]), float(argv[3])
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from client.certificate.signing import key_id_for, public_key_for
    from client.continuity.machine import ConnectivityMachine, ConnectivityPolicy, LinkMode
    from client.continuity.orchestrator import Continuity, http_probe, start_scheduler
    from client.lifecycle.config import ClientConfig
    from client.local.keystore import KeyStore
    from client.outbox.issuer import BcpIssuer
    from client.outbox.store import Outbox
    from client.replica.lookups import ReplicaLookups
    from client.replica.search import ReplicaSearch
    from client.replica.store import ReplicaStore
    from client.services.backend import BackendRouter, OnlineBackend
    from client.services.bcp_backend import BcpBackend
    from client.services.counter import CounterService
    from client.services.online_api import OnlineApi
    from client.ui.app import CounterApp
    from client.ui.mode_banner import ModeBridge
    from server_stub.seed.demo import demo_terminal_private_key
    from tests.bench.support import CLERK
    from tests.faults.proxy import FaultProxy
    from tests.faults.replica_support import FileKeyring
    from tests.ui.helpers import commit_japanese

    work = replica_dir.parent / "gui-terminal"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    for name in (f"replica-{CITY}.db", f"replica-{CITY}.db.kcv"):
        if (replica_dir / name).exists():
            shutil.copyfile(replica_dir / name, work / name)
    keystore = KeyStore(FileKeyring(keyring_path))
    store = ReplicaStore(work, CITY, keystore)
    outbox = Outbox.open(work / "outbox.db", keystore.ensure_database_key(f"outbox-{CITY}"))
    private = demo_terminal_private_key(CITY, "T001")
    issuer = BcpIssuer(outbox, ReplicaLookups(store), terminal_name="本庁1", signing_key=private,
                       key_id=key_id_for(public_key_for(private)))
    bcp: Any = BcpBackend(ReplicaLookups(store), ReplicaSearch(store), outbox, issuer)

    primary = FaultProxy("127.0.0.1", port)
    secondary = FaultProxy("127.0.0.1", port)
    defaults = ClientConfig()
    api = OnlineApi([primary.url, secondary.url], timeout=10.0)
    router = BackendRouter(OnlineBackend(api))
    router.register("bcp", bcp)
    service = CounterService(router, municipality_code=CITY, terminal_id="T001", out_dir=work / "pdf")
    service.sign_in(*CLERK)
    bcp.sign_in(CITY, CLERK[0], CLERK[1], "T001")

    machine = ConnectivityMachine([primary.url, secondary.url],
                                  ConnectivityPolicy(bcp_window=float(defaults.bcp_window_seconds)))
    continuity = Continuity(machine, router, probe=http_probe(timeout=float(defaults.probe_timeout_seconds)),
                            push=lambda: None, pull=lambda: None)
    app = CounterApp(service)
    bridge: ModeBridge = app.bridge
    continuity.listeners.append(bridge.on_event)
    scheduler = start_scheduler(continuity, probe_seconds=float(defaults.probe_interval_seconds),
                                replica_pull=None, pull_seconds=60)
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
    scheduler.shutdown(wait=False)
    app.shutdown()
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
    outbox.close()
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
