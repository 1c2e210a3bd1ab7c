"""BCP conflict review and the unsynced-BCP day-close guard through CounterService, on a real server
with a real conflict (issued offline from the replica, 支援措置 added at the centre, pushed back)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from client.local.keystore import KeyStore
from client.services.conflicts import UnsyncedBcpError
from client.services.errors import ClerkError, PermissionDeniedError, RejectedError
from tests.fixtures.counter_server import CLERK, SUPERVISOR, make_service
from tests.integration.bcp_env import Terminal, juminhyo, login, now_utc, plain_subjects, protect


def offline_terminal(db_url: str, base_url: str, data_dir: Path) -> Terminal:
    """An enrolled terminal's replica and outbox (keys in the test keyring), bootstrapped, with serials."""
    terminal = Terminal.build(data_dir, login(base_url), KeyStore())
    terminal.lease(5)
    terminal.bootstrap()
    return terminal


def issue_offline(terminal: Terminal, atena_no: str) -> None:
    terminal.issuer.issue(juminhyo(atena_no), user_id="clerk1", printer_id="P001", now=now_utc())


def make_conflict(db_url: str, base_url: str, data_dir: Path) -> str:
    """Issue one 住民票 in BCP mode, give the subject a 支援措置 from yesterday at the centre, push:
    the server records a real support_measure conflict. Returns the subject's 宛名番号."""
    terminal = offline_terminal(db_url, base_url, data_dir)
    try:
        subject = plain_subjects(db_url, 1)[0]
        issue_offline(terminal, subject)
        protect(db_url, subject, start=(now_utc() - timedelta(days=1)).date())
        result = terminal.pusher().push(now_utc)
        assert [codes for _, codes in result.conflicts] == [["support_measure"]]
    finally:
        terminal.close()
    return subject


@pytest.fixture
def conflict_env(seeded_db: str, server: Any, tmp_path: Path, memory_keyring: Any) -> tuple[Any, str]:
    subject = make_conflict(seeded_db, server.base_url, tmp_path / "terminal")
    return server, subject


def test_supervisor_reviews_and_resolves_a_real_conflict(conflict_env: tuple[Any, str], tmp_path: Path) -> None:
    server, subject = conflict_env
    service = make_service(server.base_url, tmp_path / "out")
    service.sign_in(*CLERK)

    # A clerk may not review; a clerk's credentials do not make a grant.
    with pytest.raises(PermissionDeniedError):
        service.list_conflicts("open")
    with pytest.raises(PermissionDeniedError):
        service.authorize_supervisor(*CLERK)
    grant = service.authorize_supervisor(*SUPERVISOR)

    [conflict] = service.list_conflicts("open", grant)
    assert conflict.subject_atena_no == subject and conflict.is_open and conflict.status_ja == "未処理"
    assert conflict.codes == ("support_measure",) and conflict.codes_ja == ("支援措置",)
    assert conflict.created_at is not None and conflict.issuance_id
    # both sides: what the terminal printed, and why the server would not have issued it
    assert conflict.bcp_content is not None and subject in {p.atena_no for p in conflict.bcp_content.persons}
    assert conflict.subject_name and conflict.bcp_data_as_of is not None
    assert conflict.server_outcome != "allow" and conflict.server_reasons
    assert any(r.code.startswith("support_measure") and r.message_ja for r in conflict.server_reasons)
    assert service.conflict(conflict.id, grant) == conflict

    with pytest.raises(ClerkError) as missing:
        service.resolve_conflict(conflict.id, "other", "  ", grant)
    assert "その他" in missing.value.message_ja
    with pytest.raises(ClerkError):
        service.resolve_conflict(conflict.id, "ignore", "", grant)
    assert service.conflict(conflict.id, grant).is_open  # nothing reached the server

    done = service.resolve_conflict(conflict.id, "recall", "本人に連絡して回収", grant)
    assert (done.status, done.outcome, done.outcome_ja) == ("resolved", "recall", "回収要")
    assert done.resolved_by == SUPERVISOR[0] and done.note == "本人に連絡して回収" and done.resolved_at
    assert service.list_conflicts("open", grant) == []
    assert [c.id for c in service.list_conflicts("resolved", grant)] == [conflict.id]
    assert [c.id for c in service.list_conflicts("all", grant)] == [conflict.id]
    with pytest.raises(RejectedError) as again:
        service.resolve_conflict(conflict.id, "no_problem", "", grant)
    assert "既に処理済み" in again.value.message_ja

    # a supervisor signed in at the counter needs no separate grant
    service.sign_in(*SUPERVISOR)
    assert [c.id for c in service.list_conflicts("resolved")] == [conflict.id]


def test_day_close_refuses_unsynced_bcp_until_a_supervisor_acknowledges(
    seeded_db: str, server: Any, tmp_path: Path, memory_keyring: Any
) -> None:
    terminal = offline_terminal(seeded_db, server.base_url, tmp_path / "terminal")
    try:
        issue_offline(terminal, plain_subjects(seeded_db, 1)[0])
        service = make_service(server.base_url, tmp_path / "out")
        service.pending_bcp = terminal.outbox.count_pending
        service.sign_in(*CLERK)
        assert terminal.outbox.count_pending() == 1

        with pytest.raises(UnsyncedBcpError) as refused:
            service.day_close()
        assert refused.value.count == 1
        assert "BCPモードで発行した 1 件がまだ同期されていません" in refused.value.message_ja
        with pytest.raises(UnsyncedBcpError):
            service.day_close_pdf()

        grant = service.authorize_supervisor(*SUPERVISOR)
        report, path = service.day_close_pdf(ack=grant)
        note = f"未同期のBCP発行 1 件あり(係長 {grant.user.name} 確認)"
        assert report.notes == (note,)
        text = "".join("".join((p.extract_text() or "").split()) for p in PdfReader(str(path)).pages)
        assert "".join(note.split()) in text

        # once pushed, the day closes without anybody's acknowledgement, and without the note
        result = terminal.pusher().push(now_utc)
        assert result.stored == 1 and terminal.outbox.count_pending() == 0
        report = service.day_close()
        assert report.notes == ()
        assert report.total_count >= 1
    finally:
        terminal.close()
