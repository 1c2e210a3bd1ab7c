"""The main window's search-as-you-type, its results and the detail pane with the household."""

from __future__ import annotations

from typing import TYPE_CHECKING

from client.domain.search_query import classify_query
from client.services.errors import ProtectedResidentError
from client.services.records import ResidentDetail, ResidentSummary
from client.ui.operations import Failure, load_resident, search_residents
from client.ui.qt_signals import emit

if TYPE_CHECKING:
    from PySide6.QtCore import QTimer, Signal
    from PySide6.QtWidgets import QLineEdit, QMainWindow, QTableView

    from client.services.counter import CounterService
    from client.ui.resident_views import DetailPane, ResultsModel
    from client.ui.taskman import TaskManager

    class _WindowPart(QMainWindow):
        """What this part uses of the window (built by ``MainWindow.__init__``, the other parts)."""

        service: CounterService
        taskman: TaskManager
        search_finished: Signal
        detail_loaded: Signal
        search_edit: QLineEdit
        results_model: ResultsModel
        results_view: QTableView
        detail_pane: DetailPane
        current_summary: ResidentSummary | None
        current_detail: ResidentDetail | None
        _search_seq: int
        _detail_seq: int
        _debounce: QTimer

        def show_message(self, text: str, *, error: bool = False) -> None: ...
else:
    _WindowPart = object

SEARCH_LIMIT = 50  # rows shown; one more is asked for to know that there are more


class SearchAndDetail(_WindowPart):
    """Mixin of ``MainWindow``: the query, the rows it found and the person chosen among them."""

    # -- search ------------------------------------------------------------------------------

    def run_search(self) -> None:
        query = self.search_edit.text().strip()
        self._search_seq += 1
        seq = self._search_seq
        if not query:
            self.clear_results()
            self.show_message("")
            emit(self.search_finished, 0)
            return
        hint = self._query_hint(query)
        if hint is None:
            return
        self.show_message(hint + " — " + self.tr("検索しています…"))
        (search_residents(self, query, limit=SEARCH_LIMIT + 1)
         .success(lambda rows: self._search_done(seq, rows))
         .failure(lambda failure: self._search_failed(seq, failure))
         .run())

    def _query_hint(self, query: str) -> str | None:
        """How the input will be searched (the domain's classification); None when it cannot be."""
        parsed = classify_query(query)
        if parsed.error:
            self.clear_results()
            self.show_message(parsed.error, error=True)
            emit(self.search_finished, -1)
            return None
        return {
            "atena_no": self.tr("宛名番号で検索"),
            "birth_date": self.tr("生年月日で検索"),
            "kana": self.tr("カナで検索"),
            "name": self.tr("氏名で検索"),
            "address": self.tr("住所で検索"),
        }.get(parsed.kind.value, "")

    def _search_done(self, seq: int, rows: list[ResidentSummary]) -> None:
        if seq != self._search_seq:
            return  # a newer query is on its way
        more = len(rows) > SEARCH_LIMIT
        rows = rows[:SEARCH_LIMIT]
        if not rows:
            self.clear_results()
        else:
            self.results_model.set_rows(rows)
        if more:
            self.show_message(self.tr(
                "{n}件を超えて該当します。先頭の{n}件を表示しています。生年月日や名まで入力して絞り込んでください。"
            ).format(n=SEARCH_LIMIT), error=True)
        else:
            self.show_message(self.tr("{n}件 見つかりました").format(n=len(rows)) if rows else self.tr("該当者はいません"))
        if rows and self.results_view.currentIndex().row() < 0:
            self.results_view.selectRow(0)
        emit(self.search_finished, len(rows))

    def _search_failed(self, seq: int, failure: Failure) -> None:
        if seq != self._search_seq:
            return
        self.clear_results()  # the old rows do not answer the new query
        self.show_message(failure.message, error=True)
        emit(self.search_finished, -1)

    def _search_enter(self) -> None:
        if self._debounce.isActive():
            self._debounce.stop()
            self.run_search()
        if self.results_model.rowCount() > 0:
            self.results_view.setFocus()
            if self.results_view.currentIndex().row() < 0:
                self.results_view.selectRow(0)

    def clear_results(self) -> None:
        """No rows and no person: F5 cannot issue for someone the clerk no longer sees."""
        self.results_model.set_rows([])
        self._detail_seq += 1  # a detail still on its way is for the old person
        self.current_summary = None
        self.current_detail = None
        self.detail_pane.clear()

    # -- detail --------------------------------------------------------------------------------

    def _on_row_changed(self, current: object, _previous: object) -> None:
        row = self.results_view.currentIndex().row()
        if 0 <= row < len(self.results_model.rows):
            self.load_detail(self.results_model.rows[row])

    def load_detail(self, summary: ResidentSummary) -> None:
        self._detail_seq += 1
        seq = self._detail_seq
        self.current_summary = summary
        self.current_detail = None
        self.detail_pane.show_loading(summary)
        (load_resident(self, summary.atena_no)
         .success(lambda d: self._detail_done(seq, d))
         .failure(lambda failure: self._detail_failed(seq, summary, failure))
         .run())

    def _detail_done(self, seq: int, detail: ResidentDetail) -> None:
        if seq != self._detail_seq:
            return
        self.current_detail = detail
        self.detail_pane.show_detail(detail)
        emit(self.detail_loaded, detail.resident.atena_no)

    def _detail_failed(self, seq: int, summary: ResidentSummary, failure: Failure) -> None:
        if seq != self._detail_seq:
            return
        if isinstance(failure.exc, ProtectedResidentError):
            self.detail_pane.show_protected(summary, failure.message)
        else:
            self.show_message(failure.message, error=True)
        emit(self.detail_loaded, summary.atena_no)
