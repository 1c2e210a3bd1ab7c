"""Every Qt binding class the client uses is built when the counter app starts, so none is built
on the GUI thread later (a batch of lazy class builds stalled the window at a line cut, 75–125 ms).
Run in a fresh interpreter: the pytest process has long resolved most classes by now."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import enum, json
built = []
_create = enum.EnumType._create_
def _counting(cls, class_name, *args, **kwargs):
    built.append(class_name)
    return _create(cls, class_name, *args, **kwargs)
enum.EnumType._create_ = _counting
from client.ui import qt_types
from client.ui.app import create_application
create_application()

def touch_all():
    del built[:]
    for module in qt_types.MODULES:
        for name in dir(module):
            getattr(module, name)
    return len(built)

result = {}
if MODE == "resolved":
    result["first_call_did_work"] = qt_types.resolve_qt_types()
    result["second_call_did_work"] = qt_types.resolve_qt_types()
result["built_later"] = touch_all()
print(json.dumps(result))
"""


def _run(mode: str) -> dict[str, object]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([sys.executable, "-c", f"MODE = {mode!r}\n" + SCRIPT], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120, check=True)
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def test_resolving_at_start_leaves_no_class_to_build_later() -> None:
    lazy = _run("lazy")
    assert isinstance(lazy["built_later"], int) and lazy["built_later"] > 100  # what the GUI thread would pay
    resolved = _run("resolved")
    assert resolved == {"first_call_did_work": True, "second_call_did_work": False, "built_later": 0}


def test_the_counter_app_resolves_them_when_it_is_built(qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from client.ui import app as app_module

    calls: list[str] = []

    def resolve() -> bool:
        calls.append("resolved")
        return True

    monkeypatch.setattr(app_module, "resolve_qt_types", resolve)
    service: Any = object()  # the constructor only keeps it
    app_module.CounterApp(service, printer=None)
    assert calls == ["resolved"]
