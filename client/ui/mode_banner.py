"""The persistent banner: connection mode, replica as-of time and age, issuances waiting to sync.

Fed by ``update_state(mode, replica_as_of, pending_count, serials_available)`` on the GUI thread;
``ModeBridge`` turns plain events raised on any thread (the connectivity state machine, a BCP
issuance, a scheduled replica pull) into that call. ``serials_available`` is None on a terminal
that is not enrolled (online only).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from client.ui.qt_signals import emit

_STYLES = {
    "online": ("#e6f4ea", "#1e4620"),
    "secondary": ("#fff4d6", "#5c4400"),
    "bcp": ("#fde2e1", "#7a1212"),
    "recovering": ("#e3ecfa", "#123c7a"),
    "drill": ("#ede4f7", "#4a1a7a"),
}


SERIALS_LOW = 50  # below this the banner shows the BCP serials left even online (refill pending)


def _age_text(as_of: datetime, now: datetime) -> str:
    minutes = int((now - as_of).total_seconds() // 60)
    if minutes < 1:
        return "1分未満"
    if minutes < 120:
        return f"{minutes}分"
    hours = minutes // 60
    if hours < 48:
        return f"{hours}時間"
    return f"{hours // 24}日"


class ModeBanner(QWidget):
    mode_changed = Signal(str, str)  # (old, new): the window reacts (frame colour, a notice)

    def __init__(self, parent: QWidget | None = None, *, clock: Callable[[], datetime] | None = None) -> None:
        super().__init__(parent)
        self._clock = clock or (lambda: datetime.now().astimezone())
        self.setObjectName("modeBanner")
        self.setAutoFillBackground(True)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 10, 4)
        self.mode_label = QLabel(self)
        self.mode_label.setObjectName("modeLabel")
        font = self.mode_label.font()
        font.setBold(True)
        self.mode_label.setFont(font)
        self.detail_label = QLabel(self)
        self.detail_label.setObjectName("modeDetail")
        self.serials_label = QLabel(self)
        self.serials_label.setObjectName("serialsLabel")
        self.serials_label.hide()
        self.holds_label = QLabel(self)  # emergency holds in force (issue 18): set_emergency_holds
        self.holds_label.setObjectName("holdsLabel")
        self.holds_label.hide()
        self.confirm_button = QPushButton(self)
        self.confirm_button.setObjectName("confirmBcpButton")
        self.confirm_button.hide()
        layout.addWidget(self.mode_label)
        layout.addWidget(self.confirm_button)
        layout.addStretch(1)
        layout.addWidget(self.holds_label)
        layout.addWidget(self.serials_label)
        layout.addWidget(self.detail_label)
        self.awaiting_confirmation = False
        self.drill = False  # 防災訓練: BCP mode on purpose, 見本 certificates only
        self.mode = "online"
        self.replica_as_of: datetime | None = None
        self.pending_count = 0
        self.serials_available: int | None = None
        self.emergency_holds = 0
        self.setAccessibleName(self.tr("接続状態"))
        self._age_timer = QTimer(self)  # the replica's age keeps growing while nothing is published
        self._age_timer.setInterval(30_000)
        self._age_timer.timeout.connect(self.refresh)
        self._age_timer.start()
        self.update_state("online", None, 0)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.LanguageChange:
            self.refresh()
        super().changeEvent(event)

    def set_drill(self, drill: bool) -> None:
        self.drill = bool(drill)
        self.refresh()

    def mode_text(self, mode: str) -> str:
        if self.drill:
            return self.tr("防災訓練(BCPモードの練習) — 見本のみ・送信されません")
        return {
            "online": self.tr("オンライン(主回線)"),
            "secondary": self.tr("オンライン(副回線)"),
            "bcp": self.tr("BCPモード(縮退運用)"),
            "recovering": self.tr("復旧中(同期しています)"),
            "revoked": self.tr("利用停止 — この端末は使用できません"),  # issue 15 (client/ui/standing_line.py)
        }.get(mode, mode)

    @Slot(str, object, int, object)
    def update_state(self, mode: str, replica_as_of: datetime | None, pending_count: int,
                     serials_available: int | None = None) -> None:
        old = self.mode
        self.mode = str(mode)
        self.replica_as_of = replica_as_of
        self.pending_count = int(pending_count)
        self.serials_available = None if serials_available is None else int(serials_available)
        self.refresh()
        if old != self.mode:
            emit(self.mode_changed, old, self.mode)

    def serials_text(self) -> str:
        """The BCP serials left, when the clerk needs to know (BCP mode, or running low)."""
        n = self.serials_available
        if n is None:
            return ""
        if n <= 0:
            return self.tr("BCP用発行番号なし — BCPモードでは交付できません")
        if self.mode in ("bcp", "recovering") or n < SERIALS_LOW:
            text = self.tr("発行番号 残り {n}").format(n=n)
            return text + (self.tr("(残りわずか)") if n < SERIALS_LOW else "")
        return ""

    @Slot(int)
    def set_emergency_holds(self, count: int) -> None:
        """The emergency 抑止 / 仮支援措置 in force on this terminal (recorded here or by a peer)."""
        self.emergency_holds = max(0, int(count))
        self.refresh()

    def holds_text(self) -> str:
        n = self.emergency_holds
        return self.tr("緊急措置 {n}件 適用中").format(n=n) if n else ""

    @Slot()
    def ask_confirmation(self) -> None:
        """Every line is down and the policy asks a supervisor to declare BCP mode."""
        if self.mode in ("bcp", "recovering"):
            return
        self.awaiting_confirmation = True
        self.refresh()

    def refresh(self) -> None:
        if self.mode in ("bcp", "recovering"):
            self.awaiting_confirmation = False
        bg, fg = _STYLES.get(self.mode, _STYLES["bcp"])
        if self.drill:
            bg, fg = _STYLES["drill"]
        if self.awaiting_confirmation:
            bg, fg = _STYLES["bcp"]
        self.setStyleSheet(f"#modeBanner {{ background: {bg}; }} QLabel {{ color: {fg}; }}")
        text = self.mode_text(self.mode)
        if self.awaiting_confirmation:
            text = self.tr("全回線断 — BCPモードへの移行に係長の確認が必要です")
        self.mode_label.setText(text)
        self.confirm_button.setText(self.tr("F8 BCPへ移行(係長)"))
        self.confirm_button.setAccessibleName(self.tr("BCPモードへ移行する(係長の確認)"))
        self.confirm_button.setVisible(self.awaiting_confirmation)
        parts: list[str] = []
        if self.replica_as_of is not None:
            as_of = self.replica_as_of
            parts.append(
                self.tr("データ時点 {time}(経過 {age})").format(
                    time=as_of.strftime("%m/%d %H:%M"), age=_age_text(as_of, self._clock())
                )
            )
        if self.pending_count or self.mode in ("bcp", "recovering"):
            parts.append(self.tr("未送信 {n}件").format(n=self.pending_count))
        serials = self.serials_text()
        low = self.serials_available is not None and self.serials_available < SERIALS_LOW
        self.serials_label.setStyleSheet(
            "color: white; background: #b00020; font-weight: bold; padding: 2px 6px;" if low else "")
        self.serials_label.setText(serials)
        self.serials_label.setVisible(bool(serials))
        self.detail_label.setText("  ".join(parts))
        holds = self.holds_text()
        self.holds_label.setStyleSheet("color: white; background: #7a1212; font-weight: bold; padding: 2px 6px;")
        self.holds_label.setText(holds)
        self.holds_label.setVisible(bool(holds))
        self.setAccessibleDescription(
            f"{self.mode_label.text()} {self.detail_label.text()} {serials} {holds}".strip())


class ModeBridge(QObject):
    """Thread-safe entry for plain-Python mode events; re-emits them on the GUI thread."""

    state_changed = Signal(str, object, int, object)
    confirmation_needed = Signal()
    synced_back = Signal(int, int)  # (issuances sent, conflicts waiting for a supervisor)
    holds_changed = Signal(int)  # emergency holds in force on this terminal (issue 18)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # replayed to a banner that connects later
        self.last: tuple[str, datetime | None, int, int | None] | None = None
        self.last_holds: int | None = None

    def publish(self, mode: str, replica_as_of: datetime | None = None, pending_count: int = 0,
                serials_available: int | None = None) -> None:
        """Callable from any thread (a Qt signal crosses threads as a queued call)."""
        self.last = (str(getattr(mode, "value", mode)), replica_as_of, int(pending_count),
                     None if serials_available is None else int(serials_available))
        emit(self.state_changed, *self.last)

    def publish_holds(self, count: int) -> None:
        """Thread-safe: the emergency holds in force here (a peer's hold arrives on its server thread)."""
        self.last_holds = int(count)
        emit(self.holds_changed, self.last_holds)

    def sync_back_done(self, pushed: int, conflicts: int) -> None:
        """Thread-safe: a sync back finished (the recovery notice says what was sent and what waits)."""
        emit(self.synced_back, int(pushed), int(conflicts))

    def ask_confirmation(self) -> None:
        """Thread-safe: the connectivity machine waits for a supervisor to declare BCP mode."""
        emit(self.confirmation_needed)

    def on_event(self, event: object) -> None:
        """A listener for the connectivity machine: uses ``event.new`` (the new mode) if present."""
        new = getattr(event, "new", None)
        if new is not None:
            self.publish(str(getattr(new, "value", new)))


def connect_banner(bridge: ModeBridge, banner: ModeBanner) -> None:
    bridge.state_changed.connect(banner.update_state, Qt.ConnectionType.QueuedConnection)
    bridge.confirmation_needed.connect(banner.ask_confirmation, Qt.ConnectionType.QueuedConnection)
    bridge.holds_changed.connect(banner.set_emergency_holds, Qt.ConnectionType.QueuedConnection)
    if bridge.last is not None:
        banner.update_state(*bridge.last)
    if bridge.last_holds is not None:
        banner.set_emergency_holds(bridge.last_holds)
