"""Python-side signal emits keep ``True``'s reference count (PySide6 6.12.0 loses one per emit,
which aborts a long-running counter with ``bool_dealloc``)."""

from __future__ import annotations

import sys
from typing import Any

from PySide6.QtCore import QObject, Signal

from client.ui.qt_signals import emit


class _Source(QObject):
    changed = Signal(object)
    plain = Signal()


def test_emit_keeps_the_reference_count_of_true(qapp: Any) -> None:
    source = _Source()
    seen: list[object] = []
    source.changed.connect(seen.append)
    source.plain.connect(lambda: seen.append(None))
    emit(source.plain)  # the one-off probe runs here
    before = sys.getrefcount(True)
    for i in range(2000):
        emit(source.changed, i)
        emit(source.plain)
    # The defect leaks two references per emit (4000 here). True's count is global: threads left
    # running by earlier tests (log writers, schedulers) move it by a few dozen meanwhile.
    assert abs(sys.getrefcount(True) - before) <= 200
    assert len(seen) == 4001 and seen[-2] == 1999
