"""``./run bench``: run the benchmark suite against DESIGN.md §6 and write the results.

    python -m tests.bench.runner [--quick] [--soak] [--only NAME ...] [--out DIR] [--list]

Benchmarks run in registry order with one shared context (one seeded database and server per
database kind, one PostgreSQL cluster, one bootstrapped replica). Each is isolated: an exception
becomes an ``error`` row and the run goes on. Results go to ``bench/results/latest.json`` and
``latest.md`` (target | figure | bar | pass/short), and the table is printed.

``--quick`` uses a town of 2,000 and fewer iterations (≤ 3 minutes; the harness check CI can run,
bars reported but not asserted). ``--soak`` also runs the randomised fault harness
(``tests/faults/harness``: 1,000 seeded trials of line faults, kill -9 of terminals and the server,
clock steps, a full disk and concurrent terminals, each checked against the invariants).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.bench.support import FULL, QUICK, REPO, Context, Measurement

BenchFn = Callable[[Context], list[Measurement]]


@dataclass(frozen=True)
class Benchmark:
    name: str
    fn: BenchFn
    title: str


def _lazy(module: str, name: str) -> BenchFn:
    """A benchmark function imported when it runs (issue 18's row, kept off the shared import line)."""

    def run(ctx: Context) -> list[Measurement]:
        import importlib

        fn: BenchFn = getattr(importlib.import_module(f"tests.bench.{module}"), name)
        return fn(ctx)

    return run


def registry() -> list[Benchmark]:
    """Every benchmark, in run order (cheap and data-independent ones first)."""
    from tests.bench import (
        bench_card,
        bench_client,
        bench_data,
        bench_endpoints,
        bench_issue,
        bench_load,
        bench_search,
        bench_sync,
        bench_trust,
    )

    return [
        Benchmark("render", bench_issue.render, "page render (client)"),
        Benchmark("cold_start", bench_client.cold_start, "cold start to the sign-in screen"),
        Benchmark("verify", bench_trust.verify, "verification per certificate (CLI and the /verify page)"),
        Benchmark("seed", bench_data.seed, "seeding the city and the town"),
        Benchmark("bootstrap", bench_sync.bootstrap, "replica bootstrap of the city"),
        Benchmark("delta", bench_sync.delta, "delta sync of 1,000 changes"),
        Benchmark("wire", bench_sync.wire_and_apply, "bytes on the wire; SQLCipher vs plain apply"),
        Benchmark("cipher_owner", bench_sync.cipher_owner, "SQLCipher vs plain, the replica owner's method"),
        Benchmark("replica_search", bench_search.replica_search, "search on the replica"),
        Benchmark("online_search", bench_search.online_search, "search online (SQLite, PostgreSQL)"),
        Benchmark("request_pdf", bench_issue.request_to_pdf, "request → PDF bytes online and BCP"),
        Benchmark("card", bench_card.card, "マイナンバーカード read → resident shown → pre-filled 交付請求書"),
        Benchmark("failover", bench_client.failover, "line cut → requests on the secondary"),
        Benchmark("bcp_entry", bench_client.bcp_entry, "every line cut → issuing in BCP mode"),
        Benchmark("gui_failover", bench_client.gui_failover, "GUI thread during failover"),
        Benchmark("syncback", bench_issue.syncback, "sync back of BCP issuances"),
        Benchmark("endpoint_cpu", bench_endpoints.endpoint_cpu, "server CPU per request, per endpoint"),
        Benchmark("load", bench_load.load, "terminals: curve, saturation, vs before, 2 processes vs 1"),
        Benchmark("peers", _lazy("bench_peers", "hold_propagation"), "emergency hold between the hall's terminals"),
        Benchmark("mirror", _lazy("bench_peers", "mirror_cost"), "a BCP issuance mirrored to a peer"),
    ]


# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------


def _fmt(value: float | None) -> str:
    if value is None:
        return "–"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}" if abs(value) >= 0.1 else f"{value:.3g}"


def figure_text(m: Measurement) -> str:
    if m.error:
        return "error"
    if m.p50 is not None and m.p95 is not None:
        return f"{_fmt(m.p50)} / {_fmt(m.p95)} {m.unit}"
    return f"{_fmt(m.value)} {m.unit}".strip()


def bar_text(m: Measurement) -> str:
    if m.bar is None or not m.comparison:
        return "–"
    sign = "≤" if m.comparison == "<=" else "≥"
    on = " (p95)" if m.p95 is not None and m.value == m.p95 else ""
    return f"{sign} {_fmt(m.bar)} {m.unit}{on}".strip()


