"""The randomised fault harness (tests/faults/harness): its schedule replays from a seed, a short
deterministic run over every kind of fault keeps every invariant, and a bug planted in the
server's exactly-once handling is caught, with a replay that finds it again.

``./run bench --soak`` runs ≥ 1,000 trials of the same harness (tests/bench/runner.py).
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tests.faults.harness.run import run
from tests.faults.harness.schedule import KINDS, schedule, trial

PLANTED = {"MADOGUCHI_PLANTED_BUG": "skip-bcp-dedupe"}


@pytest.fixture(autouse=True)
def quiet_lines(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR)  # the lines fail on purpose


def test_a_schedule_is_a_pure_function_of_its_seed() -> None:
    a, b = schedule(7, 300), schedule(7, 300)
    assert a == b
    assert trial(7, 123) == a[123]  # one trial replays alone, whatever came before it
    assert schedule(8, 300) != a
    assert {t.kind for t in a} == set(KINDS)  # every kind of fault is drawn
    faults = {t.line_fault for t in a if t.kind == "line_fault_push"}
    assert faults == {"cut", "half_open", "reset", "truncate", "delay"}
    assert {t.terminals for t in a if t.kind == "terminals"} == {2, 3}
    steps = [abs(t.clock_offset) for t in a if t.kind == "clock_step"]
    assert min(steps) < 3600 <= max(steps)  # minutes and hours


@pytest.mark.parametrize("seed", [20261202, 7])
def test_a_short_deterministic_run_keeps_every_invariant(tmp_path: Path, seed: int) -> None:
    # every kind once per seed, with the seed's own parameters
    plan_kinds = tuple(KINDS)
    report = run(seed, len(plan_kinds), batch_size=len(plan_kinds), root=tmp_path, kinds=plan_kinds, log=False,
                 order=plan_kinds)
    kinds_seen = {k for k in report.faults if k in KINDS}
    assert report.violations == [], report.as_dict()["failing"]
    assert report.trials == len(plan_kinds) and kinds_seen == set(KINDS)
    assert report.handed_out > 0


def test_the_harness_catches_a_planted_exactly_once_bug_and_its_replay_finds_it_again(tmp_path: Path) -> None:
    kinds = ("line_fault_push",)
    clean = run(11, 3, batch_size=3, root=tmp_path / "clean", kinds=kinds, log=False)
    assert clean.violations == []  # the same schedule on the real server: nothing wrong

    planted = run(11, 3, batch_size=3, root=tmp_path / "planted", kinds=kinds, server_env=PLANTED, log=False)
    assert planted.violations, "the harness did not notice the server storing a retried record again"
    replay, _, messages = planted.violations[0]
    assert replay == "11:2"
    assert any("rejected after recovery" in m or "exactly-once" in m for m in messages)

    seed, index = (int(x) for x in replay.split(":"))
    again = run(seed, index + 1, batch_size=index + 1, root=tmp_path / "replay", kinds=kinds, server_env=PLANTED,
                log=False)
    assert [v[0] for v in again.violations] == [replay]
