"""docs/layout.md documents every item and every code of the layout (no drift from the spec)."""

from __future__ import annotations

from pathlib import Path

from server_stub.layout.spec import CODE_TABLES, KINDS

DOC = (Path(__file__).resolve().parents[2] / "docs" / "layout.md").read_text(encoding="utf-8")


def test_every_item_is_documented_with_its_length() -> None:
    for kind in KINDS:
        section = DOC.split(f"### {kind.file_name}", 1)[1].split("###", 1)[0]
        for i, col in enumerate(kind.columns, 1):
            row = next((line for line in section.splitlines() if line.startswith(f"| {i} | {col.name} |")), None)
            assert row is not None, (kind.key, col.name)
            assert f"| {col.type} " in row and (str(col.length) in row or col.type == "I")


def test_every_code_is_documented() -> None:
    codes = DOC.split("## Code tables", 1)[1]
    for name, table in CODE_TABLES.items():
        section = codes.split(f"### {name}\n", 1)[1].split("###", 1)[0]
        for code in table:
            assert f"| `{code}` |" in section, (name, code)