def markdown(results: list[Measurement], meta: dict[str, object]) -> str:
    lines = [
        f"Run: {meta['started']} · mode **{meta['mode']}** · {meta['cpus']} CPUs · load average at start "
        f"{meta['loadavg_start']} · total {meta['seconds']:.0f} s · commit {meta['commit']}",
    ]
    reruns: Any = meta.get("reruns") or []
    for rerun in reruns:
        lines.append(f"Re-run {rerun['started']} (commit {rerun['commit']}, load average {rerun['loadavg_start']}): "
                     f"{', '.join(rerun['benchmarks'])}")
    lines += [
        "",
        "| target | figure (median / p95) | bar | result |",
        "|---|---|---|---|",
    ]
    for m in results:
        status = {"pass": "pass", "short": "**short**", "error": "**error**", "info": "–"}[m.status]
        name = m.name.replace("|", "\\|")
        lines.append(f"| {name} | {figure_text(m)} | {bar_text(m)} | {status} |")
    notes = [m for m in results if m.notes or m.error]
    if notes:
        lines += ["", "Notes:", ""]
        for m in notes:
            text = m.error.splitlines()[0][:300] if m.error else m.notes
            lines.append(f"- *{m.name}*: {text}")
    return "\n".join(lines) + "\n"


README_START = "<!-- bench:start (written by ./run bench) -->"
README_END = "<!-- bench:end -->"


def update_readme(table: str, readme: Path = REPO / "README.md") -> bool:
    """Replace the table between the bench markers in README.md (only if the markers exist)."""
    if not readme.exists():
        return False
    text = readme.read_text(encoding="utf-8")
    if README_START not in text or README_END not in text:
        return False
    table = table.split("\nNotes:", 1)[0].rstrip("\n") + "\n"  # the notes live in latest.md
    head, rest = text.split(README_START, 1)
    _, tail = rest.split(README_END, 1)
    readme.write_text(f"{head}{README_START}\n{table}{README_END}{tail}", encoding="utf-8")
    return True


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              cwd=REPO, timeout=10).stdout.strip() or "?"
    except (OSError, subprocess.SubprocessError):
        return "?"


def _loadavg() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


# ---------------------------------------------------------------------------------------------
# Soak
# ---------------------------------------------------------------------------------------------


def soak() -> list[Measurement]:
    """The randomised fault harness (tests/faults/harness): ``MADOGUCHI_SOAK_TRIALS`` (default
    1,000) seeded trials in batches of 100 sharing one server, in a process of their own."""
    trials = int(os.environ.get("MADOGUCHI_SOAK_TRIALS", "1000"))
    seed = int(os.environ.get("MADOGUCHI_SOAK_SEED", datetime.now(UTC).strftime("%Y%m%d")))
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "tests.faults.harness", "--seed", str(seed), "--trials", str(trials),
         "--batch-size", "100", "--json"], cwd=REPO, capture_output=True, text=True,
    )
    seconds = time.perf_counter() - start
    line = next((ln for ln in reversed(proc.stdout.splitlines()) if ln.startswith("{")), None)
    if line is None:
        return [Measurement("soak: trials", None, "trials", float(trials), benchmark="soak",
                            error=f"harness exit {proc.returncode}: {proc.stderr[-600:]}")]
    r = json.loads(line)
    failing = "; ".join(f"{f['replay']} ({f['trial']}): {f['messages'][0]}" for f in r["failing"][:3])
    load = _loadavg()
    rows = [
        Measurement("soak: trials", float(r["trials"]), "trials", None, benchmark="soak",
                    notes=f"seed {seed}, {seconds / 60:.1f} min ({r['seconds'] / max(1, r['trials']):.2f} s a trial), "
                          f"load average at the end {load}; {r['handed_out']} certificates handed out, "
                          f"{r['refused_flagged']} attempts on 支援措置/抑止 residents refused; replay a failing "
                          f"trial with the command it prints (python -m tests.faults.harness --seed S --start B "
                          f"--trials N)", extra=r),
        Measurement("soak: violations", float(r["violations"]), "violations", 0.0, benchmark="soak",
                    notes=failing or "every invariant held after every trial"),
    ]
    for kind, n in sorted(r["faults"].items()):
        rows.append(Measurement(f"soak: faults — {kind}", float(n), "trials", None, benchmark="soak"))
    for outcome, n in sorted(r.get("outcomes", {}).items()):
        rows.append(Measurement(f"soak: issuances {outcome}", float(n), "attempts", None, benchmark="soak"))
    return rows


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------


