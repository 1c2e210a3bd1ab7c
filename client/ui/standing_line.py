"""The terminal's own standing under the mode banner (issue 15): enrolled, its signing key, the
replica wrapping-key lease (valid until, days left) and revoked.

Fed by ``update_standing(standing)`` with the plain dict of ``TerminalRuntime.standing()``
(through ``StandingBridge``, from any thread). The days left are counted here with the window's
clock, so the warning appears as the expiry approaches even when nothing is published: a
warning (the banner's amber) ``warn_days`` before the lease ends, critical (the banner's red)
once the replica can no longer be opened, and when the data centre revoked the terminal.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel, QWidget

from client.ui.mode_banner import _STYLES as BANNER_STYLES
from client.ui.qt_signals import emit

LEVEL_STYLES = {  # the mode banner's own colours
    "ok": BANNER_STYLES["online"],
    "warn": BANNER_STYLES["secondary"],
    "critical": BANNER_STYLES["bcp"],
}
DEFAULT_WARN_DAYS = 3


def _parse(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


class StandingLine(QLabel):
    """One line, hidden until an enrolled terminal publishes its standing."""

    def __init__(self, parent: QWidget | None = None, *, clock: Callable[[], datetime] | None = None) -> None:
        super().__init__(parent)
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.setObjectName("standingLine")
        self.setWordWrap(True)
        self.setContentsMargins(10, 2, 10, 2)
        self.standing: dict[str, Any] | None = None
        self.level = "ok"
        self.days_left: float | None = None
        self.hide()
        self._timer = QTimer(self)  # the lease runs out while nothing is published
        self._timer.setInterval(60_000)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.LanguageChange:
            self.refresh()
        super().changeEvent(event)

    def update_standing(self, standing: object) -> None:
        previous = self.standing or {}
        self.standing = dict(standing) if isinstance(standing, dict) else None
        if self.standing is not None and not self.standing.get("terminal_id"):  # wiped: the enrolment is gone
            self.standing["terminal_id"] = previous.get("terminal_id")
        self.refresh()

    def refresh(self) -> None:
        s = self.standing
        if s is None:
            self.hide()
            return
        self.level, text = self.describe(s)
        bg, fg = LEVEL_STYLES[self.level]
        weight = "bold" if self.level != "ok" else "normal"
        self.setStyleSheet(f"#standingLine {{ background: {bg}; color: {fg}; font-weight: {weight}; }}")
        self.setText(text)
        self.setAccessibleName(self.tr("端末の状態"))
        self.setAccessibleDescription(text)
        self.show()

    def describe(self, s: dict[str, Any]) -> tuple[str, str]:
        """(level, text) for the standing at the window's clock."""
        terminal = str(s.get("terminal_id") or "-")
        if s.get("revoked"):
            when = _parse(s.get("revoked_at"))
            at = when.astimezone().strftime("%Y/%m/%d %H:%M") if when else self.tr("不明")
            if s.get("wiped"):
                return "critical", self.tr(
                    "端末 {terminal}: 利用停止(失効 {at}) — 住民データ(複製)と鍵は消去されました。"
                    "この端末で窓口業務は行えません。").format(terminal=terminal, at=at)
            return "critical", self.tr(
                "端末 {terminal}: 利用停止(失効 {at}) — 住民データ(複製)は閉じられました。"
                "この端末で窓口業務は行えません。").format(terminal=terminal, at=at)
        if not s.get("enrolled"):
            return "critical", self.tr("この端末は登録されていません。")
        tk = s.get("terminal_key") or {}
        key = self.tr("署名鍵 有効期限なし") if tk.get("present") else self.tr("署名鍵なし")
        head = self.tr("端末 {terminal} 登録済み・{key}").format(terminal=terminal, key=key)
        if not tk.get("present"):
            return "critical", head + " — " + self.tr("端末の署名鍵がありません。システム管理者に連絡してください。")
        wk = s.get("wrapping_key") or {}
        until = _parse(wk.get("valid_until")) if wk.get("present") else None
        if until is None:
            self.days_left = None
            return "critical", head + " — " + self.tr(
                "住民データ(複製)の鍵の利用期限が切れているため、複製を開けません(BCPモードでの交付はできません)。"
                "データセンターに接続すると更新されます。未送信の交付記録は保持されています。")
        left = (until - self.clock()).total_seconds() / 86400
        self.days_left = left
        shown = until.astimezone().strftime("%Y/%m/%d %H:%M")
        if left <= 0:
            return "critical", head + " — " + self.tr(
                "住民データ(複製)の鍵の利用期限({until})が過ぎたため、複製を開けません"
                "(BCPモードでの交付はできません)。データセンターに接続すると更新されます。"
                "未送信の交付記録は保持されています。").format(until=shown)
        lease = self.tr("複製の鍵 {until} まで(残り {days} 日)").format(until=shown, days=f"{left:.1f}")
        warn_days = float(s.get("warn_days") or DEFAULT_WARN_DAYS)
        if left < warn_days:
            return "warn", head + "・" + lease + " — " + self.tr(
                "期限を過ぎると住民データ(複製)を開けなくなります。データセンターに接続してください。")
        return "ok", head + "・" + lease


class StandingBridge(QObject):
    """Thread-safe entry for the standing and the wipe report; re-emitted on the GUI thread."""

    standing_changed = Signal(object)
    wiped = Signal(object)  # client.continuity.wipe.WipeReport

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.last: dict[str, Any] | None = None  # replayed to a window that opens later
        self.last_wipe: Any = None

    def publish(self, standing: dict[str, Any]) -> None:
        self.last = dict(standing)
        emit(self.standing_changed, self.last)

    def announce_wipe(self, report: Any) -> None:
        self.last_wipe = report
        emit(self.wiped, report)
