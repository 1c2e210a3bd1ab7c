"""Emit Qt signals from Python without losing a reference to ``True`` (PySide6 6.12.0).

``SignalInstance.emit()`` in PySide6 6.12.0 returns ``Py_True`` without taking a reference, so
every Python-side emit lowers ``True``'s reference count by one. A counter that runs all day
emits on every search, verdict and background result; once the count reaches zero the
interpreter aborts (``Fatal Python error: bool_dealloc``). ``emit`` gives the reference back,
only when this PySide build is measured to have the fault (checked once, on first use).
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

from PySide6.QtCore import QObject, Signal

_leaks: bool | None = None


class _Probe(QObject):
    ping = Signal()


def _emit_leaks() -> bool:
    global _leaks
    if _leaks is None:
        probe = _Probe()
        before = sys.getrefcount(True)
        ping: Any = probe.ping  # typed as returning None; this build returns True
        results = [ping.emit() for _ in range(8)]
        after = sys.getrefcount(True)
        leaked = before + sum(1 for r in results if r is True) - after
        if leaked > 0:
            for _ in range(leaked):
                ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))
        _leaks = leaked > 0
        del results
    return _leaks


def emit(signal: Any, *args: Any) -> None:
    """``signal.emit(*args)``, keeping ``True``'s reference count right."""
    result = signal.emit(*args)
    if result is True and _emit_leaks():
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))
