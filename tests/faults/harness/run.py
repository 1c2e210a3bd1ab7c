"""Run seeded trials in batches, recover after each, check the invariants, report violations.

A violation prints the trial's replay key ``SEED:INDEX`` and the command that replays the batch
up to it (the schedule is a pure function of the seed, so the same faults come in the same order).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from client.outbox.issuer import BcpRefused
from client.outbox.push import OutboxPusher
from client.outbox.store import ClockBehindLeaseError
from client.replica.store import ReplicaStore
from client.replica.sync import ReplicaSync
from tests.faults.harness.checks import check_all
from tests.faults.harness.cluster import Batch
from tests.faults.harness.schedule import KINDS, Trial, schedule
from tests.faults.replica_support import FileKeyring, signed_client
from tests.integration.bcp_env import CODE, juminhyo

REPO = Path(__file__).resolve().parents[3]
CHECKSUM_EVERY = 5  # the replica checksum comparison every few trials (and at a batch's end)


@dataclass
class Report:
    trials: int = 0
    violations: list[tuple[str, str, list[str]]] = field(default_factory=list)  # (replay, trial, messages)
    faults: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)  # issuances refused, and why
    handed_out: int = 0
    refused_flagged: int = 0
    seconds: float = 0.0
    seconds_by_kind: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, object]:
        return {"trials": self.trials, "violations": len(self.violations), "faults": dict(self.faults),
                "outcomes": dict(self.outcomes),
                "handed_out": self.handed_out, "refused_flagged": self.refused_flagged,
                "seconds": round(self.seconds, 1),
                "seconds_by_kind": {k: round(v, 1) for k, v in self.seconds_by_kind.items()},
                "failing": [{"replay": r, "trial": t, "messages": m} for r, t, m in self.violations]}


# -- operations ------------------------------------------------------------------------------


def _now(trial: Trial) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=trial.clock_offset)


def issue_in_process(batch: Batch, i: int, trial: Trial, rng: random.Random, count: int) -> None:
    t = batch.terminals[i]
    batch.refill(i)
    attempts = [("plain", rng.choice(batch.subjects)) for _ in range(count)]
    attempts += [("flagged", rng.choice(batch.flagged)) for _ in range(trial.protected_attempts)]
    rng.shuffle(attempts)
    for kind, atena in attempts:
        try:
            issued = t.issuer.issue(juminhyo(atena, copies=rng.choice((1, 1, 2))), user_id="clerk1",
                                    printer_id="P001", now=_now(trial))
        except BcpRefused:
            if kind == "flagged":
                batch.refused_flagged += 1
            continue
        except ClockBehindLeaseError:
            batch.outcomes["refused: clock behind the lease"] += 1
            continue
        except Exception as exc:  # noqa: BLE001 - e.g. a full disk: nothing was handed out
            batch.outcomes[f"refused: {type(exc).__name__}"] += 1
            continue
        batch.handed_out[issued.record.uuid] = t.terminal_id  # the clerk hands this certificate out


def push(batch: Batch, i: int, trial: Trial | None = None, batch_size: int = 3) -> None:
    t = batch.terminals[i]
    now = (lambda: _now(trial)) if trial is not None else (lambda: datetime.now(UTC))
    OutboxPusher(t.outbox, t.remote, batch_size=batch_size).push(now)


def worker(batch: Batch, i: int, mode: str, kill_after: float) -> list[str]:
    """A terminal process issuing or pushing, killed with SIGKILL after ``kill_after`` seconds."""
    data_dir, token = batch.release(i)
    t = batch.terminals[i]
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.faults.bcp_worker", mode, str(data_dir), str(batch.keyring_file),
         batch.primary.url, token, json.dumps(batch.subjects), "--terminal-id", t.terminal_id,
         "--batch", "2", "--timeout", "5"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(kill_after)
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    out, err = proc.communicate(timeout=30)
    if proc.returncode not in (0, -signal.SIGKILL):
        raise RuntimeError(f"worker {mode} failed ({proc.returncode}): {err[-1500:]}")
    batch.reopen(i)
    return [ln.split()[1] for ln in out.splitlines() if ln.startswith("ISSUED")]


def kill_bootstrap(batch: Batch, trial: Trial) -> list[str]:
    """A replica bootstrap killed part-way, then resumed to the end; its checksum must match."""
    spare = batch.root / f"spare-{trial.index}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.faults.replica_worker", "--data-dir", str(spare), "--keyring-file",
         str(batch.keyring_file), "--server", batch.primary.url, "--action", "bootstrap", "--page-size", "20",
         "--page-sleep", "0.05"], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(trial.kill_after)
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    _, err = proc.communicate(timeout=30)
    if proc.returncode not in (0, -signal.SIGKILL):
        raise RuntimeError(f"bootstrap worker failed ({proc.returncode}): {err[-1500:]}")
    from client.local.keystore import KeyStore

    store = ReplicaStore(spare, CODE, KeyStore(FileKeyring(batch.keyring_file)))
    remote = signed_client(batch.primary.url)
    try:
        sync = ReplicaSync(store, remote, page_size=20)
        if not store.exists():
            sync.bootstrap()
        report = sync.compare_checksums(repair=False)
        return [] if report.matches else [f"replica: the resumed bootstrap differs in {report.mismatched_kinds}"]
    finally:
        store.close()
        remote.close()


def fill_disk(path: Path) -> Path:
    filler = path / "filler"
    with open(filler, "wb") as fh, contextlib.suppress(OSError):
        block = b"\0" * (1 << 20)
        while True:
            fh.write(block)
            fh.flush()
    with contextlib.suppress(OSError):  # the last partial blocks too
        with open(filler, "ab") as fh:
            while True:
                fh.write(b"\0" * 4096)
                fh.flush()
    return filler


# -- one trial -------------------------------------------------------------------------------


def run_trial(batch: Batch, trial: Trial) -> list[str]:
    rng = random.Random(f"ops:{trial.seed}:{trial.index}")
    batch.faults[trial.kind] += 1
    extra: list[str] = []
    k = trial.kind
    if k == "line_fault_push":
        batch.faults[f"line {trial.line_fault}"] += 1
        issue_in_process(batch, 0, trial, rng, trial.issues)
        batch.lines(trial.line_fault, trial.lines, keep_body_bytes=int(trial.params["keep_body_bytes"]),
                    delay=trial.params["delay"])
        if trial.params.get("request_first"):
            with contextlib.suppress(Exception):
                batch.terminals[0].remote.get("/health")
        with contextlib.suppress(Exception):
            push(batch, 0, trial)
    elif k == "kill_issue":
        issued = worker(batch, 0, "issue", trial.kill_after)
        for uuid in issued:
            batch.handed_out[uuid] = batch.terminals[0].terminal_id
    elif k == "kill_push":
        issue_in_process(batch, 0, trial, rng, trial.issues)
        worker(batch, 0, "push", trial.kill_after)
    elif k == "kill_bootstrap":
        extra += kill_bootstrap(batch, trial)
    elif k == "kill_server":
        issue_in_process(batch, 0, trial, rng, trial.issues)
        def pushing() -> None:
            with contextlib.suppress(Exception):
                push(batch, 0, trial, batch_size=1)

        pusher = threading.Thread(target=pushing, daemon=True)
        pusher.start()
        time.sleep(trial.kill_after)
        batch.kill_server()
        pusher.join(timeout=30)
        batch.restart_server()
    elif k == "clock_step":
        issue_in_process(batch, 0, trial, rng, trial.issues)
    elif k == "disk_full":
        if batch.tmpfs is None:
            batch.faults["disk_full skipped (not root)"] += 1
        else:
            filler = fill_disk(batch.tmpfs)
            try:
                issue_in_process(batch, 2, trial, rng, trial.issues)
            finally:
                filler.unlink()
            issue_in_process(batch, 2, trial, rng, 1)  # space again: issuing works
    elif k == "terminals":
        threads = [threading.Thread(target=issue_in_process, args=(batch, i, trial, random.Random(f"{rng.random()}:{i}"),
                                                                     trial.issues)) for i in range(trial.terminals)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
    recover(batch)
    return extra + check_all(batch, checksum=trial.index % CHECKSUM_EVERY == 0)


def recover(batch: Batch) -> None:
    """Lines back, server up, every outbox pushed (a few tries), the replica pulled."""
    batch.heal_lines()
    batch.restart_server()
    for i, t in enumerate(batch.terminals):
        for attempt in range(5):
            try:
                push(batch, i, batch_size=50)
            except Exception:  # noqa: BLE001 - retried
                time.sleep(0.2 * (attempt + 1))
                continue
            if t.outbox.count_pending() == 0:
                break
    with contextlib.suppress(Exception):
        batch.terminals[0].pull()


# -- a run -----------------------------------------------------------------------------------


def run(seed: int, trials: int, *, batch_size: int = 50, start: int = 0, root: Path | None = None,
        server_env: dict[str, str] | None = None, kinds: tuple[str, ...] = KINDS, stop_on_violation: bool = False,
        log: bool = True, order: tuple[str, ...] | None = None) -> Report:
    """Trials ``start`` … ``start + trials - 1`` of ``seed``, ``batch_size`` to a batch (one server,
    three terminals). A violation ends its batch (its state is suspect); the next trial starts a
    new one, so each violation is reported once, with the replay of its batch."""
    report = Report()
    t0 = time.perf_counter()
    base = Path(root or tempfile.mkdtemp(prefix="madoguchi-harness-"))
    own_base = root is None
    plan = schedule(seed, trials, start, kinds, order)
    batch: Batch | None = None
    batch_start = start
    in_batch = 0
    try:
        for trial in plan:
            if batch is None or in_batch >= batch_size:
                if batch is not None:
                    _fold(report, batch)
                    batch.close()
                b0 = time.perf_counter()
                batch = _new_batch(base / f"batch-{trial.index}", server_env)
                report.seconds_by_kind["batch set-up"] += time.perf_counter() - b0
                batch_start, in_batch = trial.index, 0
            k0 = time.perf_counter()
            try:
                violations = run_trial(batch, trial)
            except Exception as exc:  # noqa: BLE001 - a harness error is reported like a violation
                violations = [f"harness: {type(exc).__name__}: {exc}"]
            report.seconds_by_kind[trial.kind] += time.perf_counter() - k0
            report.trials += 1
            in_batch += 1
            if violations:
                report.violations.append((trial.replay, trial.describe(), violations))
                if log:
                    print(f"VIOLATION seed {trial.replay} ({trial.describe()}): " + "; ".join(violations[:6])
                          + f"\n  replay: python -m tests.faults.harness --seed {seed} --start {batch_start} "
                          f"--trials {trial.index - batch_start + 1}", file=sys.stderr, flush=True)
                _fold(report, batch)
                batch.close()
                batch = None
                if stop_on_violation:
                    break
    finally:
        if batch is not None:
            _fold(report, batch)
            batch.close()
        if own_base:
            shutil.rmtree(base, ignore_errors=True)
    report.seconds = time.perf_counter() - t0
    return report


def _new_batch(root: Path, server_env: dict[str, str] | None) -> Batch:
    """A batch, tried three times: its set-up is the harness's, not the product's, and a machine
    at a load average of 20 may time a start-up out."""
    for attempt in range(3):
        try:
            return Batch(root if attempt == 0 else root.with_name(f"{root.name}-{attempt}"), server_env=server_env)
        except Exception as exc:  # noqa: BLE001
            if attempt == 2:
                raise
            print(f"harness: batch set-up failed ({type(exc).__name__}: {exc}); again", file=sys.stderr, flush=True)
    raise AssertionError("unreachable")


def _fold(report: Report, batch: Batch) -> None:
    for kind, n in batch.faults.items():
        report.faults[kind] += n
    for kind, n in batch.outcomes.items():
        report.outcomes[kind] += n
    report.handed_out += len(batch.handed_out)
    report.refused_flagged += batch.refused_flagged


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.faults.harness")
    p.add_argument("--seed", type=int, default=int(os.environ.get("MADOGUCHI_HARNESS_SEED", "1")))
    p.add_argument("--trials", type=int, default=20)
    p.add_argument("--start", type=int, default=0, help="first trial index (replays start at a batch's first)")
    p.add_argument("--batch-size", type=int, default=50)
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    import logging

    logging.basicConfig(level=logging.ERROR)  # the lines fail on purpose: their warnings are noise here
    report = run(args.seed, args.trials, batch_size=args.batch_size, start=args.start)
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        print(f"{report.trials} trials, {len(report.violations)} violations, {report.seconds:.0f} s; "
              f"faults {dict(report.faults)}; seconds {dict(report.as_dict()['seconds_by_kind'])}")
    return 1 if report.violations else 0
