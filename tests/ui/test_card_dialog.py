"""The card dialog driven with real widgets: the emulated card in a real pcscd/vpcd reader, a real server.

Each card case ends with a clear message and nothing recorded wrongly: the 交付履歴 holds
'マイナンバーカード(IC)' and what was checked only after a full, confirmed identification, and
never a photo or a 個人番号.
"""

from __future__ import annotations

import base64
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from sqlalchemy import create_engine, text

from client.card import layout, tlv
from client.card.matching import MatchStatus
from client.card.setup import reader_factory
from client.domain.model import IdentityDocument, Outcome, Resident
from tests.cardsim.card import CardHolder, EmulatedCard, build_card, other_card
from tests.fixtures.counter_server import pick_household_head

WAIT = 15_000
MY_NUMBER = "123456789018"


def _squash(s: str) -> str:
    return "".join(s.split())


def _issuances(db_url: str) -> list[tuple[str, str]]:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT request_json, content_json FROM issuances")).all()
    engine.dispose()
    return [(r[0], r[1]) for r in rows]


def _resident(counter_app: Any, counter_db: str) -> Resident:
    exclude: frozenset[str] = frozenset()
    for _ in range(20):
        picked = pick_household_head(counter_db, min_members=1, exclude=exclude)
        r = counter_app.service.resident(picked.atena_no).resident
        if r.birth.is_complete:
            return r  # type: ignore[no-any-return]
        exclude |= {picked.atena_no}
    raise AssertionError("no resident with a complete birth date")


def _holder(r: Resident, **changes: Any) -> CardHolder:
    values = {"name": r.name, "address": r.address + r.katagaki, "birth": r.birth.as_date(),
              "sex": "1" if r.sex.value == "M" else "2", "expiry": date(2034, 3, 31)}
    values.update(changes)
    return CardHolder(**values)


@pytest.fixture
def window(qtbot: Any, counter_app: Any, card_chain: Any, tmp_path: Path) -> Any:
    counter_app.service.sign_in("clerk1", "clerk1pass")
    roots, inter = card_chain.write(tmp_path / "trust")
    counter_app.card_reader = reader_factory(roots, inter)
    w = counter_app.open_main_window()
    qtbot.addWidget(w)
    return w


def _open(qtbot: Any, window: Any) -> Any:
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT)
    qtbot.keyClick(window, Qt.Key.Key_F3)
    qtbot.waitUntil(lambda: getattr(window, "card_dialog", None) is not None, timeout=WAIT)
    dialog = window.card_dialog
    qtbot.addWidget(dialog)
    return dialog


def _read_face(qtbot: Any, dialog: Any, pin_b: str, *, ok: bool = True) -> None:
    qtbot.keyClicks(dialog.pin_b_edit, pin_b)
    with qtbot.waitSignal(dialog.face_read if ok else dialog.failed, timeout=WAIT):
        dialog.read_face_button.click()


def _read_text(qtbot: Any, dialog: Any, pin: str, *, ok: bool = True) -> None:
    qtbot.keyClicks(dialog.pin_edit, pin)
    with qtbot.waitSignal(dialog.matched if ok else dialog.failed, timeout=WAIT):
        dialog.read_text_button.click()


