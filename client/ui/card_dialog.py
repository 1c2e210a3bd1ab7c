"""The マイナンバーカード at the counter: read the card, show who it is, pre-fill the 交付請求書.

The dialog draws a ``CardSession`` (client/card, Qt-free) and a ``SheetForm``; card I/O and the
register lookup run on the task manager's pool, never on the GUI thread. Every failure clears
what was read (photo included) and says plainly what to do; nothing is recorded until the clerk
takes the identification to the issuance dialog, and then only labels of what was checked.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from client.card.errors import CardError, PinLockedError, PinTryRefusedError, WrongPinError
from client.card.identification import CardSession, IdentityCheck, identity_check
from client.card.matching import SEX_JA, CardMatch, MatchStatus
from client.card.reader import CardFace, CardText, MyNumberCardReader
from client.card.sheet_form import SheetForm
from client.domain.model import CertificateType, RequesterKind, Resident
from client.services.counter import CounterService
from client.ui.card_sheet import PdfPreviewer, PdfPrinter, RequestSheetSection, apply_handoff
from client.ui.qt_signals import emit
from client.ui.taskman import TaskManager, describe_error

log = logging.getLogger(__name__)

ReaderFactory = Callable[[], MyNumberCardReader]


def _pixmap(data: bytes, width: int) -> QPixmap | None:
    image = QImage.fromData(data)
    if image.isNull():
        return None
    return QPixmap.fromImage(image).scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)


class CardDialog(RequestSheetSection):
    face_read = Signal(object)  # CardFace
    text_read = Signal(object)  # CardText
    matched = Signal(object)  # CardMatch
    identified = Signal(object)  # CardHandoff (the clerk takes the identification to the issuance)
    failed = Signal(str)  # Japanese message

    def __init__(
        self,
        service: CounterService,
        taskman: TaskManager,
        reader_factory: ReaderFactory,
        *,
        selected: Resident | None = None,
        printer: PdfPrinter | None = None,
        previewer: PdfPreviewer | None = None,
        out_dir: Path | None = None,
        clock: Callable[[], datetime] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.taskman = taskman
        self.reader_factory = reader_factory
        self.selected = selected
        self.printer = printer
        self.previewer = previewer
        self.out_dir = out_dir or Path(service.out_dir) / "request-sheets"
        self.clock = clock or datetime.now
        self.session: CardSession | None = None
        self.sheet_form: SheetForm | None = None
        self.identity: IdentityCheck | None = None
        self.sheet_path: Path | None = None
        self._busy = False
        self.setObjectName("cardDialog")
        self.setWindowTitle(self.tr("マイナンバーカードによる本人確認"))
        self.setMinimumWidth(760)

        self.message_label = QLabel(self)
        self.message_label.setObjectName("cardMessage")
        self.message_label.setWordWrap(True)

        # 1. 券面事項確認AP
        face_box = QGroupBox(self.tr("1. 券面の確認(照合番号B: 生年月日6桁+有効期限の年4桁+セキュリティコード4桁)"), self)
        self.pin_b_edit = QLineEdit(face_box)
        self.pin_b_edit.setObjectName("pinBEdit")
        self.pin_b_edit.setMaxLength(14)
        self.pin_b_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin_b_edit.setAccessibleName(self.tr("照合番号B"))
        self.pin_b_edit.returnPressed.connect(self.read_face)
        self.read_face_button = QPushButton(self.tr("券面を読み取る"), face_box)
        self.read_face_button.setObjectName("readFaceButton")
        self.read_face_button.clicked.connect(self.read_face)
        self.photo_label = QLabel(face_box)
        self.photo_label.setObjectName("photoLabel")
        self.photo_label.setFixedSize(130, 170)
        self.photo_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.name_image_label = QLabel(face_box)
        self.address_image_label = QLabel(face_box)
        self.face_info_label = QLabel(face_box)
        self.face_info_label.setObjectName("faceInfo")
        self.photo_check = QCheckBox(self.tr("顔写真と窓口の方が同一人物であることを確認した"), face_box)
        self.photo_check.setObjectName("photoCheck")
        self.photo_check.toggled.connect(lambda _on: self._sync())
        grid = QGridLayout(face_box)
        row = QHBoxLayout()
        row.addWidget(self.pin_b_edit, 1)
        row.addWidget(self.read_face_button)
        grid.addLayout(row, 0, 0, 1, 2)
        grid.addWidget(self.photo_label, 1, 0, 3, 1)
        grid.addWidget(self.name_image_label, 1, 1)
        grid.addWidget(self.address_image_label, 2, 1)
        grid.addWidget(self.face_info_label, 3, 1)
        grid.addWidget(self.photo_check, 4, 0, 1, 2)

        # 2. 券面事項入力補助AP
        text_box = QGroupBox(self.tr("2. 4情報の読取(暗証番号4桁: 住民の方が入力)"), self)
        self.pin_edit = QLineEdit(text_box)
        self.pin_edit.setObjectName("pinEdit")
        self.pin_edit.setMaxLength(4)
        self.pin_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin_edit.setAccessibleName(self.tr("暗証番号"))
        self.pin_edit.returnPressed.connect(self.read_text)
        self.read_text_button = QPushButton(self.tr("4情報を読み取る"), text_box)
        self.read_text_button.setObjectName("readTextButton")
        self.read_text_button.clicked.connect(self.read_text)
        self.tries_label = QLabel(text_box)
        self.tries_label.setObjectName("triesLabel")
        trow = QHBoxLayout(text_box)
        trow.addWidget(self.pin_edit, 1)
        trow.addWidget(self.read_text_button)
        trow.addWidget(self.tries_label, 1)

        # 3. 照合
        match_box = QGroupBox(self.tr("3. 住民記録との照合"), self)
        self.match_label = QLabel(match_box)
        self.match_label.setObjectName("matchLabel")
        self.match_label.setWordWrap(True)
        self.checks_table = QTableWidget(0, 4, match_box)
        self.checks_table.setObjectName("checksTable")
        self.checks_table.setHorizontalHeaderLabels([self.tr("項目"), self.tr("カード"), self.tr("住民記録"), self.tr("結果")])
        self.checks_table.horizontalHeader().setStretchLastSection(True)
        self.checks_table.verticalHeader().setVisible(False)
        self.checks_table.setMaximumHeight(150)
        self.mismatch_check = QCheckBox(self.tr("不一致の内容を確認し、窓口の方が本人であると判断した"), match_box)
        self.mismatch_check.setObjectName("mismatchCheck")
        self.mismatch_check.toggled.connect(lambda _on: self._sync())
        mlay = QVBoxLayout(match_box)
        mlay.addWidget(self.match_label)
        mlay.addWidget(self.checks_table)
        mlay.addWidget(self.mismatch_check)

        self._build_sheet_box()  # 4. 交付請求書

        self.show_sheet_button = QPushButton(self.tr("請求書を表示"), self)
        self.show_sheet_button.setObjectName("showSheetButton")
        self.show_sheet_button.clicked.connect(lambda: self.make_sheet(print_it=False))
        self.print_sheet_button = QPushButton(self.tr("請求書を印刷"), self)
        self.print_sheet_button.setObjectName("printSheetButton")
        self.print_sheet_button.clicked.connect(lambda: self.make_sheet(print_it=True))
        self.issue_button = QPushButton(self.tr("本人確認を記録して交付へ"), self)
        self.issue_button.setObjectName("toIssuanceButton")
        self.issue_button.clicked.connect(self.accept_identity)
        close = QPushButton(self.tr("閉じる"), self)
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.show_sheet_button)
        buttons.addWidget(self.print_sheet_button)
        buttons.addStretch(1)
        buttons.addWidget(self.issue_button)
        buttons.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addWidget(self.message_label)
        layout.addWidget(face_box)
        layout.addWidget(text_box)
        layout.addWidget(match_box)
        layout.addWidget(self.sheet_box)
        layout.addLayout(buttons)
        self._clear()
        self._say(self.tr("カードをリーダーに置き、カード券面の照合番号Bを入力してください。"))

    def done(self, result: int) -> None:
        """Closing forgets the card: photo, face images and 4情報 leave memory with the dialog."""
        identity = self.identity  # labels only; kept for the caller
        self._clear()
        self.session = None
        self.identity = identity
        super().done(result)

    # -- drawing ----------------------------------------------------------------------------------

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message_label.setStyleSheet("color: #b00020;" if error else "color: #333;")
        self.message_label.setText(text)

    def _clear(self) -> None:
        """Forget everything read from the card (on any failure and at the start)."""
        if self.session is not None:
            self.session.reset()
        self.sheet_form = None
        self.identity = None
        self.photo_label.clear()
        self.photo_label.setText(self.tr("(顔写真)"))
        self.name_image_label.clear()
        self.address_image_label.clear()
        self.face_info_label.clear()
        self.photo_check.setChecked(False)
        self.pin_edit.clear()
        self.tries_label.clear()
        self.match_label.clear()
        self.checks_table.setRowCount(0)
        self.mismatch_check.setChecked(False)
        self._sync()

    def _sync(self) -> None:
        s = self.session
        face = s is not None and s.face is not None
        match = s.match if s is not None else None
        self.read_face_button.setEnabled(not self._busy)
        self.read_text_button.setEnabled(not self._busy and face)
        self.pin_edit.setEnabled(not self._busy and face)
        self.photo_check.setEnabled(face)
        self.mismatch_check.setVisible(match is not None and match.status is MatchStatus.MISMATCH)
        ready = self.sheet_form is not None and not self._busy
        self.sheet_box.setEnabled(ready)
        self.show_sheet_button.setEnabled(ready)
        self.print_sheet_button.setEnabled(ready)
        self.issue_button.setEnabled(ready and self._identity_ok())
        kind = RequesterKind(self.kind_combo.currentData())
        needs_purpose = kind in (RequesterKind.THIRD_PARTY, RequesterKind.PROFESSIONAL)
        for widget, visible in ((self.purpose_edit, needs_purpose), (self.submit_to_edit, needs_purpose),
                                (self.qualification_edit, kind is RequesterKind.PROFESSIONAL),
                                (self.poa_check, kind is RequesterKind.AGENT)):
            self._sheet_form_layout.setRowVisible(widget, visible)

    def _identity_ok(self) -> bool:
        s = self.session
        if s is None or s.match is None or s.match.resident is None or not self.photo_check.isChecked():
            return False
        return s.match.status is MatchStatus.MATCHED or self.mismatch_check.isChecked()

    def _fail(self, exc: BaseException, *, keep_face: bool = False) -> None:
        """Say what went wrong; forget what was read (the face may stay for another PIN try)."""
        self._busy = False
        ja, en = describe_error(exc)
        log.warning("card: %s", en)
        if keep_face and self.session is not None and self.session.face is not None:
            self.session.text = self.session.match = None
            self.sheet_form = None
            self.pin_edit.clear()
            self.match_label.clear()
            self.checks_table.setRowCount(0)
            self._sync()
        else:
            self._clear()
        self._say(ja, error=True)
        emit(self.failed, ja)

    # -- step 1: the face ---------------------------------------------------------------------------

    def _reader(self) -> MyNumberCardReader:
        return self.reader_factory()

    def read_face(self) -> None:
        if self._busy:
            return
        pin_b = self.pin_b_edit.text().strip()
        self._clear()
        self._busy = True
        self._sync()
        self._say(self.tr("カードを読み取っています…"))

        def work() -> tuple[CardSession, CardFace, int]:
            session = CardSession(self._reader())
            session.reader.pin_b_tries()  # locked → PinLockedError before anything is typed in
            face = session.read_face(pin_b)
            return session, face, session.reader.pin_tries()

        self.taskman.run_network(work, self._face_done, self._fail)

    def _face_done(self, result: tuple[CardSession, CardFace, int]) -> None:
        self._busy = False
        self.session, face, tries = result
        self.pin_b_edit.clear()
        photo = _pixmap(face.photo, 120)
        if photo is not None:
            self.photo_label.setPixmap(photo)
        else:
            self.photo_label.setText(self.tr("顔写真を表示できません(画像形式)"))
        for label, data, width in ((self.name_image_label, face.name_image, 300),
                                   (self.address_image_label, face.address_image, 420)):
            pix = _pixmap(data, width)
            if pix is not None:
                label.setPixmap(pix)
        self.face_info_label.setText(
            self.tr("生年月日 {birth}　性別 {sex}　有効期限 {expiry}　署名 検証済").format(
                birth=face.birth.isoformat(), sex=SEX_JA.get(face.sex, face.sex), expiry=face.expiry.isoformat()))
        self._show_tries(tries)
        self._sync()
        self._say(self.tr("券面を確認しました。顔写真とご本人を見比べてください。次に住民の方に暗証番号を入力していただきます。"))
        self.pin_edit.setFocus()
        emit(self.face_read, face)

    def _show_tries(self, tries: int) -> None:
        self.tries_label.setText(self.tr("暗証番号の残り回数: {n}回").format(n=tries))
        if tries <= 1:
            self.tries_label.setStyleSheet("color: #b00020;")
            self.tries_label.setText(self.tries_label.text() + self.tr("(この端末では照合しません)"))
        else:
            self.tries_label.setStyleSheet("")

    # -- step 2: the text 4情報 and step 3: matching -------------------------------------------------

    def read_text(self) -> None:
        session = self.session
        if self._busy or session is None or session.face is None:
            return
        pin = self.pin_edit.text()
        self.pin_edit.clear()
        self._busy = True
        self._sync()
        self._say(self.tr("4情報を読み取り、住民記録と照合しています…"))
        service = self.service

        def work() -> tuple[CardText, CardMatch]:
            text = session.read_text(pin)
            return text, session.find(service)

        def failed(exc: BaseException) -> None:
            # a PIN problem or a failed register lookup keeps the face: the resident may try again;
            # anything else about the card (pulled out, signature, …) clears everything
            pin_problem = isinstance(exc, (WrongPinError, PinTryRefusedError, PinLockedError))
            self._fail(exc, keep_face=pin_problem or not isinstance(exc, CardError))
            if isinstance(exc, WrongPinError):
                self._show_tries(exc.tries_left)
            elif isinstance(exc, PinTryRefusedError):
                self._show_tries(1)

        self.taskman.run_network(work, self._text_done, failed)

    def _text_done(self, result: tuple[CardText, CardMatch]) -> None:
        self._busy = False
        text, match = result
        emit(self.text_read, text)
        self.checks_table.setRowCount(len(match.checks))
        for i, c in enumerate(match.checks):
            for j, value in enumerate((c.label, c.card, c.register, self.tr("一致") if c.ok else self.tr("不一致"))):
                item = QTableWidgetItem(value)
                if not c.ok:
                    item.setForeground(Qt.GlobalColor.red)
                self.checks_table.setItem(i, j, item)
        self.checks_table.resizeColumnsToContents()
        self.match_label.setText(match.summary_ja)
        self.match_label.setStyleSheet("" if match.status is MatchStatus.MATCHED else "color: #b00020;")
        holder = match.resident
        if holder is not None:
            self.sheet_form = SheetForm(card=text, holder=holder, subject=self.selected)
            self.cert_checks[CertificateType.JUMINHYO].setChecked(True)
            self._edit_sheet()
            self._say(self.tr("住民記録と照合しました。請求の内容を選び、請求書を表示・印刷してください。"))
        else:
            self._say(match.summary_ja, error=True)
        self._sync()
        emit(self.matched, match)

    # -- step 4: the 交付請求書 (client/ui/card_sheet.py) ---------------------------------------------

    def _current_identity(self) -> IdentityCheck | None:
        s = self.session
        if not self._identity_ok() or s is None or s.face is None or s.text is None or s.match is None:
            return None
        return identity_check(s.face, s.text, s.match, photo_confirmed=True,
                              mismatch_accepted=self.mismatch_check.isChecked())

    def accept_identity(self) -> None:
        handoff = self.handoff()
        if handoff is None:
            self._say(self.tr("顔写真の確認と対象者の選択をしてから交付へ進んでください。"), error=True)
            return
        self.identity = handoff.identity
        emit(self.identified, handoff)
        self.accept()


__all__ = ["CardDialog", "apply_handoff"]  # apply_handoff: where the main window takes it from
