"""Issue 15 in the counter window, through the real widgets against a real server: the terminal's own
standing under the banner (enrolled, its key, the replica wrapping-key lease, revoked), the warning
as the lease runs out (the window's clock injected, no sleeping), the replica that can no longer be
opened, and a revocation learnt while the window runs: the wipe is announced in a modal dialog with
its counts and the window is closed for work (no search, no issuance, sign-in refused)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from client.local.keystore import KeyStore
from client.local.wrapping import LEASE_ENTRY, ReplicaKeyExpiredError
from client.replica.store import ReplicaStore
from tests.integration.bcp_env import CODE, enrolled, juminhyo, plain_subjects
from tests.integration.test_terminal_wipe import bcp_issuances, revoke

WAIT = 20_000
SVC = "madoguchi"
TERMINAL = "T115"


@dataclass
class Terminal:
    db_url: str
    data: Path
    app: Any
    runtime: Any
    keyring: Any
    window: Any = None


@pytest.fixture
def terminal(qtbot: Any, tmp_path: Path, server_factory: Any, memory_keyring: Any) -> Iterator[Terminal]:
    from client.composition.root import build
    from client.lifecycle.config import ClientConfig
    from client.ui.app import CounterApp
    from client.ui.mode_banner import ModeBridge
    from client.ui.standing_line import StandingBridge
    from tests.ui.conftest import PrintRecorder

    db_url, _server, data = enrolled(tmp_path, server_factory, TERMINAL, "本庁15")
    config = ClientConfig(data_dir=data, bcp_policy="confirm")
    bridge, standing = ModeBridge(), StandingBridge()
    counter = build(config, keystore=KeyStore(), publish=bridge.publish, start=False, out_dir=tmp_path / "out",
                    on_standing=standing.publish, on_wiped=standing.announce_wipe)
    runtime = counter.runtime
    printed = PrintRecorder()
    app = CounterApp(counter.service, printer=printed.append_call, previewer=printed.preview, bridge=bridge,
                     standing_bridge=standing, on_shutdown=[runtime.close])
    t = Terminal(db_url, data, app, runtime, memory_keyring)
    try:
        yield t
    finally:
        app.shutdown()  # its running tasks first, then the runtime (as build_app wires it)


def _window(qtbot: Any, t: Terminal) -> Any:
    t.app.service.sign_in("clerk1", "clerk1pass")
    window = t.app.open_main_window()
    qtbot.addWidget(window)
    t.window = window
    qtbot.waitUntil(lambda: window.standing_line.isVisibleTo(window), timeout=WAIT)
    return window


def _background(line: Any) -> str:
    return line.styleSheet().split("background:")[1].split(";")[0].strip()


def _set_lease_until(t: Terminal, until: datetime) -> None:
    """The lease as it would stand after days without the data centre (same key, shorter validity)."""
    entry = (SVC, LEASE_ENTRY)
    lease = json.loads(t.keyring.entries[entry])
    lease["valid_until"] = until.isoformat()
    t.keyring.entries[entry] = json.dumps(lease)


def _scheduled_upkeep_done(t: Terminal) -> None:
    for listener in list(t.runtime.upkeep_listeners):  # what the scheduler calls after each upkeep
        listener()


def test_an_enrolled_terminal_shows_its_standing(qtbot: Any, terminal: Terminal) -> None:
    window = _window(qtbot, terminal)
    line = window.standing_line
    text = line.text()
    assert line.level == "ok"
    assert f"端末 {TERMINAL} 登録済み" in text and "署名鍵 有効期限なし" in text and "複製の鍵" in text
    assert line.days_left is not None and 13.9 < line.days_left <= 14
    assert "残り 14.0 日" in text or "残り 13.9 日" in text
    assert "利用停止" not in text
    assert _background(line) == "#e6f4ea"  # the banner's online green
    terminal.app.languages.set_language("en")  # Japanese first, English from the catalogue
    try:
        qtbot.waitUntil(lambda: "enrolled" in line.text(), timeout=WAIT)
        assert f"Terminal {TERMINAL}" in line.text() and "replica key" in line.text()
    finally:
        terminal.app.languages.set_language("ja")


def test_the_window_warns_before_the_wrapping_key_expires_and_a_contact_renews_it(
        qtbot: Any, terminal: Terminal) -> None:
    window = _window(qtbot, terminal)
    line = window.standing_line
    base = datetime.now(UTC)
    line.clock = lambda: base + timedelta(days=12)  # twelve days without the data centre
    line.refresh()
    assert line.level == "warn" and _background(line) == "#fff4d6"  # the banner's amber
    assert "残り 2.0 日" in line.text() or "残り 1.9 日" in line.text()
    assert "データセンターに接続してください" in line.text()

    # the lease itself about to end (the window's clock true again); a scheduled upkeep publishes it
    line.clock = lambda: datetime.now(UTC)
    _set_lease_until(terminal, datetime.now(UTC) + timedelta(days=1))
    _scheduled_upkeep_done(terminal)
    qtbot.waitUntil(lambda: line.days_left is not None and line.days_left < 1.01, timeout=WAIT)
    assert line.level == "warn" and "残り 1.0 日" in line.text()
    # reaching the data centre renews the lease: the window shows the new expiry by itself
    assert terminal.runtime.contact(force=True) is None
    qtbot.waitUntil(lambda: line.level == "ok", timeout=WAIT)
    assert line.days_left is not None and line.days_left > 13.9


def test_an_expired_wrapping_key_says_the_replica_cannot_be_opened(qtbot: Any, terminal: Terminal) -> None:
    window = _window(qtbot, terminal)
    line = window.standing_line
    later = datetime.now(UTC) + timedelta(days=15)
    line.clock = lambda: later
    line.refresh()
    assert line.level == "critical" and _background(line) == "#fde2e1"  # the banner's BCP red
    assert "利用期限" in line.text() and "複製を開けません" in line.text()
    assert "未送信の交付記録は保持されています" in line.text()

    # the terminal itself finds the lease expired when it opens the replica (and erases the lease) ...
    store = ReplicaStore(terminal.data, CODE, KeyStore(clock=lambda: later))
    with pytest.raises(ReplicaKeyExpiredError):
        store.engine()
    store.close()
    assert (SVC, LEASE_ENTRY) not in terminal.keyring.entries
    line.clock = lambda: datetime.now(UTC)
    _scheduled_upkeep_done(terminal)  # ... and the window says why, whatever its clock
    qtbot.waitUntil(lambda: "利用期限が切れているため" in line.text(), timeout=WAIT)
    assert line.level == "critical"
    # back in touch with the data centre: a new lease, the replica opens again
    assert terminal.runtime.contact(force=True) is None
    qtbot.waitUntil(lambda: line.level == "ok", timeout=WAIT)


def test_a_revocation_learnt_while_the_window_runs_wipes_announces_and_locks(
        qtbot: Any, terminal: Terminal) -> None:
    from client.composition.terminal_link import TerminalRevokedRefusal
    from client.continuity.wipe import MARKER_FILE

    rt = terminal.runtime
    rt.refill_leases()
    lawful, late = plain_subjects(terminal.db_url, 2)
    rt.issuer.issue(juminhyo(lawful), user_id="clerk1", printer_id="P001", now=datetime.now(UTC))
    window = _window(qtbot, terminal)
    assert window.search_edit.isEnabled() and window.standing_line.level == "ok"
    revoke(terminal.db_url, TERMINAL)
    rt.issuer.issue(juminhyo(late), user_id="clerk1", printer_id="P001", now=datetime.now(UTC))

    window.request_lock()  # the clerk stepped away (F9): the window is locked when the news arrives
    assert window.idle_lock.is_locked and not window.central_frame.isVisible()
    rt.start(probe_seconds=60, pull_seconds=1)  # the real scheduled pull learns of the revocation
    qtbot.waitUntil(lambda: window.wipe_dialog is not None and window.wipe_dialog.isVisible(), timeout=WAIT)
    dialog = window.wipe_dialog
    assert dialog.isModal() and dialog.windowModality() != Qt.WindowModality.NonModal
    assert "利用停止" in dialog.what_label.text() and "盗難 stolen" in dialog.what_label.text()
    assert "1 件" in dialog.pushed_label.text() and "データセンターへ送信しました" in dialog.pushed_label.text()
    assert dialog.discarded_label.isVisibleTo(dialog) and "1 件" in dialog.discarded_label.text()
    erased = dialog.erased_label.text()
    assert "住民データ(複製)" in erased and "相互バックアップ" in erased and "暗号鍵" in erased
    assert "システム管理者" in dialog.call_label.text()
    # what the dialog says happened did happen
    assert bcp_issuances(terminal.db_url, TERMINAL) == 1
    assert [p.name for p in terminal.data.iterdir()] == [MARKER_FILE]
    assert not any(svc == SVC for (svc, _name) in terminal.keyring.entries)

    # the window is closed for work, in a safe state
    qtbot.waitUntil(lambda: window.standing_line.level == "critical", timeout=WAIT)
    assert "利用停止" in window.standing_line.text() and "消去されました" in window.standing_line.text()
    assert f"端末 {TERMINAL}" in window.standing_line.text()  # still named, though the enrolment is erased
    qtbot.waitUntil(lambda: window.banner.mode == "revoked", timeout=WAIT)  # whatever the line does
    assert "利用停止" in window.banner.mode_label.text() and window.banner.replica_as_of is None
    assert window.terminal_revoked and not window.search_edit.isEnabled()
    assert not window.idle_lock.is_locked and window.central_frame.isVisible()  # no password left to check
    assert window.results_model.rowCount() == 0 and window.current_summary is None
    for name in ("search", "issue", "card", "history", "day_close", "declare_bcp"):
        assert not window.actions_by_name[name].isEnabled(), name
    assert window.actions_by_name["quit"].isEnabled()
    assert "利用停止" in window.message_label.text()
    service = terminal.app.service
    assert not service.signed_in
    with pytest.raises(TerminalRevokedRefusal):
        service.backend.search("ヤマダ")
    terminal.app.languages.set_language("en")  # the notice in English too
    try:
        qtbot.waitUntil(lambda: "revoked" in dialog.what_label.text(), timeout=WAIT)
        assert "1 issuance(s)" in dialog.pushed_label.text() and "erased" in dialog.erased_label.text()
        assert dialog.ok_button.text() == "Understood"
    finally:
        terminal.app.languages.set_language("ja")
    dialog.ok_button.click()
    assert not dialog.isVisible() and not window.search_edit.isEnabled()

    # a sign-in is refused and says why
    signin = terminal.app.sign_in_dialog()
    qtbot.addWidget(signin)
    signin.user_edit.setText("clerk1")
    signin.password_edit.setText("clerk1pass")
    signin.submit()
    qtbot.waitUntil(lambda: "利用停止" in signin.error_label.text(), timeout=WAIT)
    assert not service.signed_in and signin.result() != signin.DialogCode.Accepted
    signin.reject()


def test_a_wipe_cut_short_by_the_line_says_what_is_kept_and_finishes_when_the_line_is_back(
        qtbot: Any, terminal: Terminal) -> None:
    from client.continuity.wipe import MARKER_FILE, read_marker
    from client.remote.errors import LineDownError

    rt = terminal.runtime
    rt.refill_leases()
    [atena] = plain_subjects(terminal.db_url, 1)
    rt.issuer.issue(juminhyo(atena), user_id="clerk1", printer_id="P001", now=datetime.now(UTC))
    window = _window(qtbot, terminal)
    revoke(terminal.db_url, TERMINAL)
    real_post = rt.remote.post
    line = {"up": False}
    tries: list[str] = []

    def flapping_post(path: str, body: Any = None) -> Any:
        if path == "/api/v1/bcp/issuances" and not line["up"]:
            tries.append(path)
            raise LineDownError(message_en="the line dropped while pushing")
        return real_post(path, body)

    rt.remote.post = flapping_post
    rt.wipe_retry_seconds = 0.2  # the unfinished wipe's own retry timer (60 s in service)
    assert rt.pull_replica() is None  # the pull is refused as revoked: the wipe starts, the push fails
    qtbot.waitUntil(lambda: window.wipe_dialog is not None and window.wipe_dialog.isVisible(), timeout=WAIT)
    first = window.wipe_dialog
    assert "1 件" in first.pushed_label.text() and "保持され" in first.pushed_label.text()
    assert "開けなくなりました" in first.erased_label.text()
    assert read_marker(terminal.data)["state"] == "pushing" and bcp_issuances(terminal.db_url, TERMINAL) == 0
    assert window.terminal_revoked and not window.search_edit.isEnabled() and not terminal.app.service.signed_in
    qtbot.waitUntil(lambda: "閉じられました" in window.standing_line.text(), timeout=WAIT)
    qtbot.waitUntil(lambda: len(tries) >= 3, timeout=WAIT)  # retried while the line stays down ...
    assert window.wipe_dialog is first and first.isVisible()  # ... without announcing it again

    line["up"] = True  # the line is back: the retry pushes, then erases, and the window says so
    qtbot.waitUntil(lambda: window.wipe_dialog is not first and window.wipe_dialog.isVisible(), timeout=WAIT)
    assert not first.isVisible()
    done = window.wipe_dialog
    assert "1 件" in done.pushed_label.text() and "データセンターへ送信しました" in done.pushed_label.text()
    assert "暗号鍵" in done.erased_label.text()
    assert bcp_issuances(terminal.db_url, TERMINAL) == 1
    assert [p.name for p in terminal.data.iterdir()] == [MARKER_FILE]
    qtbot.waitUntil(lambda: "消去されました" in window.standing_line.text(), timeout=WAIT)
