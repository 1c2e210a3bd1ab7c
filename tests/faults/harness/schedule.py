"""Seeded fault schedules: a trial is drawn from ``random.Random(f"{seed}:{index}")`` alone, so
``(seed, index)`` replays exactly the same faults, parameters and operations."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

LINE_FAULTS = ("cut", "half_open", "reset", "truncate", "delay")
KINDS = (
    "line_fault_push",   # a line fault on one or both lines while the outbox is pushed
    "kill_issue",        # kill -9 of a terminal process during BCP issuance
    "kill_push",         # kill -9 of a terminal process during sync back
    "kill_bootstrap",    # kill -9 of a replica bootstrap
    "kill_server",       # kill -9 of the server during sync back
    "clock_step",        # the client clock stepped by minutes or hours during issuance
    "disk_full",         # the outbox's file system is full during issuance
    "terminals",         # two or three terminals of one municipality issue at once
)
# cheap kinds are drawn more often so that the soak stays within its time budget: a trial costs
# ≈ 0.3–0.7 s in process, ≈ 2.5 s with a killed terminal process, ≈ 11 s with a killed (and
# restarted) server at load average 10 on 2 cores
WEIGHTS = (8, 4, 4, 2, 1, 4, 2, 6)


@dataclass(frozen=True)
class Trial:
    seed: int
    index: int
    kind: str
    line_fault: str = "pass"  # for line_fault_push (and what the lines do during other trials)
    lines: str = "both"  # primary | secondary | both
    issues: int = 3  # issuances attempted per terminal
    terminals: int = 1
    kill_after: float = 0.0  # seconds after start for the kill -9
    clock_offset: float = 0.0  # seconds added to the client clock
    protected_attempts: int = 1  # attempts on residents under 支援措置/抑止 (must all be refused)
    params: dict[str, float] = field(default_factory=dict)

    @property
    def replay(self) -> str:
        return f"{self.seed}:{self.index}"

    def describe(self) -> str:
        bits = [self.kind]
        if self.kind == "line_fault_push":
            bits.append(f"{self.line_fault}@{self.lines}")
        if self.kill_after:
            bits.append(f"kill after {self.kill_after:.2f}s")
        if self.clock_offset:
            bits.append(f"clock {self.clock_offset:+.0f}s")
        if self.terminals > 1:
            bits.append(f"{self.terminals} terminals")
        return " ".join(bits)


def trial(seed: int, index: int, kinds: tuple[str, ...] = KINDS, *, kind: str | None = None) -> Trial:
    """Trial ``index`` of ``seed``; ``kind`` forces the kind (the parameters are still drawn)."""
    rng = random.Random(f"{seed}:{index}")
    weights = [w for k, w in zip(KINDS, WEIGHTS, strict=True) if k in kinds]
    drawn = rng.choices([k for k in KINDS if k in kinds], weights=weights)[0]
    kind = kind or drawn
    common: dict[str, object] = {"seed": seed, "index": index, "kind": kind, "issues": rng.randint(1, 4),
                                 "protected_attempts": rng.randint(0, 2)}

    def make(**overrides: object) -> Trial:
        return Trial(**{**common, **overrides})  # type: ignore[arg-type]

    if kind == "line_fault_push":
        return make(line_fault=rng.choice(LINE_FAULTS), lines=rng.choice(("primary", "secondary", "both")),
                     params={"keep_body_bytes": float(rng.choice((0, 10, 200))), "delay": rng.uniform(0.05, 0.4),
                             # 1: a request first (so the push opens a fresh connection and the fault
                             # hits the answer after the server stored the batch); 0: the push meets
                             # the connection the fault dropped
                             "request_first": float(rng.random() < 0.6)})
    if kind in ("kill_issue", "kill_push"):
        return make(kill_after=rng.uniform(0.8, 1.9), issues=rng.randint(2, 6))
    if kind == "kill_bootstrap":
        return make(kill_after=rng.uniform(0.5, 2.0))
    if kind == "kill_server":
        return make(kill_after=rng.uniform(0.0, 0.3), issues=rng.randint(4, 10))
    if kind == "clock_step":
        step = rng.choice((rng.uniform(60, 1800), rng.uniform(3600, 4 * 3600)))
        return make(clock_offset=step * rng.choice((-1, 1)))
    if kind == "terminals":
        return make(terminals=rng.choice((2, 3)), issues=rng.randint(2, 5))
    return make()


def schedule(seed: int, trials: int, start: int = 0, kinds: tuple[str, ...] = KINDS,
             order: tuple[str, ...] | None = None) -> list[Trial]:
    """``order``: the kinds in turn (trial i is of kind ``order[i % len(order)]``), e.g. every kind once."""
    return [trial(seed, i, kinds, kind=order[i % len(order)] if order else None) for i in range(start, start + trials)]
