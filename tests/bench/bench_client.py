"""Client-side benchmarks in real time: cold start to the sign-in screen, line cut → secondary,
every line cut → issuing in BCP mode, and the GUI thread's longest block during a failover.

Failover runs the real pieces with their shipped defaults (ClientConfig: probe every 5 s with a
3 s timeout, BCP after ``bcp_window_seconds`` of every line failing, ``auto`` policy) through two
fault proxies (tests/faults/proxy.py) in front of the SQLite server, on the real clock. As in
the application (client/composition/terminal_link.py), the counter's own requests feed the
machine too (``OnlineApi.on_line_attempt``), and the BCP window runs on its own timer. The
terminal is the enrolled city terminal built by the composition root (tests/bench/enrolled.py),
each trial on a fresh copy.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import statistics
import subprocess
import sys
import time
from typing import Any

from tests.bench.support import CITY, CLERK, REPO, Context, Measurement, latency

_PHASES = random.Random(20261202)
COLD_START_S = 3.0
SECONDARY_S = 2.0
BCP_S = 10.0
GUI_BLOCK_MS = 100.0


def cold_start(ctx: Context) -> list[Measurement]:
    home = ctx.workdir / "coldstart-home"
    home.mkdir(exist_ok=True)
    env = {**os.environ, "MADOGUCHI_HOME": str(home), "MADOGUCHI_SERVER_URL": "http://127.0.0.1:9",
           "MADOGUCHI_MUNICIPALITY_CODE": CITY, "MADOGUCHI_TERMINAL_ID": "T001",
           "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    seconds: list[float] = []
    for i in range(ctx.sizes.cold_starts + 1):  # the first run warms the page cache and .pyc files
        t0 = time.time()
        proc = subprocess.run([sys.executable, "-m", "tests.bench.worker_coldstart"], cwd=str(REPO), env=env,
                              capture_output=True, text=True, timeout=120)
        line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("SHOWN ")), None)
        if line is None:
            raise RuntimeError(f"sign-in screen never shown (exit {proc.returncode}): {proc.stderr[-1500:]}")
        if i > 0:
            seconds.append(float(line.split()[1]) - t0)
    return [Measurement("cold start to sign-in screen", round(statistics.median(seconds), 2), "s", COLD_START_S,
                        p50=round(statistics.median(seconds), 2), p95=round(max(seconds), 2), samples=len(seconds),
                        notes=f"new process → `madoguchi gui` → SignInDialog painted (offscreen Qt); warm disk "
                              f"cache; runs {', '.join(f'{s:.2f}' for s in seconds)} s (p95 column = worst)")]


# ---------------------------------------------------------------------------------------------
# Failover
# ---------------------------------------------------------------------------------------------


class _Rig:
    """Two fault proxies in front of the SQLite server and the enrolled city terminal on them, built
    by the composition root (``client.composition.root.build``) as the application builds it, with
    the shipped defaults (``ClientConfig``) and the ``auto`` policy: the counter's ``OnlineApi``
    gets the connectivity machine's hooks at construction (its attempts feed the machine), the
    runtime runs its one scheduler. The clerk is signed in (online, and on the replica)."""

    _trials = itertools.count(1)

    def __init__(self, ctx: Context) -> None:
        from client.composition.root import build
        from client.lifecycle.config import ClientConfig
        from tests.bench.enrolled import copy_on_lines, keystore_at, template
        from tests.faults.proxy import FaultProxy

        source, keyring_path = template(ctx)
        server = ctx.server("sqlite")
        self.primary = FaultProxy("127.0.0.1", server.port)
        self.secondary = FaultProxy("127.0.0.1", server.port)
        self.counter: Any = None
        try:
            trial = next(self._trials)
            data_dir = copy_on_lines(source, ctx.workdir / f"failover-terminal-{trial}", self.primary.url,
                                     self.secondary.url)
            config = ClientConfig(data_dir=data_dir, bcp_policy="auto")
            self.probe_seconds = float(config.probe_interval_seconds)
            self.counter = build(config, keystore=keystore_at(keyring_path), out_dir=ctx.workdir / "pdf-failover",
                                 timeout=10.0)
            self.service = self.counter.service
            self.machine = self.counter.runtime.machine
            self.api = self.service.router.backend("online").api  # the counter's OnlineApi
            self.service.sign_in(*CLERK)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self.counter is not None:
            self.counter.close()
        self.primary.close()
        self.secondary.close()


def _secondary_trial(ctx: Context, fault: str) -> float:
    """Cut the primary (``fault`` mode) while a clerk searches every 100 ms; seconds until the next
    search answered by the secondary."""
    rig = _Rig(ctx)
    try:
        for _ in range(3):
            rig.service.search("ヤマ")
        time.sleep(0.2)
        rig.primary.set_mode(fault)
        cut = time.perf_counter()
        while time.perf_counter() - cut < 60:
            try:
                rig.service.search("ヤマ")
                if rig.api.active_url == rig.secondary.url:
                    return time.perf_counter() - cut
            except Exception:  # noqa: BLE001 - a failed request during the switch
                pass
            time.sleep(0.1)
        raise RuntimeError("requests never moved to the secondary")
    finally:
        rig.close()


def _bcp_trial(ctx: Context, idle: bool = False) -> tuple[float, float, list[tuple[float, str, str]]]:
    """Cut both lines while a clerk tries to issue every 200 ms through the counter service; seconds
    until the machine is in BCP, and until the first certificate PDF is issued from the replica."""
    from client.continuity.machine import LinkMode
    from client.services.errors import ClerkError
    from tests.bench.bench_issue import _juminhyo, _subjects

    rig = _Rig(ctx)
    service = rig.service
    try:
        subjects = itertools.cycle(_subjects(ctx, 100))  # failed attempts use subjects up too
        service.issue(_juminhyo(next(subjects)))  # online, through the primary
        if idle:  # the cut lands anywhere in the regular probe period
            time.sleep(_PHASES.uniform(0, rig.probe_seconds))
        rig.primary.set_mode("cut")
        rig.secondary.set_mode("cut")
        cut = time.monotonic()
        issued = None
        while idle and rig.machine.mode is not LinkMode.BCP and time.monotonic() - cut < 90:
            time.sleep(0.05)  # nobody at the counter: only the probes can notice the cut
        while time.monotonic() - cut < 90:
            mode = service.mode
            try:
                service.issue(_juminhyo(next(subjects)))
                if mode == "bcp":
                    issued = time.monotonic() - cut
                    break
            except ClerkError:
                pass
            time.sleep(0.2)
        if issued is None:
            raise RuntimeError(f"no BCP issuance within 90 s (mode {rig.machine.mode})")
        timeline = [(round(e.at - cut, 2), e.new.value, e.reason) for e in rig.machine.history if e.at >= cut]
        in_bcp = next((t for t, mode, _ in timeline if mode == LinkMode.BCP.value), issued)
        return in_bcp, issued, timeline
    finally:
        rig.close()


def failover(ctx: Context) -> list[Measurement]:
    trials = 2 if ctx.quick else 5
    cut = [_secondary_trial(ctx, "cut") for _ in range(trials)]
    rows = [latency("primary line cut (refused) → requests on the secondary", [s * 1000 for s in cut],
                    SECONDARY_S * 1000, notes=f"{trials} trials; search every 100 ms; DataCentreClient falls "
                                               "back within the failing request", on="max")]
    rows[0].value, rows[0].unit, rows[0].bar = round(max(cut), 2), "s", SECONDARY_S
    rows[0].p50, rows[0].p95, rows[0].p99 = round(statistics.median(cut), 2), round(max(cut), 2), None
    from client.lifecycle.config import ClientConfig

    interactive = ClientConfig().interactive_timeout_seconds
    silent = [_secondary_trial(ctx, "half_open") for _ in range(trials)]
    rows.append(Measurement("primary line silent (half-open) → requests on the secondary", round(max(silent), 2),
                            "s", SECONDARY_S, p50=round(statistics.median(silent), 2), p95=round(max(silent), 2),
                            samples=len(silent),
                            notes=f"{trials} trials (figure = worst: "
                                  f"{', '.join(f'{s:.2f}' for s in silent)} s); search every 100 ms; the "
                                  f"search waits interactive_timeout_seconds ({interactive:g} s) on the silent "
                                  f"primary, then DataCentreClient sends it to the secondary in the same call"))
    return rows


def bcp_entry(ctx: Context) -> list[Measurement]:
    trials = 5 if ctx.quick else 7  # the data size does not matter here
    return [bcp_entry_row(ctx, trials=trials), bcp_idle_row(ctx, trials=trials)]


def bcp_idle_row(ctx: Context, trials: int) -> Measurement:
    """The same cut with nobody at the counter: the regular probe (every 5 s) has to notice it."""
    load = os.getloadavg()
    results = [_bcp_trial(ctx, idle=True) for _ in range(trials)]
    to_bcp = [r[0] for r in results]
    row = latency("every line cut, idle counter (probes only) → in BCP mode", to_bcp, BCP_S, on="p95")
    row.unit = "s"
    row.notes = (f"{trials} trials, p95 (in BCP at {', '.join(f'{s:.2f}' for s in to_bcp)} s): the cut lands at a "
                 f"random point of the 5 s probe period, then the window runs; worst case probe period + "
                 f"window = 9.5 s; load average {load[0]:.2f}")
    row.extra = {"machine_bcp_s": to_bcp, "loadavg": load}
    return row


def bcp_entry_row(ctx: Context, trials: int) -> Measurement:
    """Every line cut → the first 住民票 issued from the replica, ``trials`` times; figure = p95."""
    from client.lifecycle.config import ClientConfig

    defaults = ClientConfig()
    load = os.getloadavg()
    results = [_bcp_trial(ctx) for _ in range(trials)]
    issued = [r[1] for r in results]
    to_bcp = [r[0] for r in results]
    steps = "; ".join(f"+{t:.1f} s {mode} ({reason})" for t, mode, reason in results[-1][2])
    row = latency("every line cut → issuing in BCP mode (auto policy)", issued, BCP_S, on="p95")
    row.unit = "s"
    row.notes = (f"{trials} trials, p95 (issued at {', '.join(f'{s:.2f}' for s in issued)} s; machine in BCP at "
                 f"{', '.join(f'{s:.2f}' for s in to_bcp)} s); bcp_window {defaults.bcp_window_seconds:g} s on its "
                 f"own timer from the first failed attempt's send, probes every {defaults.probe_interval_seconds} s "
                 f"and an urgent round of both lines on the first failure; the clerk tries to issue every 200 ms "
                 f"and those requests feed the machine; load average {load[0]:.2f}. Last timeline: {steps}")
    row.extra = {"timeline": results[-1][2], "machine_bcp_s": to_bcp, "issued_s": issued, "loadavg": load}
    return row


def gui_failover(ctx: Context) -> list[Measurement]:
    """The Qt worker: main window open, a clerk typing searches, every line cut; the GUI thread's
    longest gap between 10 ms heartbeats from the cut until a BCP search has answered."""
    from tests.bench.enrolled import template

    data_dir, keyring_path = template(ctx)
    server = ctx.server("sqlite")
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    proc = subprocess.run(
        [sys.executable, "-m", "tests.bench.worker_gui_failover", str(server.port), str(data_dir),
         str(keyring_path), "20" if ctx.quick else "30"],
        cwd=str(REPO), env=env, capture_output=True, text=True, timeout=300)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("{")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"GUI worker failed ({proc.returncode}): {proc.stderr[-2000:]}")
    r: dict[str, Any] = json.loads(line)
    return [
        Measurement("GUI thread longest block during failover", round(r["worst_ms"], 1), "ms", GUI_BLOCK_MS,
                    notes=f"{r['ticks']} heartbeats over {r['seconds']:.0f} s; modes {r['modes']}; "
                          f"{r['searches']} searches typed; before the cut {r['worst_before_ms']:.0f} ms",
                    extra=r),
    ]
