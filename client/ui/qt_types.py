"""Build every Qt binding class once, at start, rather than on the GUI thread in the middle of the day.

PySide6 (6.12) creates its Python classes lazily, and with a class all of its enums (a Python
``enum`` class each, ~0.2–6 ms apiece on a slow terminal). The first time Qt hands the
application's event filter or a slot an object whose class has not been built yet, shiboken builds
a whole batch of them: measured during a line cut, 146 enum classes (QProcess, QStyle, QWizard …)
in one pass, a 75–125 ms stall of the counter window exactly when it switched to BCP mode
(tests/ui/test_failover_responsiveness.py). Resolving every class of the modules the client uses
at start costs ~0.35 s once on the same machine, while the window is being built, and leaves
nothing to build later.
"""

from __future__ import annotations

import logging
import time
from types import ModuleType

from PySide6 import QtCore, QtGui, QtPrintSupport, QtWidgets

log = logging.getLogger(__name__)

MODULES: tuple[ModuleType, ...] = (QtCore, QtGui, QtWidgets, QtPrintSupport)
_resolved = False


def resolve_qt_types() -> bool:
    """Build every class of ``MODULES`` now (once per process). True when this call did the work."""
    global _resolved
    if _resolved:
        return False
    started = time.perf_counter()
    for module in MODULES:
        for name in dir(module):
            getattr(module, name)  # a lazy class is built on first attribute access
    _resolved = True
    log.debug("Qt classes resolved in %.0f ms", (time.perf_counter() - started) * 1000)
    return True
