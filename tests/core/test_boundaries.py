"""client/domain is pure: no Qt, network, database, PDF or file-system access, no clock reads.

Two checks: a static scan of every source file with ``ast``, and a fresh interpreter that
imports every client.domain module and reports which heavy modules got loaded.
"""

from __future__ import annotations

import ast
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import client.domain

DOMAIN_DIR = Path(client.domain.__file__).parent
FORBIDDEN_MODULES = ("PySide6", "shiboken6", "httpx", "sqlalchemy", "sqlcipher3", "reportlab", "requests",
                     "socket", "sqlite3", "urllib", "http", "shutil", "tempfile", "pathlib", "io", "glob")
FORBIDDEN_CALLS = {"open", "exec", "eval", "__import__", "input"}
# attribute calls that touch the file system, the environment or the clock
FORBIDDEN_ATTRS = {
    ("os", "*"),
    ("time", "time"),
    ("time", "monotonic"),
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
}
HEAVY_AT_RUNTIME = ("PySide6", "httpx", "sqlalchemy", "sqlcipher3", "reportlab")


def domain_sources() -> list[Path]:
    files = sorted(DOMAIN_DIR.rglob("*.py"))
    assert len(files) >= 10, files
    return files


def _violations(tree: ast.AST) -> list[str]:
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                root = alias.name.split(".")[0]
                if root in FORBIDDEN_MODULES or root == "os" or root == "time":
                    found.append(f"import {alias.name}")
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            root = module.split(".")[0]
            if root in FORBIDDEN_MODULES or root in ("os", "time"):
                found.append(f"from {module} import …")
            if root == "client" and not (module == "client.domain" or module.startswith("client.domain.")):
                found.append(f"from {module} import … (outside client.domain)")
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in FORBIDDEN_CALLS:
                found.append(f"call {func.id}()")
            if isinstance(func, ast.Attribute):
                owner = func.value
                owner_name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", "")
                if (owner_name, func.attr) in FORBIDDEN_ATTRS or (owner_name, "*") in FORBIDDEN_ATTRS:
                    found.append(f"call {owner_name}.{func.attr}()")
                if func.attr in {"read_text", "write_text", "read_bytes", "write_bytes", "open", "unlink"}:
                    found.append(f"call .{func.attr}()")
    return found


@pytest.mark.parametrize("path", domain_sources(), ids=lambda p: p.name)
def test_source_has_no_forbidden_imports_or_calls(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    assert _violations(tree) == [], f"{path.name}: {_violations(tree)}"


@pytest.mark.parametrize(
    "snippet",
    [
        "import PySide6.QtCore",
        "from httpx import Client",
        "import sqlalchemy as sa",
        "from reportlab.pdfgen import canvas",
        "import sqlcipher3",
        "with open('x') as f: pass",
        "from pathlib import Path",
        "import os",
        "from datetime import datetime\nx = datetime.now()",
        "from datetime import date\nx = date.today()",
        "import time\nx = time.time()",
        "p.read_text()",
        "from client.replica import store",
    ],
)
def test_scanner_catches_violations(snippet: str) -> None:
    # the scanner itself must be able to fail
    assert _violations(ast.parse(snippet))


def test_importing_every_domain_module_loads_no_heavy_module() -> None:
    modules = sorted(
        m.name for m in pkgutil.walk_packages([str(DOMAIN_DIR)], prefix="client.domain.")
    )
    assert "client.domain.rules" in modules and "client.domain.kana" in modules
    script = (
        "import importlib, json, sys\n"
        f"mods = {modules!r}\n"
        "for m in mods: importlib.import_module(m)\n"
        f"heavy = {HEAVY_AT_RUNTIME!r}\n"
        "print(json.dumps(sorted(k for k in sys.modules if k.split('.')[0] in heavy)))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def test_subprocess_check_can_fail() -> None:
    script = "import sys, json, sqlalchemy\nprint(json.dumps([k for k in sys.modules if k == 'sqlalchemy']))"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert json.loads(result.stdout.strip().splitlines()[-1]) == ["sqlalchemy"]


def test_domain_calls_touch_no_file_at_runtime(monkeypatch: pytest.MonkeyPatch) -> None:
    """Exercise the public domain functions with every file-system entry point booby-trapped."""
    import builtins
    import io
    import os
    from datetime import date

    from _domain_factories import context, family, request

    from client.domain.blocks import check_access
    from client.domain.checkdigits import is_valid_atena_no, is_valid_my_number
    from client.domain.kana import normalize_for_search, to_katakana
    from client.domain.model import JuminhyoItem
    from client.domain.numbering import format_issue_number
    from client.domain.rules import evaluate
    from client.domain.search_query import classify_query
    from client.domain.wareki import format_partial, parse_date, to_wareki

    touched: list[str] = []

    def trap(name: str):  # type: ignore[no-untyped-def]
        def _raise(*args, **kwargs):  # type: ignore[no-untyped-def]
            touched.append(name)
            raise AssertionError(f"client.domain touched the file system: {name}{args!r}")
        return _raise

    for owner, attr in [(builtins, "open"), (io, "open"), (os, "open"), (os, "stat"), (os, "listdir"),
                        (os, "scandir"), (os, "remove"), (os, "unlink"), (os, "mkdir"), (os, "replace")]:
        monkeypatch.setattr(owner, attr, trap(f"{owner.__name__}.{attr}"))

    fam = family()
    head = next(r for r in fam if r.is_head)
    decision = evaluate(request(head, whole_household=True, items=frozenset({JuminhyoItem.HONSEKI})),
                        context(head, fam))
    monkeypatch.undo()  # restore before asserting, so pytest's own reporting can use files
    assert decision.allowed and decision.content is not None
    assert touched == []
    # the rest, trapped again
    for owner, attr in [(builtins, "open"), (io, "open"), (os, "open"), (os, "stat")]:
        monkeypatch.setattr(owner, attr, trap(f"{owner.__name__}.{attr}"))
    results = (
        normalize_for_search("ﾔﾏﾀﾞ ﾀﾛｳ"), to_katakana("やまだ"), to_wareki(date(2019, 5, 1)),
        format_partial(parse_date("S30")), classify_query("R1.5.1").kind, is_valid_atena_no(head.atena_no),
        is_valid_my_number("983205673214"), format_issue_number(date(2020, 5, 2), "●●市", "本庁1", "P1", 1),
        check_access(head.atena_no, fam, (), (), (), decision.content.issued_at),
    )
    monkeypatch.undo()
    assert touched == [] and results[2] == "令和元年5月1日"
