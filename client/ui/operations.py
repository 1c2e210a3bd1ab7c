"""The counter's actions, each one call (after Anki's ``aqt/operations``).

An action is built by a function named for what the clerk does and run in one expression::

    issue_certificate(self, request, release, grant).success(self._issued).failure(self._failed).run()

- the work runs off the GUI thread through the task manager: network calls on its pool, local
  writes (a BCP issuance into the outbox) on its single database writer;
- ``success`` gets the result on the GUI thread; ``failure`` gets a :class:`Failure` whose
  ``message`` is the error in the UI's language (``ClerkError.message_ja`` / ``message_en``), and
  every failure is logged the same way. Without a failure handler the message opens in a box;
- an action that changes what the counter holds (issued, voided, reprinted, day closed) emits
  ``TaskManager.changed`` after its success handler, and views listen to it (the banner, the
  交付履歴) instead of being told by each dialog.

``parent`` is the widget that asks (a dialog or the main window): it has ``service`` and
``taskman``. Widgets show and collect; the deciding is done by the service behind these calls.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QMessageBox, QWidget

from client.ui.qt_signals import emit
from client.ui.taskman import TaskManager, describe_error

if TYPE_CHECKING:
    from client.domain.model import Decision, IssuanceRequest, SupportRelease
    from client.services.counter import CounterService, SupervisorGrant
    from client.services.emergency import HallHistory
    from client.services.records import (
        DayCloseReport,
        HistoryEntry,
        IssuanceOutcome,
        ResidentDetail,
        ResidentSummary,
    )

log = logging.getLogger(__name__)

T = TypeVar("T")

# what an action changed (the argument of TaskManager.changed)
ISSUED = "issued"
VOIDED = "voided"
REPRINTED = "reprinted"
DAY_CLOSED = "day_closed"


class Host(Protocol):
    """The widget that runs an action: it knows the counter service and the task manager."""

    service: CounterService
    taskman: TaskManager


@dataclass(frozen=True)
class Failure:
    """An action that failed: what to show the clerk (UI language) and the exception itself."""

    message: str
    exc: BaseException


def error_message(exc: BaseException) -> str:
    """The error for the person at the counter, in the UI's language.

    Japanese unless the UI is English and the error carries an English message of its own (a
    ``ClerkError`` whose ``message_en`` is more than its class name); unexpected errors get a
    plain sentence, never a traceback.
    """
    ja, _log_text = describe_error(exc)
    if QLocale().language() != QLocale.Language.English:
        return ja
    en = getattr(exc, "message_en", None)
    if isinstance(en, str) and en and en != type(exc).__name__:
        return en
    if not isinstance(getattr(exc, "message_ja", None), str):
        return "Unexpected error. Please contact the system administrator."
    return ja


class Operation(Generic[T]):
    """One action: ``.success(handler)``, ``.failure(handler)``, then ``.run()``."""

    def __init__(self, parent: Host, work: Callable[[], T], *, what: str, local_write: bool = False,
                 changes: str | None = None) -> None:
        self.parent = parent
        self.work = work
        self.what = what  # for the log: "search", "issue" …
        self.local_write = local_write
        self.changes = changes
        self._success: Callable[[T], None] | None = None
        self._failure: Callable[[Failure], None] | None = None

    def success(self, handler: Callable[[T], None]) -> Operation[T]:
        self._success = handler
        return self

    def failure(self, handler: Callable[[Failure], None]) -> Operation[T]:
        self._failure = handler
        return self

    def run(self) -> Future[T]:
        taskman = self.parent.taskman
        submit = taskman.run_db if self.local_write else taskman.run_network
        return submit(self.work, self._done, self._failed)

    def _done(self, result: T) -> None:
        try:
            if self._success is not None:
                self._success(result)
        finally:
            if self.changes is not None:
                emit(self.parent.taskman.changed, self.changes)

    def _failed(self, exc: BaseException) -> None:
        _ja, log_text = describe_error(exc)
        log.log(logging.ERROR if self.changes else logging.WARNING, "%s failed: %s", self.what, log_text)
        failure = Failure(error_message(exc), exc)
        if self._failure is not None:
            self._failure(failure)
            return
        parent = self.parent if isinstance(self.parent, QWidget) else None
        box = QMessageBox(QMessageBox.Icon.Warning, "窓口", failure.message, QMessageBox.StandardButton.Ok, parent)
        box.setObjectName("operationFailure")
        box.open()


def _local(parent: Host) -> bool:
    """True when the service writes this terminal's own databases (BCP: the outbox) rather than
    calling the data centre: the work then goes to the single database writer."""
    return bool(parent.service.works_locally)  # CounterService.works_locally (one rule for the UI)


# -- the counter's actions -------------------------------------------------------------------------


def search_residents(parent: Host, query: str, *, limit: int) -> Operation[list[ResidentSummary]]:
    return Operation(parent, lambda: parent.service.search(query, limit=limit), what="search")


def load_resident(parent: Host, atena_no: str) -> Operation[ResidentDetail]:
    return Operation(parent, lambda: parent.service.resident(atena_no), what="resident")


def evaluate_request(parent: Host, request: IssuanceRequest, release: SupportRelease | None,
                     grant: SupervisorGrant | None) -> Operation[Decision]:
    return Operation(parent, lambda: parent.service.evaluate(request, release, grant), what="evaluate")


def authorize_supervisor(parent: Host, user_id: str, password: str) -> Operation[SupervisorGrant]:
    return Operation(parent, lambda: parent.service.authorize_supervisor(user_id, password), what="supervisor")


def preview_certificate(parent: Host, decision: Decision) -> Operation[Path]:
    return Operation(parent, lambda: parent.service.preview(decision), what="preview")


def issue_certificate(parent: Host, request: IssuanceRequest, release: SupportRelease | None = None,
                      grant: SupervisorGrant | None = None) -> Operation[IssuanceOutcome]:
    return Operation(parent, lambda: parent.service.issue(request, release, grant), what="issue",
                     local_write=_local(parent), changes=ISSUED)


def load_history(parent: Host, day: date | None, atena_no: str | None) -> Operation[list[HistoryEntry]]:
    return Operation(parent, lambda: parent.service.history(day, atena_no), what="history")


def load_hall_history(parent: Host, day: date) -> Operation[HallHistory]:
    """The hall's BCP issuances of ``day``, asked of every peer over the LAN (issue 18)."""
    return Operation(parent, lambda: parent.service.hall_history(day), what="hall history")


