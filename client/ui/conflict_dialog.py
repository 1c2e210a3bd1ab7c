"""BCP照合結果の確認 (supervisor): conflicts the server found when BCP issuances were synced back.

The list shows each conflict (宛名番号, 氏名, 区分, 登録日時, 状態); the detail puts both sides next to
each other — what the terminal printed in BCP mode (names, address, data as-of) and the server's
decision (reasons, differences). The supervisor records 問題なし / 回収要 / その他 (note required).
A clerk gets the supervisor prompt first. Every network call runs on the task manager.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QPlainTextEdit, QRadioButton, QSplitter, QWidget

from client.services.conflicts import OUTCOME_LABELS, BcpConflict, check_resolution
from client.services.counter import CounterService, SupervisorGrant
from client.services.errors import ClerkError
from client.ui.review_dialog import ReviewDialog, when_text
from client.ui.taskman import TaskManager

_STATUS_FILTERS = (("open", "未処理"), ("resolved", "処理済"), ("all", "すべて"))


_when = when_text


def bcp_side_text(c: BcpConflict) -> str:
    """What the terminal printed in BCP mode."""
    lines = ["【BCPで交付した内容】"]
    content = c.bcp_content
    if content is None:
        lines.append("(記載内容の記録がありません)")
    else:
        lines += [
            f"証明書: {content.title}",
            f"発行番号: {'、'.join(c.bcp_issue_numbers) or '(記録なし)'}",
            f"交付日時: {_when(content.issued_at)}",
            f"住所: {content.address}{(' ' + content.katagaki) if content.katagaki else ''}",
            "記載者:",
        ]
        lines += [f"　{p.name}({p.kana}) {p.birth_text} 宛名番号 {p.atena_no}" for p in content.persons]
    lines.append(f"データ基準時刻: {_when(c.bcp_data_as_of) or '不明'}")
    lines += ["", "この交付は、その時点の複製データでは交付できるものでした。照合結果は、データセンターで"
              "その後に分かった記録との突き合わせで、職員の誤りを示すものではありません。"]
    return "\n".join(lines)


def server_side_text(c: BcpConflict) -> str:
    """The server's decision as of the issue time, and where the printed content differs."""
    lines = ["【サーバーの判定(発行時点)】", f"判定: {c.server_outcome_ja}", "理由:"]
    lines += [f"　・{r.message_ja or r.code}" for r in c.server_reasons] or ["　(なし)"]
    lines.append("記載内容の相違:")
    lines += [
        f"　・{d.field_ja}{(' (' + d.atena_no + ')') if d.atena_no else ''}: "
        f"BCP「{d.show(d.bcp)}」 / サーバー「{d.show(d.server)}」"
        for d in c.differences
    ] or ["　(なし)"]
    if not c.is_open:
        lines += ["", f"処理結果: {c.outcome_ja}({c.resolved_by} {_when(c.resolved_at)})"]
        if c.note:
            lines.append(f"記入内容: {c.note}")
    return "\n".join(lines)


class ConflictDialog(ReviewDialog):
    resolved = Signal(object)  # BcpConflict

    COLUMNS = ("宛名番号", "氏名", "区分", "登録日時", "状態")

    def __init__(
        self,
        service: CounterService,
        taskman: TaskManager,
        *,
        grant: SupervisorGrant | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            service, taskman, grant=grant, parent=parent, name="conflict", filters=_STATUS_FILTERS,
            decisions=tuple(OUTCOME_LABELS.items()), decision_prefix="conflictOutcome", detail_stretch=3,
            log_label="conflict review",
        )
        self.setObjectName("conflictDialog")
        self.setWindowTitle(self.tr("BCP照合結果の確認(係長)"))
        self.resize(980, 680)
        self.status_combo.setAccessibleName(self.tr("表示する照合結果"))
        self.table.setAccessibleName(self.tr("照合で見つかった競合の一覧"))
        self.choice_box.setTitle(self.tr("処理結果"))
        self.note_edit.setAccessibleName(self.tr("処理内容の記入(「その他」は必須)"))
        self.note_edit.setPlaceholderText(self.tr("処理内容(「その他」の場合は必須)"))
        self.record_button.setObjectName("conflictResolveButton")
        self.record_button.setAccessibleName(self.tr("処理結果を記録"))
        self.resolve_button = self.record_button
        self.outcome_group = self.choice_group
        self.outcome_buttons: dict[str, QRadioButton] = self.choice_buttons

    def make_detail(self) -> QWidget:
        sides = QSplitter(self)
        self.bcp_view = QPlainTextEdit(self)
        self.bcp_view.setObjectName("conflictBcpSide")
        self.bcp_view.setAccessibleName(self.tr("BCPで交付した内容"))
        self.bcp_view.setReadOnly(True)
        self.server_view = QPlainTextEdit(self)
        self.server_view.setObjectName("conflictServerSide")
        self.server_view.setAccessibleName(self.tr("サーバーの判定"))
        self.server_view.setReadOnly(True)
        sides.addWidget(self.bcp_view)
        sides.addWidget(self.server_view)
        return sides

    @property
    def conflicts(self) -> list[BcpConflict]:
        return self.rows

    @property
    def outcome(self) -> str:
        return self.choice

    def supervisor_texts(self) -> tuple[str, str, str]:
        return (self.tr("BCP照合結果の確認"),
                self.tr("BCPモードで交付した証明書の照合結果を確認します。係長の承認が必要です。"),
                self.tr("BCP照合結果の確認"))

    def fetch(self, status: str, grant: SupervisorGrant | None) -> list[BcpConflict]:
        return self.service.list_conflicts(status, grant)

    def row_texts(self, c: BcpConflict) -> tuple[str, ...]:
        return (c.subject_atena_no, c.subject_name, "・".join(c.codes_ja), _when(c.created_at), c.status_ja)

    def empty_text(self) -> str:
        return self.tr("該当する照合結果はありません。")

    def show_item(self, c: BcpConflict | None) -> None:
        self.bcp_view.setPlainText(bcp_side_text(c) if c is not None else "")
        self.server_view.setPlainText(server_side_text(c) if c is not None else "")

    def is_open(self, c: BcpConflict) -> bool:
        return c.is_open

    # -- resolve -------------------------------------------------------------------------------------

    def record_selected(self) -> None:
        c = self.selected()
        if c is None or not c.is_open:
            self.message_label.setText(self.tr("処理する照合結果を選んでください。"))
            return
        outcome, note = self.outcome, self.note_edit.toPlainText()
        try:
            note = check_resolution(outcome, note)
        except ClerkError as exc:
            self.message_label.setText(exc.message_ja)
            (self.note_edit if outcome == "other" else self.outcome_buttons["no_problem"]).setFocus()
            return
        grant = self.grant

        def done(resolved: BcpConflict) -> str:
            return self.tr("{atena} を「{outcome}」として記録しました。").format(
                atena=resolved.subject_atena_no, outcome=resolved.outcome_ja)

        self._record(lambda: self.service.resolve_conflict(c.id, outcome, note, grant), done, self.resolved)
