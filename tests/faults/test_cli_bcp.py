"""Issue 20: BCP end to end from the command line — every step a real ``madoguchi`` process
against the real server through the fault proxies (primary and secondary line)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server_stub.db import make_engine
from server_stub.models import Issuance
from tests.faults.cli_rig import CliRig, start_rig
from tests.fixtures.pdftools import pdftotext


@pytest.fixture
def rig(tmp_path: Path, inprocess_server_factory: Any) -> Iterator[CliRig]:
    r = start_rig(tmp_path, inprocess_server_factory)
    yield r
    r.close()


def issuances(db_url: str, mode: str | None = None) -> int:
    engine = make_engine(db_url)
    try:
        with Session(engine) as s:
            q = select(func.count()).select_from(Issuance)
            if mode:
                q = q.where(Issuance.mode == mode)
            return int(s.scalar(q) or 0)
    finally:
        engine.dispose()


def test_enrolment_leases_serials_and_status_counts_them(rig: CliRig) -> None:
    """Defect 3: serials are leased at enrolment and on every sync; status shows the count."""
    enrolled = rig.enroll()
    assert "予約済みの発行番号" in enrolled.stdout
    code, status, err = rig.json("status")
    assert code == 0, err
    assert status["serials"]["available"] >= 50 and status["serials"]["low"] is False
    code, synced, err = rig.json("sync")
    assert code == 0, err
    assert synced["serials"]["132403"]["available"] == status["serials"]["available"]


def test_issue_in_bcp_mode_when_every_line_is_cut(rig: CliRig, tmp_path: Path) -> None:
    """Defect 1: `madoguchi issue` follows the window's routing: every line cut → BCP issuance."""
    rig.enroll()
    first, second = rig.subjects(2)
    rig.env["MADOGUCHI_BCP_WINDOW_SECONDS"] = "3"
    rig.lines("cut")
    out = tmp_path / "bcp.pdf"
    code, body, err = rig.issue(first, out)
    assert code == 0, err
    assert body["issued"] and body["mode"] == "bcp" and len(body["issue_numbers"]) == 1
    assert "BCP" in err
    text = pdftotext(out.read_bytes())
    assert body["issue_numbers"][0].replace(" ", "") in text.replace(" ", "")

    # the next run knows the terminal is in BCP mode: one quick probe per line, no online sign-in
    before = (rig.primary.connections, rig.secondary.connections)
    code, body2, err = rig.issue(second, tmp_path / "bcp2.pdf")
    assert code == 0, err
    assert body2["mode"] == "bcp"
    assert (rig.primary.connections - before[0], rig.secondary.connections - before[1]) == (1, 1)
    code, status, _ = rig.json("status")
    assert status["outbox"]["pending"] == 2 and issuances(rig.db_url) == 0
    assert status["recorded"]["mode"] == "bcp" and status["mode"] == "bcp"

    rig.lines("pass")
    code, synced, err = rig.json("sync")
    assert code == 0, err
    assert synced["outbox"]["stored"] == 2 and issuances(rig.db_url, "bcp") == 2
    # back online: the next issuance is an online one again
    code, body3, err = rig.issue(first, tmp_path / "online.pdf")
    assert code == 0, err
    assert body3["mode"] == "online" and issuances(rig.db_url, "online") == 1


def test_silent_primary_fails_over_for_sign_in_and_issue(rig: CliRig, tmp_path: Path) -> None:
    """Defect 2: a half-open primary: the login POST is resent on the secondary; the next run
    starts on the secondary (the line that worked) and sends nothing to the primary."""
    rig.enroll()
    first, second = rig.subjects(2)
    rig.primary.set_mode("half_open")
    code, body, err = rig.issue(first, tmp_path / "a.pdf", timeout=60)
    assert code == 0, err
    assert body["mode"] == "online" and issuances(rig.db_url, "online") == 1
    before = rig.primary.connections
    code, body, err = rig.issue(second, tmp_path / "b.pdf", timeout=60)
    assert code == 0, err
    assert rig.primary.connections == before  # started on the secondary
    assert issuances(rig.db_url, "online") == 2


def access_entries(db_url: str, terminal_id: str, mode: str = "bcp") -> list[tuple[str, str, str]]:
    from server_stub.models import AccessLogEntry

    engine = make_engine(db_url)
    try:
        with Session(engine) as s:
            rows = s.execute(select(AccessLogEntry.action, AccessLogEntry.subject, AccessLogEntry.outcome)
                             .where(AccessLogEntry.terminal_id == terminal_id, AccessLogEntry.mode == mode)
                             .order_by(AccessLogEntry.seq)).all()
            return [tuple(r) for r in rows]  # type: ignore[misc]
    finally:
        engine.dispose()


