"""Summarise a py-spy ``--format raw`` (collapsed stacks) profile: where the time goes.

    py-spy record -f raw -o prof.txt -- python -m tests.bench.runner --only bootstrap
    python -m tests.bench.pyspy_top prof.txt [--top 25] [--match client/]

Prints the functions with the most samples inclusive (on the stack) and exclusive (on top),
optionally only frames whose file matches ``--match``.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*):(?P<line>\d+)\)$")


def _frame(text: str) -> tuple[str, str]:
    m = _FRAME.match(text.strip())
    if not m:
        return text.strip(), ""
    return m.group("func"), m.group("file")


def summarise(path: Path, match: str = "") -> tuple[int, Counter[str], Counter[str]]:
    total = 0
    inclusive: Counter[str] = Counter()
    exclusive: Counter[str] = Counter()
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = [_frame(f) for f in stack.split(";")]
        named = [f"{func} ({Path(file).name})" for func, file in frames if not match or match in file]
        for name in set(named):
            inclusive[name] += count
        if frames:
            func, file = frames[-1]
            exclusive[f"{func} ({Path(file).name})"] += count
    return total, inclusive, exclusive


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("profile", type=Path)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--match", default="", help="only frames whose file path contains this")
    args = parser.parse_args(argv)
    total, inclusive, exclusive = summarise(args.profile, args.match)
    print(f"{total} samples")
    print("-- inclusive --")
    for name, n in inclusive.most_common(args.top):
        print(f"{100 * n / max(total, 1):5.1f}%  {name}")
    print("-- exclusive (self) --")
    for name, n in exclusive.most_common(args.top):
        print(f"{100 * n / max(total, 1):5.1f}%  {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
