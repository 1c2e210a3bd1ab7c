"""client/ui/operations: one call per action, failures shown the same way, a change event views follow.

Real server over HTTP, real widgets (the 交付履歴 dialog, the main window's banner).
"""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtWidgets import QMessageBox, QWidget

from client.domain.model import IdentityDocument
from client.services.issuance_form import IssuanceForm
from client.ui.operations import ISSUED, Failure, Operation, issue_certificate, void_issuance
from tests.fixtures.counter_server import CLERK, pick_household_head

WAIT = 15_000


class Host(QWidget):
    """The smallest widget that runs actions: the service and the task manager, like every dialog."""

    def __init__(self, counter_app: Any) -> None:
        super().__init__()
        self.service = counter_app.service
        self.taskman = counter_app.taskman


def _request(counter_app: Any, counter_db: str) -> tuple[Any, str]:
    picked = pick_household_head(counter_db, min_members=1)
    detail = counter_app.service.resident(picked.atena_no)
    form = IssuanceForm(subject=detail.resident, household=detail.household)
    form.identity_document = IdentityDocument.MY_NUMBER_CARD
    return form.to_request(), picked.atena_no


def test_an_issuance_runs_its_handler_then_the_history_follows_the_change_event(
        qtbot: Any, counter_app: Any, counter_db: str) -> None:
    from client.ui.history_dialog import HistoryDialog

    counter_app.service.sign_in(*CLERK)
    request, atena = _request(counter_app, counter_db)
    history = HistoryDialog(counter_app.service, counter_app.taskman, atena_no=atena)
    qtbot.addWidget(history)
    history.show()
    qtbot.waitUntil(lambda: history.message_label.text() == "0件", timeout=WAIT)

    host = Host(counter_app)
    qtbot.addWidget(host)
    order: list[str] = []
    counter_app.taskman.changed.connect(lambda what: order.append(f"changed:{what}"))
    outcomes: list[Any] = []

    def issued(outcome: Any) -> None:
        order.append("success")
        outcomes.append(outcome)

    with qtbot.waitSignal(history.loaded, timeout=WAIT) as loaded:
        issue_certificate(host, request).success(issued).failure(lambda f: order.append(f.message)).run()
    assert order == ["success", f"changed:{ISSUED}"]  # the handler first, then the views
    assert loaded.args == [1]  # the 交付履歴 reloaded by itself: nobody told it
    assert history.entries[0].issue_numbers == tuple(c.issue_number for c in outcomes[0].certificates)


def test_a_failure_reaches_its_handler_in_the_ui_language_and_changes_nothing(
        qtbot: Any, counter_app: Any, counter_db: str) -> None:
    counter_app.service.sign_in(*CLERK)
    host = Host(counter_app)
    qtbot.addWidget(host)
    changes: list[str] = []
    counter_app.taskman.changed.connect(changes.append)
    failures: list[Failure] = []

    def void_without_reason() -> None:
        (void_issuance(host, "no-such-issuance", "   ", None)
         .success(lambda _r: failures.append(Failure("unexpected success", RuntimeError())))
         .failure(failures.append).run())

    void_without_reason()
    qtbot.waitUntil(lambda: len(failures) == 1, timeout=WAIT)
    assert failures[0].message == "理由を入力してください。"
    assert failures[0].exc.message_en == "reason required"  # type: ignore[attr-defined]

    counter_app.languages.set_language("en")
    void_without_reason()
    qtbot.waitUntil(lambda: len(failures) == 2, timeout=WAIT)
    assert failures[1].message == "reason required"
    assert changes == []  # a refused action announces no change


def test_without_a_failure_handler_the_message_opens_in_a_box(qtbot: Any, counter_app: Any) -> None:
    counter_app.service.sign_in(*CLERK)
    host = Host(counter_app)
    qtbot.addWidget(host)
    host.show()
    void_issuance(host, "no-such-issuance", "", None).run()
    qtbot.waitUntil(lambda: host.findChild(QMessageBox, "operationFailure") is not None, timeout=WAIT)
    box = host.findChild(QMessageBox, "operationFailure")
    assert box is not None and box.text() == "理由を入力してください。"


def test_local_writes_go_to_the_single_writer_and_network_calls_to_the_pool(qtbot: Any, counter_app: Any) -> None:
    host = Host(counter_app)
    qtbot.addWidget(host)
    threads: list[str] = []
    for local in (True, False):
        Operation(host, lambda: threading.current_thread().name, what="probe", local_write=local) \
            .success(threads.append).run()
    qtbot.waitUntil(lambda: len(threads) == 2, timeout=WAIT)
    assert sorted(t.split("_")[0] for t in threads) == ["madoguchi-db", "madoguchi-net"]
    # online, an issuance is a call to the data centre: the pool
    assert issue_certificate(host, None).local_write is False  # type: ignore[arg-type]
