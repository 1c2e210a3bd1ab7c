"""The diagnostics bundle of a terminal that synced and issued in BCP mode holds versions,
configuration, mode history, sync state and logs, and no resident name from the demo data."""

from __future__ import annotations

import json
import logging
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from client import cli
from client.continuity.machine import LinkMode, ModeChanged
from client.lifecycle.logging_setup import LOG_FILE, ModeHistoryRecorder, remove_logging, setup_logging
from client.local.keystore import KeyStore
from server_stub.db import make_engine, make_sessionmaker
from server_stub.models import Resident
from tests.integration.bcp_env import CODE, Terminal, juminhyo, login, now_utc, plain_subjects, seed


@pytest.fixture
def logged_terminal_dir(tmp_path: Path) -> Iterator[Path]:
    data_dir = tmp_path / "terminal"
    setup_logging(data_dir, level="DEBUG")
    yield data_dir
    remove_logging()


def _residents(db_url: str) -> list[Resident]:
    engine = make_engine(db_url, pool_size=1)
    with make_sessionmaker(engine)() as s:
        rows = list(s.scalars(select(Resident).where(Resident.municipality_code == CODE)))
    engine.dispose()
    return rows


def test_bundle_has_the_terminal_state_and_no_resident_name(sqlite_template: Path, server_factory: Any,
                                                             tmp_path: Path, memory_keyring: Any,
                                                             logged_terminal_dir: Path) -> None:
    from tests.conftest import copy_sqlite

    db_url = copy_sqlite(sqlite_template, tmp_path / "server.db")
    seed(db_url, residents=120)
    server = server_factory(db_url)
    data_dir = logged_terminal_dir
    t = Terminal.build(data_dir, login(server.base_url), KeyStore())
    try:
        t.lease(10)
        t.bootstrap()
        for atena in plain_subjects(db_url, 2):
            t.issuer.issue(juminhyo(atena), user_id="clerk1", printer_id="P001", now=now_utc())
        t.pusher().push(now_utc)
    finally:
        t.close()
    ModeHistoryRecorder(data_dir)(ModeChanged(LinkMode.ONLINE, LinkMode.BCP, 12.5, "all endpoints down", None))

    residents = _residents(db_url)
    japanese = next(r for r in residents if not r.is_foreign)
    foreign = next(r for r in residents if r.is_foreign and r.name.isascii())
    # A careless log line, and an old log file written before redaction existed.
    logging.getLogger("madoguchi.test").warning("lookup of %s / %s (%s, %s) failed", japanese.name, foreign.name,
                                                japanese.atena_no, japanese.my_number)
    (data_dir / "logs" / f"{LOG_FILE}.1").write_text(
        f"2026-11-01 09:00:00 INFO x: resident {japanese.name} {japanese.kana} {foreign.name} {foreign.kana} "
        f"{japanese.my_number} {japanese.address}\n", encoding="utf-8")

    out = tmp_path / "diag.zip"
    assert cli.main(["diagnostics", "--out", str(out), "--data-dir", str(data_dir), "--offline"]) == 0
    with zipfile.ZipFile(out) as zf:
        members = {name: zf.read(name).decode("utf-8") for name in zf.namelist()}
    assert {"manifest.json", "versions.json", "config.json", "mode_history.json", "sync_state.json",
            f"logs/{LOG_FILE}", f"logs/{LOG_FILE}.1"} <= set(members)
    assert not any(name.endswith(".db") for name in members)
    assert json.loads(members["versions.json"])["packages"]["SQLAlchemy"]
    history = json.loads(members["mode_history.json"])
    assert [(h["old"], h["new"]) for h in history] == [("online", "bcp")]
    replicas = json.loads(members["sync_state.json"])["replicas"]
    assert [(r["municipality_code"], r["state"]) for r in replicas] == [(CODE, "ready")]
    assert "failed" in members[f"logs/{LOG_FILE}"] and "<redacted>" in members[f"logs/{LOG_FILE}"]

    bundle = "\n".join(members.values())
    for r in residents:
        for text in (r.name, r.kana, r.alias, r.address):
            if text:
                assert text not in bundle, text
        for part in r.name.replace("\u3000", " ").split():
            if len(part) >= (4 if part.isascii() else 2):
                assert part not in bundle, part
        assert r.atena_no not in bundle and (r.my_number or "-") not in bundle