def test_card_to_issuance_records_the_ic_check(qtbot: Any, counter_app: Any, counter_db: str, window: Any,
                                               card_slot: Any, card_chain: Any) -> None:
    r = _resident(counter_app, counter_db)
    holder = _holder(r)
    card = build_card(holder, card_chain)
    card_slot.insert(card)
    dialog = _open(qtbot, window)
    assert not dialog.read_text_button.isEnabled() and not dialog.print_sheet_button.isEnabled()

    _read_face(qtbot, dialog, holder.pin_b)
    assert dialog.photo_label.pixmap() is not None and not dialog.photo_label.pixmap().isNull()
    assert "残り回数: 3回" in dialog.tries_label.text()
    assert dialog.pin_edit.echoMode() == dialog.pin_edit.EchoMode.Password

    _read_text(qtbot, dialog, "1234")
    match = dialog.session.match
    assert match.status is MatchStatus.MATCHED and match.resident.atena_no == r.atena_no
    assert "一致しました" in dialog.match_label.text()
    assert dialog.checks_table.rowCount() == 4
    assert not dialog.issue_button.isEnabled()  # the photo has not been compared yet
    dialog.photo_check.setChecked(True)
    assert dialog.issue_button.isEnabled()

    # the pre-filled 交付請求書, printed
    dialog.cert_copies[dialog.cert_checks.__iter__().__next__()].setValue(2)
    with qtbot.waitSignal(dialog.sheet_ready, timeout=WAIT, raising=False) as sheet:
        dialog.print_sheet_button.click()
    assert sheet.signal_triggered, dialog.message_label.text()
    path = Path(sheet.args[0])
    assert counter_app.printed.calls[-1] == [path]
    pdf = PdfReader(str(path))
    assert len(pdf.pages) == 1
    sheet_text = _squash(pdf.pages[0].extract_text())
    assert _squash(r.name) in sheet_text and "住民票の写し" in sheet_text and "2通" in sheet_text
    assert "マイナンバーカード(IC)" in sheet_text and MY_NUMBER not in sheet_text

    # to the issuance: the identity combo shows the IC check and is locked
    with qtbot.waitSignal(dialog.identified, timeout=WAIT):
        dialog.issue_button.click()
    assert dialog.session is None and (dialog.photo_label.pixmap() is None or dialog.photo_label.pixmap().isNull())
    qtbot.waitUntil(lambda: getattr(window, "issuance_dialog", None) is not None, timeout=WAIT)
    issuance = window.issuance_dialog
    qtbot.addWidget(issuance)
    assert issuance.form.subject.atena_no == r.atena_no
    assert issuance.identity_combo.currentData() == IdentityDocument.MY_NUMBER_CARD_IC
    assert not issuance.identity_combo.isEnabled()
    assert issuance.copies_spin.value() == 2
    qtbot.waitUntil(lambda: issuance.decision is not None and issuance.issue_button.isEnabled(), timeout=WAIT)
    assert issuance.decision.outcome is Outcome.ALLOW
    with qtbot.waitSignal(issuance.issued, timeout=WAIT):
        issuance.issue()

    rows = _issuances(counter_db)
    assert len(rows) == 1
    request = json.loads(rows[0][0])
    assert request["requester"]["identity_document"] == "my_number_card_ic"
    checks = request["requester"]["identity_checks"]
    assert any("券面事項入力補助AP" in c for c in checks) and "住所:一致" in checks and "顔写真:職員が目視確認" in checks
    stored = rows[0][0] + rows[0][1]
    i = stored.find(MY_NUMBER)
    assert i < 0, stored[max(0, i - 200):i + 50]
    photo = tlv.children(card.files[(layout.VISUAL_AP, layout.VISUAL_EF_ENTRIES)], layout.TAG_ATTRS)[
        layout.TAG_V_PHOTO].value
    assert base64.b64encode(photo).decode()[:40] not in stored and photo.hex()[:40] not in stored  # no photo
    history = counter_app.service.history(atena_no=r.atena_no)
    assert len(history) == 1
    assert history[0].raw["identity_document"] == "my_number_card_ic"
    assert history[0].raw["identity_checks"] == checks


def test_resident_who_moved_needs_the_clerks_confirmation(qtbot: Any, counter_app: Any, counter_db: str,
                                                          window: Any, card_slot: Any, card_chain: Any) -> None:
    r = _resident(counter_app, counter_db)
    holder = _holder(r, address="北海道札幌市中央区北1条西2丁目")
    card_slot.insert(build_card(holder, card_chain))
    dialog = _open(qtbot, window)
    _read_face(qtbot, dialog, holder.pin_b)
    _read_text(qtbot, dialog, "1234")
    assert dialog.session.match.status is MatchStatus.MISMATCH
    assert "転居・転出" in dialog.match_label.text()
    assert dialog.mismatch_check.isVisibleTo(dialog)
    dialog.photo_check.setChecked(True)
    assert not dialog.issue_button.isEnabled()
    dialog.mismatch_check.setChecked(True)
    assert dialog.issue_button.isEnabled()
    assert "住所:不一致(職員確認済)" in dialog.handoff().identity.checks
    assert _issuances(counter_db) == []


def test_foreign_resident_is_matched_by_the_name_on_the_card(qtbot: Any, counter_app: Any, counter_db: str,
                                                             window: Any, card_slot: Any, card_chain: Any) -> None:
    engine = create_engine(counter_db)
    with engine.connect() as conn:
        atenas = [row[0] for row in conn.execute(text(
            "SELECT atena_no FROM residents WHERE municipality_code = '132403' AND is_foreign AND status = 'resident'"
            " AND atena_no NOT IN (SELECT atena_no FROM support_measure_persons) ORDER BY atena_no LIMIT 20"))]
    engine.dispose()
    foreign = None
    for atena in atenas:
        r = counter_app.service.resident(atena).resident
        if r.birth.is_complete:
            foreign = r
            break
    assert foreign is not None and foreign.is_foreign
    holder = _holder(foreign)
    card_slot.insert(build_card(holder, card_chain))
    dialog = _open(qtbot, window)
    _read_face(qtbot, dialog, holder.pin_b)
    _read_text(qtbot, dialog, "1234")
    match = dialog.session.match
    assert match.status is MatchStatus.MATCHED and match.resident.atena_no == foreign.atena_no, match.summary_ja
    dialog.photo_check.setChecked(True)
    with qtbot.waitSignal(dialog.sheet_ready, timeout=WAIT) as sheet:
        dialog.show_sheet_button.click()
    assert counter_app.printed.previews[-1] == Path(sheet.args[0])  # shown, not printed
    sheet_text = _squash(PdfReader(sheet.args[0]).pages[0].extract_text())
    assert _squash(foreign.name) in sheet_text
    assert str(foreign.birth.as_date().year) in sheet_text  # 西暦 for foreign residents
    assert _issuances(counter_db) == []  # a sheet records nothing


@pytest.mark.parametrize("case", ["wrong_pin", "one_try_left", "locked", "expired", "bad_signature", "pulled",
                                  "not_my_number", "wrong_pin_b"])