def run(names: list[str] | None, quick: bool, soak_too: bool, out_dir: Path, merge: bool = False,
        city: int | None = None, load_seconds: float | None = None) -> list[Measurement]:
    sizes = QUICK if quick else FULL
    if city:
        sizes = dataclasses.replace(sizes, city=city)
    if load_seconds:
        sizes = dataclasses.replace(sizes, load_seconds=load_seconds)
    benches = registry()
    if names:
        known = {b.name for b in benches}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise SystemExit(f"unknown benchmark(s) {unknown}; known: {sorted(known)}")
        benches = [b for b in benches if b.name in names]
    started = datetime.now(UTC)
    meta: dict[str, object] = {
        "started": started.strftime("%Y-%m-%d %H:%M UTC"), "mode": "quick" if quick else "full",
        "cpus": os.cpu_count(), "loadavg_start": _loadavg(), "commit": _commit(),
        "python": platform.python_version(), "platform": platform.platform(), "sizes": sizes.__dict__,
    }
    t0 = time.perf_counter()
    ctx = Context(sizes, quick)
    results: list[Measurement] = []
    timings: dict[str, float] = {}
    try:
        for bench in benches:
            print(f"[bench] {bench.name}: {bench.title} …", file=sys.stderr, flush=True)
            b0 = time.perf_counter()
            try:
                rows = bench.fn(ctx)
            except Exception as exc:  # noqa: BLE001 - one failing benchmark must not stop the run
                traceback.print_exc()
                rows = [Measurement(bench.title, None, "", error=f"{type(exc).__name__}: {exc}")]
            timings[bench.name] = round(time.perf_counter() - b0, 1)
            for row in rows:
                row.benchmark = row.benchmark or bench.name
                print(f"[bench]   {row.name}: {figure_text(row)} (bar {bar_text(row)}) → {row.status}",
                      file=sys.stderr, flush=True)
            results += rows
        if soak_too:
            print("[bench] soak: the randomised fault harness …", file=sys.stderr, flush=True)
            results += soak()
    finally:
        ctx.close()
    meta["seconds"] = time.perf_counter() - t0
    meta["loadavg_end"] = _loadavg()
    meta["benchmark_seconds"] = timings
    write(results, meta, out_dir, merge)
    return results


def _from_dict(d: dict[str, object]) -> Measurement:
    fields = {k: v for k, v in d.items() if k != "status"}
    return Measurement(**fields)  # type: ignore[arg-type]


def merge_into(previous: Path, results: list[Measurement], meta: dict[str, object]) -> tuple[
        list[Measurement], dict[str, object]]:
    """Replace the rows of the benchmarks just run in an earlier latest.json, keep the others
    (in registry order). The meta records which benchmarks were re-run, and when."""
    old = json.loads(previous.read_text(encoding="utf-8"))
    rerun = {m.benchmark for m in results}
    kept = [_from_dict(r) for r in old["results"] if r.get("benchmark") not in rerun]
    order = {b.name: i for i, b in enumerate(registry())}
    merged = sorted(kept + results, key=lambda m: order.get(m.benchmark, len(order)))
    old_meta = dict(old["meta"])
    reruns = list(old_meta.get("reruns", []))  # type: ignore[arg-type]
    reruns.append({"benchmarks": sorted(rerun), "started": meta["started"], "commit": meta["commit"],
                   "loadavg_start": meta["loadavg_start"], "seconds": round(float(meta["seconds"]), 1)})  # type: ignore[arg-type]
    old_meta["reruns"] = reruns
    timings = dict(old_meta.get("benchmark_seconds", {}))  # type: ignore[call-overload]
    timings.update(meta.get("benchmark_seconds", {}))  # type: ignore[call-overload]
    old_meta["benchmark_seconds"] = timings
    return merged, old_meta


def write(results: list[Measurement], meta: dict[str, object], out_dir: Path, merge: bool = False) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    if merge and (out_dir / "latest.json").exists():
        results, meta = merge_into(out_dir / "latest.json", results, meta)
    payload = {"meta": meta, "results": [m.to_dict() for m in results]}
    (out_dir / "latest.json").write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    table = markdown(results, meta)
    (out_dir / "latest.md").write_text(table, encoding="utf-8")
    print(table)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.runner", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small data, few iterations (≤ 3 minutes)")
    parser.add_argument("--soak", action="store_true",
                        help="also the randomised fault harness (MADOGUCHI_SOAK_TRIALS, default 1,000 trials)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these benchmarks")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results", help="output directory")
    parser.add_argument("--merge", action="store_true",
                        help="with --only: replace those benchmarks' rows in the existing latest.json")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    parser.add_argument("--city", type=int, default=None, metavar="N",
                        help="residents in the city instead of the mode's default (e.g. 50000 while iterating)")
    parser.add_argument("--load-seconds", type=float, default=None, metavar="S",
                        help="seconds per load-test point instead of the mode's default")
    args = parser.parse_args(argv)
    if args.list:
        for b in registry():
            print(f"{b.name:16s} {b.title}")
        return 0
    results = run(args.only, args.quick, args.soak, args.out, merge=args.merge, city=args.city,
                  load_seconds=args.load_seconds)
    if not args.quick and (not args.only or args.merge) and args.out == REPO / "bench" / "results":
        update_readme((args.out / "latest.md").read_text(encoding="utf-8"))
    return 1 if any(m.status == "error" for m in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
