"""A representative set of certificate type × requester kind through the real dialog in BCP mode.

One enrolled terminal for the module (real server, SQLCipher replica and outbox, in-memory keyring
backend), serials leased while online, then BCP declared by the supervisor: each case issues from
the replica through the same widgets as online and checks the PDF and the BCP 交付履歴 (outbox).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from client.domain.model import CertificateType, Outcome, RequesterKind
from tests.conftest import start_server
from tests.fixtures.counter_server import CITY, CLERK, SUPERVISOR, copy_db, seed_template
from tests.ui.conftest import PrintRecorder
from tests.ui.issuance_matrix import (
    REFUSED,
    MatrixData,
    close_window,
    fill_request,
    issue_and_check,
    open_issuance_for,
    pick_matrix_data,
    subject_for,
    wait_verdict,
)

CASES = [
    (CertificateType.JUMINHYO, RequesterKind.SELF),
    (CertificateType.JUMINHYO, RequesterKind.PROFESSIONAL),
    (CertificateType.JUMINHYO, RequesterKind.OFFICIAL),
    (CertificateType.KISAI_JIKO, RequesterKind.AGENT),
    (CertificateType.JOHYO, RequesterKind.SELF),
    (CertificateType.INKAN, RequesterKind.HOUSEHOLD),
    (CertificateType.INKAN, RequesterKind.THIRD_PARTY),
    (CertificateType.KAZEI, RequesterKind.AGENT),
    (CertificateType.KAZEI, RequesterKind.THIRD_PARTY),
]


@dataclass
class BcpCounter:
    app: Any
    window: Any
    runtime: Any
    data: MatrixData


@pytest.fixture(scope="module")
def bcp_counter(qapp: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BcpCounter]:
    import keyring

    from client.composition.root import build
    from client.composition.terminal_link import confirm_bcp
    from client.lifecycle.config import ClientConfig
    from client.lifecycle.enrollment import enroll
    from client.local.keystore import KeyStore
    from client.ui.app import CounterApp
    from client.ui.mode_banner import ModeBridge
    from tests.keyring_memory import MemoryKeyring

    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    root = tmp_path_factory.mktemp("matrix-bcp")
    db = copy_db(seed_template(root / "template"), root / "db")
    data = pick_matrix_data(db)
    server = start_server(db, root, migrate=False)
    home = root / "home"
    app = runtime = None
    try:
        enroll(server_url=server.base_url, municipality_code=CITY, terminal_name="本庁5", admin_user="admin1",
               admin_password="admin1pass", data_dir=home, keystore=KeyStore(), terminal_id="T105")
        config = ClientConfig(data_dir=home, bcp_policy="confirm")
        bridge = ModeBridge()
        counter = build(config, keystore=KeyStore(), publish=bridge.publish, start=False, out_dir=root / "out")
        service, runtime = counter.service, counter.runtime
        printed = PrintRecorder()
        app = CounterApp(service, printer=printed.append_call, previewer=printed.preview, bridge=bridge,
                         on_shutdown=[runtime.close])  # after the app's running tasks, as build_app wires it
        runtime.refill_leases()  # while online: the block of BCP serials
        service.sign_in(*CLERK)
        confirm_bcp(service, runtime, *SUPERVISOR)
        assert service.mode == "bcp"
        window = app.open_main_window()
        yield BcpCounter(app, window, runtime, data)
        close_window(window)
    finally:
        if app is not None:
            app.shutdown()
        elif runtime is not None:
            runtime.close()
        server.stop()
        keyring.set_keyring(previous)


@pytest.mark.parametrize(("cert", "kind"), CASES, ids=lambda v: v.value)
def test_issue_from_the_dialog_in_bcp_mode(qtbot: Any, bcp_counter: BcpCounter, cert: CertificateType,
                                           kind: RequesterKind) -> None:
    window = bcp_counter.window
    qtbot.waitUntil(lambda: window.banner.mode == "bcp", timeout=10_000)
    subject = subject_for(bcp_counter.data, cert)
    dialog = open_issuance_for(qtbot, window, subject.atena_no)
    try:
        fill_request(qtbot, dialog, cert, kind, bcp_counter.data.card_no)
        refused = REFUSED.get((cert, kind))
        if refused is not None:
            decision = wait_verdict(qtbot, dialog)
            assert decision.outcome is Outcome.DENY
            assert refused in [r.code for r in decision.reasons if r.blocking]
            assert not dialog.issue_button.isEnabled()
            return
        pending = bcp_counter.runtime.outbox.count_pending()
        outcome = issue_and_check(qtbot, dialog, bcp_counter.app.service, cert, kind, subject)
        assert bcp_counter.runtime.outbox.count_pending() == pending + 1
        entry = next(h for h in bcp_counter.app.service.history(atena_no=subject.atena_no)
                     if h.issuance_id == outcome.issuance_id)
        assert entry.mode == "bcp" and entry.status == "unsynced"
    finally:
        dialog.reject()


def test_history_marks_the_bcp_issuances_as_not_synced(qtbot: Any, bcp_counter: BcpCounter) -> None:
    """After the cases above: the 交付履歴 (F6) lists them as 未送信(BCP), read from the outbox."""
    window = bcp_counter.window
    window.open_history()
    history = window.history_dialog
    qtbot.addWidget(history)
    qtbot.waitUntil(lambda: len(history.entries) >= 1, timeout=20_000)
    status_col = history.COLUMNS.index("状態")
    statuses = {history.table.item(row, status_col).text() for row in range(history.table.rowCount())}
    assert statuses == {"未送信(BCP)"}
    assert len(history.entries) == bcp_counter.runtime.outbox.count_pending()
    history.reject()
