"""The rooms of the house and which room may import which (docs/architecture.md draws the picture).

Every ``import`` and ``from … import`` in client/ and server_stub/ is read with ``ast`` — at module
level and inside functions alike, since a lazy import is still a dependency — and checked against
one declared table. A room is ``client.<package>`` (``client/errors.py`` is the room ``errors``) or
``server_stub``. A new room, or a new arrow between rooms, is a decision: add it to the table here
and to docs/architecture.md in the same commit.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# Bottom to top. A room may import the rooms listed for it, and nothing else of client/ or server_stub/.
_BASE = {"domain", "errors", "fileswap", "wire"}
_STORAGE = _BASE | {"local", "remote"}
_BELOW_SERVICES = _STORAGE | {"certificate", "replica", "outbox", "printing", "peers"}
ALLOWED: dict[str, set[str]] = {
    "domain": set(),  # pure rules: no Qt, I/O or clock (tests/core/test_boundaries.py checks more)
    "errors": set(),  # ClerkError, the one root of every error shown to a person
    "fileswap": set(),  # file replacement that is safe under Windows semantics (no rename over an open file)
    "wire": set(),  # the wire contract with the data centre: typed records and format constants, declared once
    "local": {"errors", "fileswap"},  # SQLCipher files, the keyring, the data directory's file names
    "certificate": {"domain", "errors", "fileswap"},  # the signed QR payload and public keys
    "remote": {"errors", "local", "fileswap", "wire"},  # the data-centre HTTP client, lines and timeouts
    "replica": _STORAGE,
    "outbox": _STORAGE | {"certificate"},
    "printing": {"domain", "errors", "fileswap", "certificate"},
    "peers": _STORAGE | {"outbox", "certificate"},  # the hall's peer group in BCP mode: signed messages, emergency holds (issue 18)
    "verification": _STORAGE | {"certificate", "printing"},
    "services": _BELOW_SERVICES,  # the facade the UI and the CLI call
    "lifecycle": _BELOW_SERVICES | {"services"},  # config, enrolment, diagnostics, decommission
    "continuity": _BELOW_SERVICES | {"services", "lifecycle"},  # the BCP machinery
    "composition": _BELOW_SERVICES | {"services", "lifecycle", "continuity"},
    # the マイナンバーカード reader: PC/SC, the card's APs, its signature, matching it to the register
    "card": {"domain", "errors", "printing", "services"},
    "ui": {"domain", "errors", "fileswap", "services", "printing", "lifecycle", "composition", "verification",
           "card"},
    "cli": _BELOW_SERVICES | {"services", "lifecycle", "continuity", "composition", "verification", "ui", "card"},
    "demo": _BELOW_SERVICES | {"services", "lifecycle", "continuity", "composition", "ui"},
    # the data centre shares the one rule engine, the certificate format, the renderer (SLA PDFs,
    # form parameters) and the wire contract with the client, and never its replica, outbox or UI
    "server_stub": {"domain", "errors", "certificate", "printing", "wire"},
}

# Known arrows that break the table, each with the reason it is still there. Keep this empty.
EXCEPTIONS: dict[tuple[str, str], str] = {}


def room_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] == "server_stub":
        return "server_stub"
    if parts[0] != "client" or len(parts) < 2:
        return None
    return parts[1]


def imported_rooms(path: Path) -> set[str]:
    rooms: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
            if node.module == "client":
                names = [f"client.{alias.name}" for alias in node.names]
        for name in names:
            room = room_of(name)
            if room is not None:
                rooms.add(room)
    return rooms


def sources() -> list[Path]:
    files = sorted((REPO / "client").rglob("*.py")) + sorted((REPO / "server_stub").rglob("*.py"))
    return [f for f in files if "migrations" not in f.parts and f != REPO / "client" / "__init__.py"]


def violations() -> list[str]:
    found = []
    for path in sources():
        rel = path.relative_to(REPO).as_posix()
        own = room_of(".".join(path.relative_to(REPO).with_suffix("").parts))
        assert own is not None
        assert own in ALLOWED, f"{rel}: room {own!r} is not declared in ALLOWED"
        for room in sorted(imported_rooms(path) - {own} - ALLOWED[own]):
            if (rel, room) not in EXCEPTIONS:
                found.append(f"{rel} ({own}) imports {room}")
    return found


def test_every_import_follows_the_layering_table() -> None:
    assert violations() == []


def test_every_exception_is_still_needed() -> None:
    """An exception whose import is gone must be deleted from the list."""
    for (rel, room), reason in EXCEPTIONS.items():
        assert room in imported_rooms(REPO / rel), f"{rel} no longer imports {room}: drop the exception ({reason})"


def test_the_table_has_no_cycle() -> None:
    seen: dict[str, int] = {}

    def visit(room: str, stack: tuple[str, ...]) -> None:
        assert room not in stack, f"cycle: {' → '.join((*stack, room))}"
        if seen.get(room) == 2:
            return
        for below in ALLOWED[room]:
            visit(below, (*stack, room))
        seen[room] = 2

    for room in ALLOWED:
        visit(room, ())


@pytest.mark.parametrize(
    ("snippet", "room"),
    [
        ("from client.ui.app import main", "ui"),
        ("import client.replica.store", "replica"),
        ("from client import cli", "cli"),
        ("def f():\n    from server_stub.db import make_engine", "server_stub"),
    ],
)
def test_the_scanner_sees_each_form_of_import(tmp_path: Path, snippet: str, room: str) -> None:
    source = tmp_path / "x.py"
    source.write_text(snippet, encoding="utf-8")
    assert imported_rooms(source) == {room}
