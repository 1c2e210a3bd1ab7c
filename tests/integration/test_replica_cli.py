"""``madoguchi enroll | sync | status`` against the real server (the CLI in-process)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import keyring.backends.fail
import pytest

from client.cli import main
from tests.faults.replica_support import CITY, ServerEnv, ServerMutator, assert_same_state, start_env
from tests.keyring_memory import MemoryKeyring


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def replica_env(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerEnv]:
    env = start_env(request, tmp_path_factory, residents=150)
    yield env
    env.server.stop()


def _run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str],
         stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def _terminals(db_url: str) -> list[Any]:
    from sqlalchemy import select

    from server_stub.db import make_engine, make_sessionmaker
    from server_stub.models import Terminal

    engine = make_engine(db_url)
    with make_sessionmaker(engine)() as s:
        rows = list(s.scalars(select(Terminal.terminal_id).where(Terminal.municipality_code == CITY)))
    engine.dispose()
    return rows


def test_enroll_sync_status(replica_env: ServerEnv, tmp_path: Path, memory_keyring: MemoryKeyring,
                            monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from client.local.keystore import KeyStore
    from client.replica.store import ReplicaStore

    data = tmp_path / "terminal"
    monkeypatch.setenv("MADOGUCHI_HOME", str(data))
    url = replica_env.server.base_url
    code, out, err = _run(monkeypatch, capsys, [
        "enroll", "--server", url, "--municipality", CITY, "--terminal", "窓口3", "--terminal-id", "T-CLI-1",
        "--admin", "admin1", "--password-stdin", "--page-size", "200"], stdin="admin1pass\n")
    assert code == 0, err
    assert "T-CLI-1" in out and "初回取得" in err and "(100%)" in err
    assert "T-CLI-1" in _terminals(replica_env.db_url)
    enrolment = json.loads((data / "terminal.json").read_text(encoding="utf-8"))
    assert enrolment["terminal_id"] == "T-CLI-1" and enrolment["municipality_code"] == CITY
    assert "T-CLI-1" in (data / "config.toml").read_text(encoding="utf-8")
    assert b"ENCRYPTED PRIVATE KEY" in (data / "terminal_key.pem").read_bytes()
    assert not (data / "outbox.db").read_bytes().startswith(b"SQLite format 3")
    entries = {name for (_svc, name) in memory_keyring.entries}
    # issue 15: the replica key is held only wrapped by the data centre's wrapping-key lease
    assert {f"dbw:replica-{CITY}", "wrapping-lease", f"db:outbox-{CITY}", "terminal-key-passphrase"} <= entries
    assert f"db:replica-{CITY}" not in entries
    store = ReplicaStore(data, CITY, KeyStore(memory_keyring))
    assert_same_state(store, replica_env.db_url)
    store.close()

    code, out, err = _run(monkeypatch, capsys, ["sync", "--json"])
    assert code == 0, err
    assert json.loads(out)["action"] == "noop"
    mutator = ServerMutator(replica_env.db_url)
    mutator.random_changes(5)
    mutator.close()
    code, out, err = _run(monkeypatch, capsys, ["sync", "--json", "--verify"])
    assert code == 0, err
    body = json.loads(out)
    assert body["action"] == "delta" and body["applied"] == 5 and body["checksum"]["matches"]

    code, out, err = _run(monkeypatch, capsys, ["status", "--json"])
    assert code == 0, err
    status = json.loads(out)
    assert status["mode"] == "online" and status["endpoints"][0]["reachable"]
    assert status["municipality_code"] == CITY and status["terminal_id"] == "T-CLI-1"
    (replica,) = status["replicas"]
    assert replica["state"] == "ready" and replica["as_of"] and replica["age_seconds"] < 60
    assert status["outbox"]["pending"] == 0

    # enrolling again is refused unless forced; nothing changes at the server
    code, out, err = _run(monkeypatch, capsys, [
        "enroll", "--server", url, "--municipality", CITY, "--terminal", "窓口3", "--password-stdin"],
        stdin="admin1pass\n")
    assert code == 1 and "すでに登録" in err


def test_status_without_server_reports_bcp_mode(replica_env: ServerEnv, tmp_path: Path, memory_keyring: MemoryKeyring,
                                                monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    from tests.conftest import free_port

    data = tmp_path / "t"
    data.mkdir()
    (data / "config.toml").write_text(f'server_url = "http://127.0.0.1:{free_port()}"\n'
                                      f'municipality_code = "{CITY}"\n', encoding="utf-8")
    monkeypatch.setenv("MADOGUCHI_HOME", str(data))
    code, out, err = _run(monkeypatch, capsys, ["status", "--json"])
    assert code == 0, err
    status = json.loads(out)
    assert status["mode"] == "bcp" and not status["endpoints"][0]["reachable"]
    assert status["replicas"] == [] and status["outbox"]["pending"] == 0


def test_enroll_refuses_an_insecure_keyring_before_touching_the_server(
        replica_env: ServerEnv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        before = _terminals(replica_env.db_url)
        code, out, err = _run(monkeypatch, capsys, [
            "enroll", "--server", replica_env.server.base_url, "--municipality", CITY, "--terminal", "窓口9",
            "--terminal-id", "T-NOPE", "--password-stdin", "--data-dir", str(tmp_path / "x")], stdin="admin1pass\n")
    finally:
        keyring.set_keyring(previous)
    assert code == 1
    assert "キーリング" in err and "refused keyring backend" in err
    assert _terminals(replica_env.db_url) == before
    assert not (tmp_path / "x" / "terminal_key.pem").exists()
