"""``madoguchi issue`` and ``madoguchi status``: the counter services from the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from tests.fixtures.counter_server import CITY, CLERK, pick_household_head, protect_resident

MADOGUCHI = Path(sys.executable).with_name("madoguchi")


def _home(tmp_path: Path, server_url: str) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text(
        f'server_url = "{server_url}"\nmunicipality_code = "{CITY}"\nterminal_id = "T001"\n', encoding="utf-8"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("MADOGUCHI_")}
    return {**env, "MADOGUCHI_HOME": str(home)}


def _run(args: list[str], env: dict[str, str], password: str = CLERK[1]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(MADOGUCHI), *args], input=password + "\n", env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("seeded_db", ["sqlite"], indirect=True)
def test_issue_writes_the_pdf_and_refuses_a_protected_person(server: Any, seeded_db: str, tmp_path: Path) -> None:
    env = _home(tmp_path, server.base_url)
    picked = pick_household_head(seeded_db, min_members=2)
    out = tmp_path / "out" / "juminhyo.pdf"
    result = _run(["issue", "--resident", picked.atena_no, "--type", "juminhyo", "--requester", "self",
                   "--members", "all", "--include", "head_relation", "--copies", "2", "--out", str(out),
                   "--json", "--user", CLERK[0], "--password-stdin"], env)
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["issued"] and len(body["issue_numbers"]) == 2
    assert body["files"] == [str(out), str(out.with_name("juminhyo-2.pdf"))]
    for f in body["files"]:
        text = "".join("".join((p.extract_text() or "").split()) for p in PdfReader(f).pages)
        assert "".join(picked.name.split()) in text and "世帯主" in text

    # wrong password: a Japanese message, no file
    bad = _run(["issue", "--resident", picked.atena_no, "--type", "juminhyo", "--requester", "self",
                "--out", str(tmp_path / "x.pdf"), "--user", CLERK[0], "--password-stdin"], env, password="nope")
    assert bad.returncode == 1 and "エラー" in bad.stderr and not (tmp_path / "x.pdf").exists()

    other = pick_household_head(seeded_db, min_members=1, exclude=frozenset({picked.atena_no}))
    protect_resident(seeded_db, other.atena_no)
    refused = _run(["issue", "--resident", other.atena_no, "--type", "juminhyo", "--requester", "self",
                    "--out", str(tmp_path / "p.pdf"), "--json", "--user", CLERK[0], "--password-stdin"], env)
    assert refused.returncode == 1 and "支援措置" in refused.stderr
    assert not (tmp_path / "p.pdf").exists()


@pytest.mark.parametrize("seeded_db", ["sqlite"], indirect=True)
def test_status_reports_the_endpoints(server: Any, tmp_path: Path) -> None:
    env = _home(tmp_path, server.base_url)
    result = subprocess.run([str(MADOGUCHI), "status", "--json"], env=env, capture_output=True, text=True,
                            timeout=60)
    body = json.loads(result.stdout)
    if "endpoints" not in body:
        pytest.skip("status is provided by another part (replica status)")
    assert result.returncode == 0
    assert body["municipality_code"] == CITY and body["endpoints"][0]["reachable"] is True
