"""Redaction of log text, rotating logs, and a diagnostics bundle of a terminal with no replica."""

from __future__ import annotations

import json
import logging
import zipfile
from pathlib import Path

from client import cli
from client.lifecycle.logging_setup import LOG_FILE, redact, remove_logging, setup_logging


def test_redact_masks_names_numbers_and_known_tokens() -> None:
    line = "2026-11-23 10:00:01,123 WARNING x: view 山田\u3000太郎 0000012345 my 983205673214 port 8765 SILVA JOAO"
    out = redact(line, tokens={"SILVA", "JOAO"})
    assert "山田" not in out and "0000012345" not in out and "983205673214" not in out
    assert "SILVA" not in out and "JOAO" not in out
    assert out.startswith("2026-11-23 10:00:01,123 WARNING x: view <redacted>")
    assert "port 8765" in out


def test_rotating_log_rotates_and_redacts(tmp_path: Path) -> None:
    path = setup_logging(tmp_path, max_bytes=2000, backups=2)
    try:
        assert path == (tmp_path / "logs" / LOG_FILE).resolve()
        log = logging.getLogger("madoguchi.test")
        for i in range(100):
            log.warning("line %d for 佐藤 花子 with 宛名番号 %s", i, "0000000019")
    finally:
        remove_logging()
    files = sorted(p.name for p in (tmp_path / "logs").iterdir())
    assert files == [LOG_FILE, f"{LOG_FILE}.1", f"{LOG_FILE}.2"]
    text = "".join((tmp_path / "logs" / f).read_text(encoding="utf-8") for f in files)
    assert "line 99" in text and "佐藤" not in text and "0000000019" not in text


def test_diagnostics_of_an_unenrolled_terminal(tmp_path: Path, memory_keyring: object) -> None:
    out = tmp_path / "d.zip"
    try:
        assert cli.main(["diagnostics", "--out", str(out), "--data-dir", str(tmp_path / "data"), "--offline"]) == 0
    finally:
        remove_logging()
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read("manifest.json"))
        state = json.loads(zf.read("sync_state.json"))
    assert {"versions.json", "config.json", "mode_history.json", "sync_state.json", "manifest.json"} <= names
    assert sorted(manifest["members"]) == sorted(names - {"manifest.json"})
    assert state["replicas"] == []
