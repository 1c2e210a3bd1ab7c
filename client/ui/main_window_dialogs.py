"""The main window's dialog launchers: issuance, マイナンバーカード, history, day close, BCP conflicts,
emergency holds and the printer settings (each dialog module is imported when first opened)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from client.services.records import ResidentDetail
from client.ui.operations import load_resident

if TYPE_CHECKING:
    from collections.abc import Callable

    from PySide6.QtWidgets import QMainWindow

    from client.services.counter import CounterService
    from client.services.records import ResidentSummary
    from client.ui.main_window import PdfPreviewer, PdfPrinter
    from client.ui.taskman import TaskManager

    class _WindowPart(QMainWindow):
        """What this part uses of the window (built by ``MainWindow.__init__``, the other parts)."""

        service: CounterService
        taskman: TaskManager
        printer: PdfPrinter | None
        previewer: PdfPreviewer | None
        card_reader: Callable[[], Any] | None
        current_summary: ResidentSummary | None
        current_detail: ResidentDetail | None

        def show_message(self, text: str, *, error: bool = False) -> None: ...
else:
    _WindowPart = object


class DialogLaunchers(_WindowPart):
    """Mixin of ``MainWindow``: opens each dialog (non-modal ``open()``) for the person chosen."""

    # -- dialogs ---------------------------------------------------------------------------------

    def open_issuance(self) -> None:
        from client.ui.issuance_dialog import IssuanceDialog

        if self.current_summary is None:
            self.show_message(self.tr("先に住民を選んでください。"), error=True)
            return
        tax_years: tuple[int, ...] = ()
        if self.current_detail is not None and self.current_detail.resident.atena_no == self.current_summary.atena_no:
            subject, household = self.current_detail.resident, self.current_detail.household
            tax_years = self.current_detail.tax_years
        else:
            subject, household = self.current_summary.as_resident(), ()
        dialog = IssuanceDialog(self.service, self.taskman, subject, household, printer=self.printer,
                                previewer=self.previewer, tax_years=tax_years, parent=self)
        dialog.issued.connect(lambda outcome: self.show_message(
            self.tr("交付しました: {n}").format(n=", ".join(c.issue_number for c in outcome.certificates))
        ))
        dialog.not_printed.connect(lambda outcome: self.show_message(
            self.tr("未印刷(まだ交付していません): {n} — 交付履歴(F6)から印刷できます").format(
                n=", ".join(c.issue_number for c in outcome.certificates)), error=True))
        self.issuance_dialog = dialog
        dialog.open()

    def open_printer_settings(self) -> None:
        """This terminal's printer and the printer id in the 発行番号 (printer.json in MADOGUCHI_HOME)."""
        import os

        from client.lifecycle.config import default_home
        from client.ui.printing_dialog import PrinterSettingsDialog

        dialog = PrinterSettingsDialog(default_home(os.environ), parent=self)
        self.printer_dialog = dialog
        dialog.open()

    def open_card(self) -> None:
        """マイナンバーカード: identify the person at the counter, pre-fill the 交付請求書 (client/ui/card_dialog)."""
        from client.ui.card_dialog import CardDialog

        if self.card_reader is None:
            self.show_message(self.tr("カードリーダーが設定されていません(システム担当者に連絡してください)。"), error=True)
            return
        selected = self.current_detail.resident if self.current_detail is not None else None
        dialog = CardDialog(self.service, self.taskman, self.card_reader, selected=selected,
                            printer=self.printer, previewer=self.previewer, parent=self)
        dialog.identified.connect(self._card_identified)
        self.card_dialog = dialog
        dialog.open()

    def _card_identified(self, handoff: Any) -> None:
        from client.ui.card_dialog import apply_handoff
        from client.ui.issuance_dialog import IssuanceDialog

        def opened(detail: ResidentDetail) -> None:
            dialog = IssuanceDialog(self.service, self.taskman, detail.resident, detail.household,
                                    printer=self.printer, previewer=self.previewer, tax_years=detail.tax_years,
                                    parent=self)
            apply_handoff(dialog, handoff)
            dialog.issued.connect(lambda outcome: self.show_message(
                self.tr("交付しました: {n}").format(n=", ".join(c.issue_number for c in outcome.certificates))
            ))
            self.issuance_dialog = dialog
            dialog.open()

        (load_resident(self, handoff.subject_atena_no).success(opened)
         .failure(lambda failure: self.show_message(failure.message, error=True)).run())

    def open_history(self) -> None:
        from client.ui.history_dialog import HistoryDialog

        atena = self.current_summary.atena_no if self.current_summary else None
        dialog = HistoryDialog(self.service, self.taskman, atena_no=atena, printer=self.printer, parent=self)
        self.history_dialog = dialog
        dialog.open()

    def open_conflicts(self) -> None:
        """BCP照合結果の確認 (supervisor; a clerk is asked for a supervisor's approval first)."""
        from client.ui.conflict_dialog import ConflictDialog

        dialog = ConflictDialog(self.service, self.taskman, parent=self)
        self.conflict_dialog = dialog
        dialog.open()

    def open_emergency_hold(self) -> None:
        """緊急抑止 / 仮支援措置 for the selected person (BCP mode, supervisor; client/ui/hold_dialog)."""
        from client.ui.hold_dialog import EmergencyHoldDialog

        if self.current_summary is None:
            self.show_message(self.tr("先に住民を選んでください。"), error=True)
            return
        if self.service.mode != "bcp":
            self.show_message(self.tr("緊急措置はBCPモード中のみ記録できます。オンライン中はデータセンターで"
                                      "抑止・支援措置を登録してください。"), error=True)
            return
        summary = self.current_summary
        dialog = EmergencyHoldDialog(self.service, self.taskman, summary.atena_no, summary.name, parent=self)
        dialog.recorded.connect(lambda hold: self.show_message(self.hold_recorded_text(hold)))
        self.hold_dialog = dialog
        dialog.open()

    def hold_recorded_text(self, hold: Any) -> str:
        text = self.tr("{kind}を記録しました(宛名番号 {atena})。この端末で適用中です。").format(
            kind=self.tr(hold.kind_ja), atena=hold.atena_no)
        if hold.reached:
            text += self.tr(" 送信済みの端末: {ids}。").format(ids="、".join(hold.reached))
        if hold.unreachable:
            text += self.tr(" 届かなかった端末: {ids}(接続時に自動で送られます)。").format(ids="、".join(hold.unreachable))
        return text

    def open_hold_proposals(self) -> None:
        """緊急措置の確定: the proposals the holds became at the data centre (supervisor, online)."""
        from client.ui.hold_dialog import HoldProposalDialog

        dialog = HoldProposalDialog(self.service, self.taskman, parent=self)
        self.hold_proposal_dialog = dialog
        dialog.open()

    def open_day_close(self) -> None:
        from client.ui.day_close_dialog import DayCloseDialog

        dialog = DayCloseDialog(self.service, self.taskman, parent=self)
        self.day_close_dialog = dialog
        dialog.open()
