"""Every certificate type × every requester kind through the real issuance dialog, online.

One real server (seeded demo data) and one signed-in counter window for the module; each case
finds the resident through the search box, opens the dialog with F5, fills the inputs the dialog
shows for that type and requester, issues with F12 and checks the PDF and the 交付履歴 on the
server. The combinations the law refuses (課税証明 to a third party) show the refusal instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from client.domain.model import CertificateType, Outcome, RequesterKind
from tests.conftest import ServerProcess, start_server
from tests.fixtures.counter_server import CLERK, copy_db, make_service, seed_template
from tests.ui.conftest import PrintRecorder
from tests.ui.helpers import commit_japanese
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


@dataclass
class Counter:
    app: Any
    window: Any
    server: ServerProcess
    data: MatrixData
    printed: PrintRecorder


@pytest.fixture(scope="module")
def counter(qapp: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Counter]:
    from client.ui.app import CounterApp

    root = tmp_path_factory.mktemp("matrix-online")
    db = copy_db(seed_template(root / "template"), root / "db")
    data = pick_matrix_data(db)
    server = start_server(db, root, migrate=False)
    printed = PrintRecorder()
    app = CounterApp(make_service(server.base_url, root / "out"), printer=printed.append_call,
                     previewer=printed.preview)
    try:
        app.service.sign_in(*CLERK)
        window = app.open_main_window()
        yield Counter(app, window, server, data, printed)
        close_window(window)
    finally:
        app.shutdown()
        server.stop()


@pytest.mark.parametrize("kind", list(RequesterKind), ids=lambda k: k.value)
@pytest.mark.parametrize("cert", list(CertificateType), ids=lambda c: c.value)
def test_issue_from_the_dialog(qtbot: Any, counter: Counter, cert: CertificateType, kind: RequesterKind) -> None:
    subject = subject_for(counter.data, cert)
    dialog = open_issuance_for(qtbot, counter.window, subject.atena_no)
    try:
        fill_request(qtbot, dialog, cert, kind, counter.data.card_no)
        refused = REFUSED.get((cert, kind))
        if refused is not None:
            decision = wait_verdict(qtbot, dialog)
            assert decision.outcome is Outcome.DENY
            assert [r.code for r in decision.reasons if r.blocking] == [refused]
            assert dialog.verdict_label.property("verdict") == "deny"
            assert not dialog.issue_button.isEnabled()
            return
        outcome = issue_and_check(qtbot, dialog, counter.app.service, cert, kind, subject)
        assert counter.printed.calls[-1] == list(outcome.pdf_paths)
    finally:
        dialog.reject()


def test_identity_back_to_unchecked_refuses_again(qtbot: Any, counter: Counter) -> None:
    """Choosing 未確認 again after a document must count as unchecked (it was a plain str before)."""
    from client.domain.model import IdentityDocument

    dialog = open_issuance_for(qtbot, counter.window, counter.data.current.atena_no)
    try:
        combo = dialog.identity_combo
        combo.setCurrentIndex(combo.findData(IdentityDocument.PASSPORT))
        assert wait_verdict(qtbot, dialog).outcome is Outcome.ALLOW
        combo.setCurrentIndex(combo.findData(IdentityDocument.NONE))
        decision = wait_verdict(qtbot, dialog)
        assert decision.outcome is Outcome.DENY
        assert "identity_not_checked" in [r.code for r in decision.reasons]
    finally:
        dialog.reject()


def test_third_party_fields_follow_the_request(qtbot: Any, counter: Counter) -> None:
    """特別の請求 (items beyond the 基礎証明事項) asks for its reason and the clerk's acceptance; a 個人番号
    住民票 for an 任意代理人 is offered only by post to the subject (issue 16), through the real widgets."""
    from client.domain.model import JuminhyoItem

    subject = subject_for(counter.data, CertificateType.JUMINHYO)
    dialog = open_issuance_for(qtbot, counter.window, subject.atena_no)
    try:
        fill_request(qtbot, dialog, CertificateType.JUMINHYO, RequesterKind.THIRD_PARTY, counter.data.card_no)

        def shown(widget: Any) -> bool:
            return bool(widget.isVisibleTo(dialog))

        assert not shown(dialog.special_reason_edit) and not shown(dialog.deliver_by_post_check)
        dialog.item_checks[JuminhyoItem.HONSEKI.value].setChecked(True)
        assert shown(dialog.special_reason_edit) and shown(dialog.special_accepted_check)
        decision = wait_verdict(qtbot, dialog)
        assert decision.outcome is Outcome.DENY, "本籍 for a third party without an accepted 特別の請求"
        commit_japanese(dialog.special_reason_edit, "相続登記に本籍の記載が必要なため")
        dialog.special_accepted_check.setChecked(True)
        qtbot.waitUntil(lambda: not dialog._debounce.isActive() and dialog.decision is not None
                        and dialog.decision.outcome is not Outcome.DENY, timeout=20_000)
        assert dialog.form.to_request().requester.special_accepted

        dialog.item_checks[JuminhyoItem.HONSEKI.value].setChecked(False)
        dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData(RequesterKind.AGENT))
        dialog.poa_check.setChecked(True)
        dialog.item_checks[JuminhyoItem.MY_NUMBER.value].setChecked(True)
        assert shown(dialog.deliver_by_post_check)
        decision = wait_verdict(qtbot, dialog)
        assert decision.outcome is Outcome.DENY, "個人番号 to an 任意代理人 over the counter"
        dialog.deliver_by_post_check.setChecked(True)
        qtbot.waitUntil(lambda: not dialog._debounce.isActive() and dialog.decision is not None
                        and dialog.decision.outcome is not Outcome.DENY, timeout=20_000)
        assert dialog.form.to_request().deliver_by_post
    finally:
        dialog.close()
