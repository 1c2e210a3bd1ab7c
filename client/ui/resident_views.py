"""Search results table model and the resident detail pane (with the household in standard order)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QFrame,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from client.domain.model import Resident, ResidentStatus
from client.services.counter import JST
from client.services.display import STATUS_JA, age_text, birth_text
from client.services.records import ResidentDetail, ResidentSummary

Index = QModelIndex | QPersistentModelIndex


class ResultsModel(QAbstractTableModel):
    COLUMNS = ("氏名", "カナ", "生年月日", "住所", "状態", "宛名番号")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[ResidentSummary] = []

    def set_rows(self, rows: list[ResidentSummary]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return QCoreApplication.translate("ResultsModel", self.COLUMNS[section])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return r.name
            if col == 1:
                return r.kana
            if col == 2:
                return birth_text(r.birth, foreign=r.is_foreign)
            if col == 3:
                return r.address
            if col == 4:
                return QCoreApplication.translate("ResultsModel", r.status_text)
            if col == 5:
                return r.atena_no
        if role == Qt.ItemDataRole.ForegroundRole and col == 4:
            if r.protected or r.suppressions:
                return QColor("#b00020")
            if r.status is not ResidentStatus.RESIDENT:
                return QColor("#7a5c00")
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{r.name} {r.kana} {birth_text(r.birth, foreign=r.is_foreign)} {r.address}"
        return None


class DetailPane(QFrame):
    """The selected resident and the household, or a clear stop for a protected person."""

    HOUSEHOLD_COLUMNS = ("続柄", "氏名", "カナ", "生年月日", "性別", "宛名番号")
    FIELD_LABELS = {
        "name": "氏名", "kana": "カナ", "birth": "生年月日", "sex": "性別", "address": "住所",
        "status": "状態", "atena_no": "宛名番号", "household_no": "世帯番号",
        "honseki": "本籍", "seal": "印鑑登録", "residence": "在留資格・期間",
    }

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("detailPane")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName(self.tr("住民の詳細"))
        self.detail: ResidentDetail | None = None

        self.stop_label = QLabel(self)
        self.stop_label.setObjectName("stopLabel")
        self.stop_label.setWordWrap(True)
        self.stop_label.setStyleSheet(
            "background: #b00020; color: white; font-weight: bold; padding: 8px; border-radius: 4px;"
        )
        self.stop_label.setAccessibleName(self.tr("交付停止"))
        self.stop_label.hide()
        self.warning_label = QLabel(self)
        self.warning_label.setObjectName("warningLabel")
        self.warning_label.setWordWrap(True)
        self.warning_label.setStyleSheet("background: #fff4d6; color: #5c4400; padding: 6px;")
        self.warning_label.hide()

        self.fields: dict[str, QLabel] = {}
        self.captions: dict[str, QLabel] = {}
        form = QFormLayout()
        for key in self.FIELD_LABELS:
            value = QLabel(self)
            value.setObjectName(f"detail_{key}")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(True)
            caption = QLabel(self)
            caption.setBuddy(value)
            form.addRow(caption, value)
            self.fields[key] = value
            self.captions[key] = caption
        self.form = form

        self.household_table = QTableWidget(0, len(self.HOUSEHOLD_COLUMNS), self)
        self.household_table.setObjectName("householdTable")
        self.household_table.setAccessibleName(self.tr("世帯の構成員"))
        self.household_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.household_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.household_table.verticalHeader().setVisible(False)
        self.household_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.household_table.horizontalHeader().setStretchLastSection(True)

        self.household_caption = QLabel(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.stop_label)
        layout.addWidget(self.warning_label)
        layout.addLayout(form)
        layout.addWidget(self.household_caption)
        layout.addWidget(self.household_table, 1)
        self.retranslate()
        self.clear()

    def retranslate(self) -> None:
        for key, source in self.FIELD_LABELS.items():
            text = QCoreApplication.translate("DetailPane", source)
            self.captions[key].setText(text)
            self.fields[key].setAccessibleName(text)
        self.household_table.setHorizontalHeaderLabels(
            [QCoreApplication.translate("DetailPane", c) for c in self.HOUSEHOLD_COLUMNS]
        )
        self.household_caption.setText(self.tr("世帯の構成(記載順)"))
        self.setAccessibleName(self.tr("住民の詳細"))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _show_row(self, key: str, visible: bool) -> None:
        self.form.setRowVisible(self.fields[key], visible)

    def clear(self) -> None:
        self.detail = None
        for label in self.fields.values():
            label.clear()
        self.household_table.setRowCount(0)
        self.stop_label.hide()
        self.warning_label.hide()

    def show_loading(self, summary: ResidentSummary) -> None:
        self.clear()
        self.fields["name"].setText(summary.name)
        self.fields["kana"].setText(summary.kana)
        self.fields["atena_no"].setText(summary.atena_no)

    def show_protected(self, summary: ResidentSummary, message_ja: str) -> None:
        self.show_loading(summary)
        self.stop_label.setText(
            self.tr("支援措置対象者 — 内容は表示されません。") + "\n" + message_ja + "\n"
            + self.tr("請求は F5 で入力し、F8 で支援措置責任者の解除を受けます。")
        )
        self.stop_label.show()

    def show_detail(self, detail: ResidentDetail) -> None:
        self.clear()
        self.detail = detail
        r = detail.resident
        self.fields["name"].setText(r.name + (f"(旧氏 {r.former_surname})" if r.former_surname else ""))
        self.fields["kana"].setText(r.kana)
        age = age_text(r.birth, datetime.now(JST).date())
        self.fields["birth"].setText(birth_text(r.birth, foreign=r.is_foreign) + (f"({age})" if age else ""))
        self.fields["sex"].setText("男" if r.sex.value == "M" else "女")
        self.fields["address"].setText(r.address + (f" {r.katagaki}" if r.katagaki else ""))
        self.fields["status"].setText(STATUS_JA.get(r.status, r.status.value))
        self.fields["atena_no"].setText(r.atena_no)
        self.fields["household_no"].setText(r.household_no)
        self.fields["honseki"].setText(r.honseki + (f"(筆頭者 {r.hittousha})" if r.hittousha else ""))
        self.fields["seal"].setText(self.tr("登録あり") if detail.has_seal else self.tr("登録なし"))
        if r.is_foreign:
            period = f" 満了日 {r.residence_period_end:%Y-%m-%d}" if r.residence_period_end else ""
            self.fields["residence"].setText(f"{r.nationality} {r.residence_status}{period}".strip())
        self._show_row("honseki", bool(r.honseki))
        self._show_row("residence", r.is_foreign)
        if detail.warnings:
            self.warning_label.setText("\n".join(detail.warnings))
            self.warning_label.show()
        self._fill_household(detail.household, r)

    def _fill_household(self, members: tuple[Resident, ...], subject: Resident) -> None:
        self.household_table.setRowCount(len(members))
        for row, m in enumerate(members):
            values = (
                m.relation,
                m.name,
                m.kana,
                birth_text(m.birth, foreign=m.is_foreign),
                "男" if m.sex.value == "M" else "女",
                m.atena_no,
            )
            for col, text in enumerate(values):
                item = QTableWidgetItem(text)
                if m.atena_no == subject.atena_no:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.household_table.setItem(row, col, item)
