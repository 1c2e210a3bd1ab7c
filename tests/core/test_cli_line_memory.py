"""What the terminal remembers of its lines between runs (client.continuity.line_memory)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

from client.composition.routing import PRIMARY_RETRY_SECONDS, CliCounter
from client.continuity.line_memory import (
    LINE_STATE_FILE,
    LineMemory,
    LineState,
    load_line_state,
    save_line_state,
)
from client.continuity.machine import LinkMode, ModeChanged

T0 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def test_round_trip_and_a_damaged_file_is_the_default(tmp_path: Path) -> None:
    state = LineState(mode="secondary")
    state.use_endpoint("https://dc2", T0)
    save_line_state(tmp_path, state, T0)
    again = load_line_state(tmp_path)
    assert (again.mode, again.active_endpoint, again.switched_time()) == ("secondary", "https://dc2", T0)
    (tmp_path / LINE_STATE_FILE).write_text("{not json", encoding="utf-8")
    assert load_line_state(tmp_path) == LineState()


def test_the_machine_listener_records_mode_and_line(tmp_path: Path) -> None:
    machine = SimpleNamespace(active_endpoint="https://dc2")
    LineMemory(tmp_path, machine)(ModeChanged(LinkMode.ONLINE, LinkMode.SECONDARY, 1.0, "primary line failed",
                                              "https://dc1"))
    state = load_line_state(tmp_path)
    assert (state.mode, state.active_endpoint, state.down_since) == ("secondary", "https://dc2", None)
    LineMemory(tmp_path, machine)("not a mode change")
    assert load_line_state(tmp_path).mode == "secondary"


def test_a_recorded_secondary_is_used_for_a_while_then_the_primary_is_tried_again(tmp_path: Path) -> None:
    now = {"t": T0}
    counter = CliCounter(service=None, runtime=None, config=None, data_dir=tmp_path, wall=lambda: now["t"])
    state = LineState(mode="secondary")
    state.use_endpoint("https://dc2", T0)
    now["t"] = T0 + timedelta(seconds=PRIMARY_RETRY_SECONDS - 1)
    assert counter._recent_switch(state)  # noqa: SLF001
    now["t"] = T0 + timedelta(seconds=PRIMARY_RETRY_SECONDS + 1)
    assert not counter._recent_switch(state)  # noqa: SLF001