def void_issuance(parent: Host, issuance_id: str, reason: str, grant: SupervisorGrant | None) -> Operation[None]:
    return Operation(parent, lambda: parent.service.void(issuance_id, reason, grant), what="void",
                     local_write=_local(parent), changes=VOIDED)


def reprint_issuance(parent: Host, issuance_id: str, reason: str,
                     grant: SupervisorGrant | None) -> Operation[IssuanceOutcome]:
    return Operation(parent, lambda: parent.service.reprint(issuance_id, reason, grant), what="reprint",
                     local_write=_local(parent), changes=REPRINTED)


def close_day(parent: Host, day: date, ack: SupervisorGrant | None) -> Operation[DayCloseReport]:
    return Operation(parent, lambda: parent.service.day_close(day, ack), what="day close")


def close_day_pdf(parent: Host, day: date, ack: SupervisorGrant | None) -> Operation[tuple[DayCloseReport, Path]]:
    return Operation(parent, lambda: parent.service.day_close_pdf(day, ack=ack), what="day close PDF",
                     changes=DAY_CLOSED)


__all__ = [
    "DAY_CLOSED", "ISSUED", "REPRINTED", "VOIDED", "Failure", "Host", "Operation", "authorize_supervisor",
    "close_day", "close_day_pdf", "error_message", "evaluate_request", "issue_certificate", "load_history",
    "load_resident", "preview_certificate", "reprint_issuance", "search_residents", "void_issuance",
]
