"""The benchmark harness does not rot: ``python -m tests.bench.runner --quick --only …`` runs real
benchmarks and writes latest.json / latest.md of the documented shape; a failing benchmark is an
error row, not a crashed run. (Bars are reported, never asserted here.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bench import runner
from tests.bench.support import Context, Measurement, latency, percentile

REPO = Path(__file__).resolve().parents[2]
FIELDS = {"name", "value", "unit", "bar", "comparison", "p50", "p95", "p99", "samples", "notes", "error",
          "benchmark", "status", "extra"}


def test_quick_run_of_cheap_benchmarks_writes_json_and_markdown(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run(
        [sys.executable, "-m", "tests.bench.runner", "--quick", "--only", "render", "cold_start", "--out",
         str(tmp_path)], cwd=REPO, env=env, capture_output=True, text=True, timeout=150,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads((tmp_path / "latest.json").read_text(encoding="utf-8"))
    assert data["meta"]["mode"] == "quick" and set(data["meta"]["benchmark_seconds"]) == {"render", "cold_start"}
    rows = data["results"]
    assert {r["benchmark"] for r in rows} == {"render", "cold_start"}
    for row in rows:
        assert set(row) == FIELDS
        assert row["status"] in ("pass", "short", "info")
        assert row["value"] is not None and row["value"] > 0
    render = next(r for r in rows if r["name"].startswith("render per page"))
    assert render["bar"] == 40.0 and render["unit"] == "ms" and render["comparison"] == "<="
    cold = next(r for r in rows if r["benchmark"] == "cold_start")
    assert cold["bar"] == 3.0 and cold["unit"] == "s" and cold["p50"] <= cold["p95"]
    table = (tmp_path / "latest.md").read_text(encoding="utf-8")
    assert "| target | figure (median / p95) | bar | result |" in table
    for row in rows:
        assert f"| {row['name']} |" in table
    assert table in proc.stdout  # the table is printed too


def test_a_failing_benchmark_is_an_error_row_and_the_run_goes_on(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(ctx: Context) -> list[Measurement]:
        raise ValueError("boom")

    def fine(ctx: Context) -> list[Measurement]:
        assert ctx.quick
        return [latency("toy latency", [1.0, 2.0, 3.0, 50.0], 10.0)]

    monkeypatch.setattr(runner, "registry", lambda: [runner.Benchmark("broken", broken, "a broken one"),
                                                     runner.Benchmark("fine", fine, "a fine one")])
    results = runner.run(None, quick=True, soak_too=False, out_dir=tmp_path)
    assert [r.status for r in results] == ["error", "short"]
    assert "ValueError: boom" in results[0].error
    data = json.loads((tmp_path / "latest.json").read_text(encoding="utf-8"))
    assert [r["status"] for r in data["results"]] == ["error", "short"]
    assert data["results"][1]["p50"] == 2.5 and data["results"][1]["value"] == data["results"][1]["p95"]
    table = (tmp_path / "latest.md").read_text(encoding="utf-8")
    assert "| a broken one | error | – | **error** |" in table
    assert "| toy latency | 2.50 / 43.0 ms | ≤ 10.0 ms (p95) | **short** |" in table


def test_percentile_interpolates_between_ranks() -> None:
    assert percentile([1, 2, 3, 4, 5], 0.5) == 3
    assert percentile([10, 20], 0.95) == pytest.approx(19.5)
    assert percentile([7], 0.99) == 7
    with pytest.raises(ValueError):
        percentile([], 0.5)


def test_merge_replaces_only_the_rerun_benchmarks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def first(value: float) -> runner.BenchFn:
        return lambda ctx: [Measurement("first", value, "s", 1.0)]

    def second(ctx: Context) -> list[Measurement]:
        return [Measurement("second", 5.0, "MB", 4.0)]

    monkeypatch.setattr(runner, "registry", lambda: [runner.Benchmark("a", first(2.0), "A"),
                                                     runner.Benchmark("b", second, "B")])
    runner.run(None, quick=True, soak_too=False, out_dir=tmp_path)
    monkeypatch.setattr(runner, "registry", lambda: [runner.Benchmark("a", first(0.5), "A"),
                                                     runner.Benchmark("b", second, "B")])
    runner.run(["a"], quick=True, soak_too=False, out_dir=tmp_path, merge=True)
    data = json.loads((tmp_path / "latest.json").read_text(encoding="utf-8"))
    assert [(r["benchmark"], r["value"], r["status"]) for r in data["results"]] == [("a", 0.5, "pass"),
                                                                                    ("b", 5.0, "short")]
    assert [r["benchmarks"] for r in data["meta"]["reruns"]] == [["a"]]
    assert "Re-run " in (tmp_path / "latest.md").read_text(encoding="utf-8")


def test_readme_table_is_replaced_between_the_markers_only(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# T\n\nbefore\n{runner.README_START}\nold table\n{runner.README_END}\nafter\n", encoding="utf-8")
    table = "Run: x\n\n| target | figure (median / p95) | bar | result |\n|---|---|---|---|\n| a | 1 s | – | – |\n\nNotes:\n\n- n\n"
    assert runner.update_readme(table, readme)
    text = readme.read_text(encoding="utf-8")
    assert "old table" not in text and "| a | 1 s | – | – |" in text and "Notes:" not in text
    assert text.startswith("# T\n\nbefore\n") and text.endswith(f"{runner.README_END}\nafter\n")
    plain = tmp_path / "OTHER.md"
    plain.write_text("no markers\n", encoding="utf-8")
    assert not runner.update_readme(table, plain) and plain.read_text(encoding="utf-8") == "no markers\n"