def test_sync_uploads_the_bcp_access_log_and_decommission_waits_for_it(rig: CliRig, tmp_path: Path) -> None:
    """Defect 4: a 支援措置 refusal made offline is only in the terminal's access log (no outbox
    record): `decommission` refuses while it is unsynced, `sync` uploads it."""
    from datetime import date, timedelta

    from tests.integration.bcp_env import protect

    protected = rig.subjects(1)[0]
    protect(rig.db_url, protected, start=date.today() - timedelta(days=30))
    rig.enroll()
    rig.env["MADOGUCHI_BCP_WINDOW_SECONDS"] = "2"
    rig.lines("cut")
    code, body, err = rig.issue(protected, tmp_path / "x.pdf")
    assert code == 1 and "支援措置" in err and not (tmp_path / "x.pdf").exists()
    code, status, _ = rig.json("status")
    assert status["outbox"]["pending"] == 0 and status["outbox"]["access_log_unsynced"] >= 1

    refused = rig.run("decommission", "--yes")
    assert refused.returncode == 1 and "アクセスログ" in refused.stderr
    assert (rig.home / "terminal.json").exists()

    rig.lines("pass")
    code, synced, err = rig.json("sync")
    assert code == 0, err
    assert synced["access_log"]["appended"] >= 1 and synced["access_log"]["remaining"] == 0
    assert ("view", protected, "refused") in access_entries(rig.db_url, "T-CLI-1")
    done = rig.run("decommission", "--yes")
    assert done.returncode == 0, done.stderr
    assert not (rig.home / "terminal.json").exists()


@pytest.mark.parametrize("backend", ["keyring.backends.SecretService.Keyring", "keyrings.alt.file.PlaintextKeyring"],
                         ids=["secret-service-cannot-start", "plaintext-alt"])
def test_keyring_failures_say_what_to_configure_and_change_nothing(rig: CliRig, backend: str) -> None:
    """Defect 6: a keyring that cannot start (D-Bus missing) or keeps secrets in plain text:
    one message in Japanese and English naming the fix, no traceback, nothing written."""
    env = {k: v for k, v in rig.env.items() if k != "DBUS_SESSION_BUS_ADDRESS"}
    env["PYTHON_KEYRING_BACKEND"] = backend
    enrol = rig.run("enroll", "--server", rig.primary.url, "--municipality", "132403", "--terminal", "窓口X",
                    "--password-stdin", stdin="admin1pass\n", env=env)
    assert enrol.returncode == 1
    for out in (enrol,):
        assert "Traceback" not in out.stderr
        assert "キーリング" in out.stderr and "PYTHON_KEYRING_BACKEND" in out.stderr and "Secret Service" in out.stderr
    # nothing but the log of the refusal
    assert not rig.home.exists() or {p.name for p in rig.home.iterdir()} <= {"logs"}

    rig.enroll()
    before = {p.name: p.read_bytes() for p in rig.home.iterdir() if p.is_file()}
    for args in (["sync"], ["status"], ["decommission", "--yes"],
                 ["issue", "--resident", "1", "--type", "juminhyo", "--requester", "self", "--out", "x.pdf",
                  "--user", "clerk1", "--password-stdin"]):
        r = rig.run(*args, stdin="clerk1pass\n", env=env)
        assert "Traceback" not in r.stderr, (args, r.stderr)
        assert "PYTHON_KEYRING_BACKEND" in r.stderr + r.stdout, (args, r.stderr)
        if args[0] != "status":
            assert r.returncode == 1, (args, r.stderr)
    after = {p.name: p.read_bytes() for p in rig.home.iterdir() if p.is_file()}
    assert {k: v for k, v in after.items() if k != "line-state.json"} == \
        {k: v for k, v in before.items() if k != "line-state.json"}


def test_a_missing_outbox_key_is_reported_and_the_outbox_kept(rig: CliRig) -> None:
    """Defect 6: a missing keyring entry: a clear message, and no new key over the old outbox."""
    import json

    rig.enroll()
    outbox = rig.home / "outbox.db"
    before = outbox.read_bytes()
    entries = json.loads(rig.keyring_file.read_text())
    del entries["madoguchi|db:outbox-132403"]
    rig.keyring_file.write_text(json.dumps(entries))
    r = rig.run("sync")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "暗号鍵" in r.stderr and "db:outbox-132403" in r.stderr
    assert outbox.read_bytes() == before
    assert "madoguchi|db:outbox-132403" not in json.loads(rig.keyring_file.read_text())


