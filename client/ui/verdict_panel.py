"""The rule engine's verdict as the clerk sees it: allowed / refused / 支援措置 stop, and the fee."""

from __future__ import annotations

from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from client.domain.model import Decision, Outcome, Reason

_STYLE = {
    "allow": "background: #e6f4ea; color: #1e4620;",
    "deny": "background: #fde2e1; color: #7a1212;",
    "needs_release": "background: #b00020; color: white;",
    "pending": "background: #eeeeee; color: #333333;",
}


def reason_text(reason: Reason) -> str:
    """The reason in the UI language: the server and the rule engine send both (ja, en)."""
    if QLocale().language() == QLocale.Language.English and reason.message_en:
        return reason.message_en
    return reason.message_ja


class VerdictPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.verdict_label = QLabel(self)
        self.verdict_label.setObjectName("verdictLabel")
        self.verdict_label.setWordWrap(True)
        self.verdict_label.setAccessibleName(self.tr("判定"))
        self.verdict_label.setMinimumHeight(56)
        self.fee_label = QLabel(self)
        self.fee_label.setObjectName("feeLabel")
        self.fee_label.setAccessibleName(self.tr("手数料"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.verdict_label)
        layout.addWidget(self.fee_label)

    def _set(self, kind: str, text: str) -> None:
        self.verdict_label.setStyleSheet(f"{_STYLE[kind]} padding: 8px; font-weight: bold;")
        self.verdict_label.setText(text)
        self.verdict_label.setProperty("verdict", kind)

    def show_pending(self) -> None:
        self._set("pending", self.tr("判定しています…"))

    def show_error(self, message_ja: str) -> None:
        self._set("deny", self.tr("判定できません。") + "\n" + message_ja)
        self.fee_label.setText("")

    def show_decision(self, decision: Decision, copies: int) -> None:
        blocking = [reason_text(r) for r in decision.reasons if r.blocking]
        warnings = [reason_text(r) for r in decision.warnings]
        if decision.outcome is Outcome.ALLOW:
            text = self.tr("交付できます。")
            if warnings:
                text += "\n" + "\n".join(f"⚠ {w}" for w in warnings)
            self._set("allow", text)
        elif decision.outcome is Outcome.NEEDS_RELEASE:
            # one state, the reasons, one way forward (not 交付できません beside a release button)
            text = self.tr("停止 — 支援措置の対象者です。")
            text += "\n" + "\n".join(blocking)
            text += "\n" + self.tr("F8: 支援措置責任者が請求者を確認して解除します。")
            self._set("needs_release", text)
        else:
            self._set("deny", self.tr("交付できません。") + "\n" + "\n".join(blocking or warnings))
        if not decision.allowed:
            self.fee_label.setText("")
        elif decision.exemption_reason:
            self.fee_label.setText(self.tr("手数料 免除({reason}) {copies}通").format(
                reason=decision.exemption_reason, copies=copies))
        else:
            self.fee_label.setText(self.tr("手数料 {fee}円({copies}通)").format(
                fee=f"{decision.fee_yen:,}", copies=copies))
