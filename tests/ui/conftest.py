"""pytest-qt fixtures for the counter UI: offscreen Qt, a seeded real server per test, the app graph."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

if not os.environ.get("DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from tests.fixtures.counter_server import copy_db, make_service, seed_template


class PrintRecorder:
    """Stands in for the printer: records which PDFs the UI sent to print."""

    def __init__(self) -> None:
        self.calls: list[list[Path]] = []
        self.previews: list[Path] = []
        self.prints = True  # False: the paper did not come out (the preview was closed)

    def append_call(self, _parent: Any, paths: list[Path]) -> bool:
        self.calls.append(list(paths))
        return self.prints

    def preview(self, _parent: Any, path: Path) -> None:
        self.previews.append(path)


@pytest.fixture(scope="session", autouse=True)
def isolated_qsettings(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Per-user UI state (window geometry) goes to a temporary INI file, never the tester's home."""
    from PySide6.QtCore import QSettings

    path = tmp_path_factory.mktemp("qsettings")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(path))
    return path


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return seed_template(tmp_path_factory.mktemp("counter-template"))


@pytest.fixture
def counter_db(seeded_template: Path, tmp_path: Path) -> str:
    """This test's own copy of the seeded server database (edit it before starting the server)."""
    return copy_db(seeded_template, tmp_path / "db")


@pytest.fixture
def counter_app(qtbot: Any, counter_db: str, server_factory: Any, tmp_path: Path) -> Iterator[Any]:
    """A CounterApp (services + task manager + translator) against a real server on ``counter_db``."""
    from client.ui.app import CounterApp

    server = server_factory(counter_db)
    service = make_service(server.base_url, tmp_path / "out")
    printed = PrintRecorder()
    app = CounterApp(service, idle_lock_minutes=15, server_text=f"サーバー: {server.base_url}",
                     printer=printed.append_call, previewer=printed.preview)
    app.server = server  # type: ignore[attr-defined]
    app.printed = printed  # type: ignore[attr-defined]
    try:
        yield app
    finally:
        if app.window is not None:
            app.window.close()
        app.languages.set_language("ja")
        app.shutdown()