def damage(path: Path) -> None:
    """Overwrite 4 KiB in the middle of the file (page-aligned), as a failing disk would."""
    size = path.stat().st_size
    offset = (size // 2) // 4096 * 4096
    with path.open("r+b") as f:
        f.seek(offset)
        f.write(bytes(range(256)) * 16)


def test_a_damaged_replica_is_detected_refused_and_rebuilt(rig: CliRig, tmp_path: Path) -> None:
    """Defect 5: status says damaged, BCP refuses to decide from it, sync (and sync --verify)
    rebuild it from the data centre; with the line down a clear instruction; the outbox kept."""
    rig.enroll()
    first, second = rig.subjects(2)
    rig.env["MADOGUCHI_BCP_WINDOW_SECONDS"] = "2"
    rig.lines("cut")
    code, body, err = rig.issue(first, tmp_path / "a.pdf")
    assert code == 0 and body["mode"] == "bcp", err
    from client.fileswap.generations import Generations

    replica = Generations(rig.home / "replica-132403.db").current()  # the live generation
    assert replica.exists()
    damage(replica)

    code, status, _ = rig.json("status")
    assert status["replicas"][0]["state"] == "damaged" and status["outbox"]["pending"] == 1
    code, body, err = rig.issue(second, tmp_path / "b.pdf")
    assert code == 1 and "破損" in err and "madoguchi sync" in err and not (tmp_path / "b.pdf").exists()
    offline = rig.run("sync")
    assert offline.returncode == 1 and "Traceback" not in offline.stderr
    assert "破損" in offline.stderr and "madoguchi sync" in offline.stderr
    code, status, _ = rig.json("status")
    assert status["replicas"][0]["state"] == "damaged" and status["outbox"]["pending"] == 1

    rig.lines("pass")
    code, synced, err = rig.json("sync")
    assert code == 0, err
    assert synced["damaged"] is True and synced["outbox"]["stored"] == 1
    code, status, _ = rig.json("status")
    assert status["replicas"][0]["state"] == "ready" and status["outbox"]["pending"] == 0

    rebuilt = Generations(rig.home / "replica-132403.db").current()
    assert rebuilt != replica  # the rebuild swapped in a new generation; the damaged file was never renamed over
    damage(rebuilt)
    code, synced, err = rig.json("sync", "--verify")
    assert code == 0, err
    assert synced["damaged"] is True and synced["checksum"]["matches"] is True
    code, status, _ = rig.json("status")
    assert status["replicas"][0]["state"] == "ready"
    assert issuances(rig.db_url, "bcp") == 1


def test_search_from_the_command_line_online_and_in_bcp(rig: CliRig) -> None:
    """Also: `madoguchi search` finds the 宛名番号 that `issue` needs, online and on the replica."""
    from server_stub.models import Resident

    rig.enroll()
    atena = rig.subjects(1)[0]
    engine = make_engine(rig.db_url)
    with Session(engine) as s:
        kana = s.scalar(select(Resident.kana).where(Resident.atena_no == atena))
    engine.dispose()
    assert kana
    args = ("search", kana, "--user", "clerk1", "--password-stdin")
    code, online, err = rig.json(*args, stdin="clerk1pass\n")
    assert code == 0, err
    assert online["mode"] == "online" and atena in [r["atena_no"] for r in online["results"]]
    rig.env["MADOGUCHI_BCP_WINDOW_SECONDS"] = "2"
    rig.lines("cut")
    code, offline, err = rig.json(*args, stdin="clerk1pass\n")
    assert code == 0, err
    assert offline["mode"] == "bcp" and atena in [r["atena_no"] for r in offline["results"]]
    bad = rig.run("search", " ", "--user", "clerk1", "--password-stdin", stdin="clerk1pass\n")
    assert bad.returncode == 2 and "検索語" in bad.stderr


def test_verify_server_signs_in_from_the_command_line(rig: CliRig, tmp_path: Path) -> None:
    """Also: `verify --server` signs in with --user/--password-stdin (no token to paste)."""
    rig.enroll()
    out = tmp_path / "c.pdf"
    code, body, err = rig.issue(rig.subjects(1)[0], out)
    assert code == 0, err
    verify = ("verify", str(out), "--server", rig.server.base_url, "--user", "clerk1", "--password-stdin")
    code, verdict, err = rig.json(*verify, stdin="clerk1pass\n")
    assert code == 0, err
    assert verdict["valid"] is True
    bad = rig.run(*verify, stdin="wrong\n")
    assert bad.returncode == 2 and "エラー" in bad.stderr and "Traceback" not in bad.stderr


def test_a_missing_replica_key_is_rebuilt_by_sync(rig: CliRig) -> None:
    """A missing replica key is not fatal: the replica holds nothing that the data centre does
    not, so `sync` makes a new key and rebuilds it (unlike the outbox)."""
    import json

    rig.enroll()
    entries = json.loads(rig.keyring_file.read_text())
    # the replica key is kept only wrapped by the key leased from the data centre (issue 15)
    assert "madoguchi|db:replica-132403" not in entries
    del entries["madoguchi|dbw:replica-132403"]
    rig.keyring_file.write_text(json.dumps(entries))
    code, status, _ = rig.json("status")
    assert status["replicas"][0]["state"] == "unusable"
    code, synced, err = rig.json("sync")
    assert code == 0, err
    assert synced["action"] == "repair"
    code, status, _ = rig.json("status")
    assert status["replicas"][0]["state"] == "ready"
