"""Helpers for the trust tests: the real ``madoguchi-server trust`` and ``madoguchi verify`` commands."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import REPO_ROOT, SERVER_BIN

CLIENT_BIN = Path(sys.executable).with_name("madoguchi")


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def server_cli(*args: str) -> Run:
    p = subprocess.run([str(SERVER_BIN), *args], capture_output=True, text=True, cwd=str(REPO_ROOT),
                       env=os.environ.copy(), timeout=120, check=False)
    return Run(p.returncode, p.stdout, p.stderr)


def verify_cli(home: Path, *args: str, faketime: str | None = None) -> Run:
    cmd = [str(CLIENT_BIN), "verify", *args, "--json"]
    if faketime:
        cmd = ["faketime", "-f", faketime, *cmd]
    env = {**os.environ, "MADOGUCHI_HOME": str(home)}
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=str(REPO_ROOT), env=env, timeout=120, check=False)
    return Run(p.returncode, p.stdout, p.stderr)


def init_trust(db_url: str, tmp_path: Path) -> Path:
    """``trust init-root`` then ``trust certify``: the root file (kept apart) is returned."""
    root = tmp_path / "root-key.json"
    made = server_cli("trust", "init-root", "--out", str(root))
    assert made.code == 0, made.err
    done = server_cli("trust", "certify", "--db", db_url, "--root-key", str(root))
    assert done.code == 0, done.err
    return root


def server_verdict(base_url: str, token: str) -> dict[str, Any]:
    r = httpx.post(f"{base_url}/trust/v1/verify", json={"token": token}, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def fetch_list(base_url: str, path: Path) -> Path:
    r = httpx.get(f"{base_url}/trust/v1/list", timeout=10)
    assert r.status_code == 200, r.text
    path.write_bytes(r.content)
    return path