def test_card_failures_say_what_to_do_and_record_nothing(qtbot: Any, counter_app: Any, counter_db: str,
                                                         window: Any, card_slot: Any, card_chain: Any,
                                                         case: str) -> None:
    r = _resident(counter_app, counter_db)
    holder = _holder(r, expiry=date(2020, 3, 31)) if case == "expired" else _holder(r)
    card: EmulatedCard
    if case == "not_my_number":
        card = other_card()
    else:
        card = build_card(holder, card_chain, pin_tries={"one_try_left": 1, "locked": 0}.get(case, 3),
                          tamper_text=case == "bad_signature")
    if case == "pulled":
        card.pull_after_reads = 4
    card_slot.insert(card)
    dialog = _open(qtbot, window)
    expected = {
        "expired": "有効期限が切れた", "pulled": "外されました", "not_my_number": "マイナンバーカードではありません",
        "locked": "ロックされています", "wrong_pin_b": "残り2回",
    }
    if case in expected:
        _read_face(qtbot, dialog, "00000000000000" if case == "wrong_pin_b" else holder.pin_b, ok=False)
        assert expected[case] in dialog.message_label.text()
        assert dialog.photo_label.pixmap() is None or dialog.photo_label.pixmap().isNull()
        if case == "locked":
            assert "市区町村窓口" in dialog.message_label.text()
    else:
        _read_face(qtbot, dialog, holder.pin_b)
        if case == "one_try_left":
            assert "この端末では照合しません" in dialog.tries_label.text()
        _read_text(qtbot, dialog, "9999" if case == "wrong_pin" else "1234", ok=False)
        message = dialog.message_label.text()
        if case == "wrong_pin":
            assert "残り2回" in message and "残り回数: 2回" in dialog.tries_label.text()
            assert dialog.session.face is not None  # the face stays; the resident may try again
        elif case == "one_try_left":
            assert "残り回数が1回" in message
            assert not any(c.startswith("00200080") and len(c) > 8 and "d392100031000101040" in c for c in card.log)
            assert card.pins[next(k for k in card.pins if k[1] == bytes.fromhex("0011"))].tries == 1
        elif case == "bad_signature":
            assert "偽造・改ざん" in message
            assert dialog.session is None or dialog.session.text is None
    assert dialog.sheet_form is None or case == "wrong_pin"
    assert not dialog.issue_button.isEnabled() and not dialog.print_sheet_button.isEnabled()
    assert counter_app.printed.calls == []
    assert _issuances(counter_db) == []


def test_professional_handoff_fills_the_qualification_combo(qtbot: Any, counter_app: Any, counter_db: str) -> None:
    """A 職務上請求 from the card sheet: its '資格・登録番号' lands in the issuance dialog's 資格 and 登録番号."""
    from client.card.identification import CardHandoff, IdentityCheck
    from client.domain.model import CertificateType, RequesterKind
    from client.ui.card_dialog import apply_handoff
    from client.ui.issuance_dialog import IssuanceDialog

    counter_app.service.sign_in("clerk1", "clerk1pass")
    r = _resident(counter_app, counter_db)
    detail = counter_app.service.resident(r.atena_no)
    identity = IdentityCheck(IdentityDocument.MY_NUMBER_CARD_IC, ("券面事項入力補助AP: 照合済",), "")

    def handoff(qualification: str) -> Any:
        dialog = IssuanceDialog(counter_app.service, counter_app.taskman, detail.resident, detail.household)
        qtbot.addWidget(dialog)
        apply_handoff(dialog, CardHandoff(
            identity=identity, subject_atena_no=r.atena_no, requester_kind=RequesterKind.PROFESSIONAL.value,
            requester_name="法務 一郎", purpose="訴訟 東京地方裁判所", qualification=qualification,
            cert_type=CertificateType.JUMINHYO.value))
        qtbot.waitUntil(lambda: dialog.decision is not None, timeout=WAIT)  # the rules saw the handed-off form
        return dialog

    dialog = handoff("弁護士 第12345号")
    assert RequesterKind(dialog.kind_combo.currentData()) is RequesterKind.PROFESSIONAL
    assert dialog.qualification_combo.currentData() == "弁護士"
    assert dialog.registration_edit.text() == "第12345号"
    assert dialog.form.qualification == "弁護士" and dialog.form.registration_no == "第12345号"
    assert dialog.purpose_edit.text() == "訴訟 東京地方裁判所"
    codes = {reason.code for reason in dialog.decision.reasons}
    assert not codes & {"qualification_missing", "registration_no_missing"}, codes

    dialog = handoff("司法書士")  # no number: the 登録番号 stays for the clerk
    assert dialog.qualification_combo.currentData() == "司法書士" and dialog.registration_edit.text() == ""

    dialog = handoff("探偵 999")  # not one of the eight: nothing chosen, the dialog's rules ask for it
    assert dialog.qualification_combo.currentData() == "" and dialog.form.qualification == ""
    assert dialog.registration_edit.text() == ""
    assert "qualification_missing" in {reason.code for reason in dialog.decision.reasons}
