"""What the terminal remembers of its lines between runs: the mode, the line that last worked and
since when every line has been failing.

The counter window's connectivity machine writes it on every mode change (``LineMemory``, wired in
``client.composition.terminal_link.attach_terminal``, called by ``client.composition.root.build``), and so does each CLI run. A run that starts
on a terminal known to be degraded starts on the line that worked, or in BCP mode, instead of
waiting out the primary first.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

LINE_STATE_FILE = "line-state.json"


@dataclass
class LineState:
    mode: str = "online"  # online | secondary | bcp | recovering (client.continuity.machine.LinkMode)
    active_endpoint: str | None = None  # the line that last answered
    down_since: str | None = None  # ISO wall time since which every line has been failing
    at: str | None = None  # when this was written
    switched_at: str | None = None  # when active_endpoint last changed (a run retries the primary later)

    def down_since_time(self) -> datetime | None:
        return _parse(self.down_since)

    def switched_time(self) -> datetime | None:
        return _parse(self.switched_at)

    def use_endpoint(self, url: str | None, now: datetime) -> None:
        if url is not None and url != self.active_endpoint:
            self.active_endpoint = url
            self.switched_at = now.isoformat()


def _parse(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def load_line_state(data_dir: Path) -> LineState:
    """The recorded state; a missing or unreadable file is the default (online, nothing known)."""
    try:
        raw = json.loads((Path(data_dir) / LINE_STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return LineState()
    if not isinstance(raw, dict):
        return LineState()
    def text(name: str) -> str | None:
        value = raw.get(name)
        return str(value) if value is not None else None

    return LineState(mode=text("mode") or "online", active_endpoint=text("active_endpoint"),
                     down_since=text("down_since"), at=text("at"), switched_at=text("switched_at"))


def save_line_state(data_dir: Path, state: LineState, now: datetime | None = None) -> None:
    """Write atomically; a failure to write is never the clerk's problem (best effort)."""
    state.at = (now or datetime.now(UTC)).isoformat()
    path = Path(data_dir) / LINE_STATE_FILE
    tmp = path.with_suffix(".tmp")
    with contextlib.suppress(OSError):
        tmp.write_text(json.dumps(asdict(state), ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)


class LineMemory:
    """A ConnectivityMachine listener that records each mode change and the active line."""

    def __init__(self, data_dir: Path, machine: Any) -> None:
        self.data_dir = Path(data_dir)
        self.machine = machine

    def __call__(self, event: Any) -> None:
        new = getattr(event, "new", None)
        if new is None:
            return  # not a mode change
        state = load_line_state(self.data_dir)
        state.mode = str(getattr(new, "value", new))
        state.use_endpoint(self.machine.active_endpoint, datetime.now(UTC))
        if state.mode in ("online", "secondary"):
            state.down_since = None
        save_line_state(self.data_dir, state)
