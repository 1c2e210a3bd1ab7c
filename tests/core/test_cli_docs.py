"""The README's CLI section names every command the two console scripts have (issue 20)."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def _cli_block() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("## CLI", 1)[1].split("\n## ", 1)[0]
    return section


def _commands(parser: object) -> set[str]:
    import argparse

    assert isinstance(parser, argparse.ArgumentParser)
    for action in parser._actions:  # noqa: SLF001 - argparse has no public listing
        if isinstance(action, argparse._SubParsersAction):  # noqa: SLF001
            return set(action.choices)
    return set()


def test_readme_lists_every_madoguchi_command() -> None:
    from client.cli import build_parser

    documented = set(re.findall(r"^madoguchi (?:\[)?([a-z-]+)", _cli_block(), flags=re.M))
    assert _commands(build_parser()) <= documented | {"gui"}
    assert "gui" in _cli_block()


def test_readme_lists_every_server_command() -> None:
    from server_stub.cli import build_parser

    documented = set(re.findall(r"^madoguchi-server ([a-z-]+)", _cli_block(), flags=re.M))
    assert _commands(build_parser()) <= documented
