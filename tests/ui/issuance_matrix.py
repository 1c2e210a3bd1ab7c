"""Driving the real issuance dialog for any certificate type and requester kind.

Shared by the online matrix (tests/ui/test_issuance_matrix.py) and the BCP one
(tests/ui/test_issuance_matrix_bcp.py): the residents each certificate needs are picked from the
seeded demo data by SQL, the clerk finds them through the search box, opens the dialog with F5,
fills exactly the inputs the dialog shows for the chosen type and requester, and issues with F12.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from PySide6.QtCore import Qt
from sqlalchemy import create_engine, text

from client.domain.model import CertificateType, IdentityDocument, Outcome, RequesterKind
from tests.fixtures.counter_server import CITY
from tests.ui.helpers import commit_japanese, find_row

WAIT = 20_000

# 課税証明 is for the taxpayer, a co-resident relative or an agent with 委任状 (DOMAIN.md): the
# rule engine refuses third parties and 職務上請求; a 除票 is not requested as a household member
# (15条の4: former members ask as third parties). The dialog must show each refusal.
REFUSED = {
    (CertificateType.KAZEI, RequesterKind.THIRD_PARTY): "requester_not_allowed",
    (CertificateType.KAZEI, RequesterKind.PROFESSIONAL): "requester_not_allowed",
    (CertificateType.JOHYO, RequesterKind.HOUSEHOLD): "johyo_former_household",
}


@dataclass(frozen=True)
class Person:
    atena_no: str
    name: str
    kana: str


@dataclass(frozen=True)
class MatrixData:
    current: Person  # 世帯主 of a 2+ household, with an active 印鑑登録 and 課税 data
    card_no: str  # that person's 印鑑登録証 number
    removed: Person  # 転出 (除票) with members still in the household


_UNFLAGGED = """
  AND r.atena_no NOT IN (SELECT atena_no FROM support_measure_persons WHERE municipality_code = :code)
  AND NOT EXISTS (SELECT 1 FROM residents m JOIN support_measure_persons p
                    ON p.atena_no = m.atena_no AND p.municipality_code = m.municipality_code
                  WHERE m.household_no = r.household_no AND m.municipality_code = :code)
  AND r.atena_no NOT IN (SELECT COALESCE(atena_no, '') FROM suppressions WHERE municipality_code = :code)
  AND r.household_no NOT IN (SELECT COALESCE(household_no, '') FROM suppressions WHERE municipality_code = :code)
"""


def pick_matrix_data(db_url: str, code: str = CITY) -> MatrixData:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            current = conn.execute(text(
                """
                SELECT r.atena_no, r.name, r.kana, s.card_no FROM residents r
                JOIN seal_registrations s ON s.municipality_code = r.municipality_code
                     AND s.atena_no = r.atena_no AND s.status = 'active'
                WHERE r.municipality_code = :code AND r.is_head AND r.status = 'resident' AND NOT r.is_foreign
                  AND EXISTS (SELECT 1 FROM tax_summaries t WHERE t.municipality_code = :code
                              AND t.atena_no = r.atena_no AND t.resided_on_jan1)
                  AND (SELECT COUNT(*) FROM residents m WHERE m.municipality_code = :code
                       AND m.household_no = r.household_no AND m.status = 'resident') >= 2
                """ + _UNFLAGGED + " ORDER BY r.atena_no LIMIT 1"), {"code": code}).one()
            removed = conn.execute(text(
                """
                SELECT r.atena_no, r.name, r.kana FROM residents r
                WHERE r.municipality_code = :code AND r.status = 'moved_out' AND NOT r.is_foreign
                  AND (SELECT COUNT(*) FROM residents m WHERE m.municipality_code = :code
                       AND m.household_no = r.household_no AND m.status = 'resident') >= 1
                """ + _UNFLAGGED + " ORDER BY r.atena_no LIMIT 1"), {"code": code}).one()
    finally:
        engine.dispose()
    return MatrixData(Person(current.atena_no, current.name, current.kana), str(current.card_no),
                      Person(removed.atena_no, removed.name, removed.kana))


def subject_for(data: MatrixData, cert: CertificateType) -> Person:
    return data.removed if cert is CertificateType.JOHYO else data.current


def pdf_text(path: Path) -> str:
    reader = PdfReader(str(path))
    return "".join("".join((page.extract_text() or "").split()) for page in reader.pages)


def open_issuance_for(qtbot: Any, window: Any, atena_no: str) -> Any:
    """Search by 宛名番号 in the search box, select the row, F5: the issuance dialog."""
    window.search_edit.clear()
    qtbot.keyClicks(window.search_edit, atena_no)
    qtbot.waitUntil(lambda: find_row(window.results_model, atena_no) >= 0, timeout=WAIT)
    row = find_row(window.results_model, atena_no)
    if window.current_detail is None or window.current_detail.resident.atena_no != atena_no:
        with qtbot.waitSignal(window.detail_loaded, timeout=WAIT):
            window.results_view.selectRow(row)
    qtbot.waitUntil(lambda: window.current_detail is not None
                    and window.current_detail.resident.atena_no == atena_no, timeout=WAIT)
    window.issuance_dialog = None
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT)
    qtbot.keyClick(window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: getattr(window, "issuance_dialog", None) is not None, timeout=WAIT)
    dialog = window.issuance_dialog
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.decision is not None, timeout=WAIT)
    return dialog


def _choose(combo: Any, value: object) -> None:
    index = combo.findData(value)
    assert index >= 0, f"{value!r} is not offered"
    combo.setCurrentIndex(index)


def fill_request(qtbot: Any, dialog: Any, cert: CertificateType, kind: RequesterKind, card_no: str) -> None:
    """Choose the type and requester, then fill exactly the inputs that must appear for them."""
    _choose(dialog.type_combo, cert)
    _choose(dialog.kind_combo, kind)
    assert dialog.form.cert_type is cert and dialog.form.requester_kind is kind

    def shown(widget: Any) -> bool:
        return bool(widget.isVisibleTo(dialog))

    doc = IdentityDocument.OFFICIAL_ID if kind is RequesterKind.OFFICIAL else IdentityDocument.DRIVERS_LICENSE
    _choose(dialog.identity_combo, doc)
    assert dialog.form.identity_document is doc

    assert shown(dialog.card_edit) == (cert is CertificateType.INKAN), "印鑑登録証番号"
    assert shown(dialog.tax_year_spin) == (cert is CertificateType.KAZEI), "課税年度"
    assert shown(dialog.poa_check) == (kind is RequesterKind.AGENT), "委任状"
    assert shown(dialog.member_requester_combo) == (kind is RequesterKind.HOUSEHOLD), "来庁した世帯員"
    assert shown(dialog.purpose_edit) == (kind in (RequesterKind.THIRD_PARTY, RequesterKind.PROFESSIONAL)), "利用目的"
    assert shown(dialog.qualification_combo) == (kind is RequesterKind.PROFESSIONAL), "資格"
    assert shown(dialog.registration_edit) == (kind is RequesterKind.PROFESSIONAL), "登録番号"
    assert shown(dialog.client_name_edit) == (kind is RequesterKind.PROFESSIONAL), "依頼者"
    assert shown(dialog.applicant_address_edit) == (
        kind in (RequesterKind.THIRD_PARTY, RequesterKind.PROFESSIONAL)), "申出者の住所"
    assert shown(dialog.agency_edit) == (kind is RequesterKind.OFFICIAL), "請求機関"
    assert shown(dialog.requester_name_edit) == (kind not in (RequesterKind.SELF, RequesterKind.HOUSEHOLD)), "氏名"

    if cert is CertificateType.INKAN:
        qtbot.keyClicks(dialog.card_edit, card_no)
    if shown(dialog.requester_name_edit):
        commit_japanese(dialog.requester_name_edit, "窓口　花子")
    if kind is RequesterKind.AGENT:
        dialog.poa_check.setChecked(True)
    if kind is RequesterKind.HOUSEHOLD:
        assert dialog.member_requester_combo.count() >= 1
        dialog.member_requester_combo.setCurrentIndex(0)
        assert dialog.form.requester_atena_no == dialog.member_requester_combo.itemData(0)
    if shown(dialog.purpose_edit):
        commit_japanese(dialog.purpose_edit, "相続手続のため")
    if shown(dialog.applicant_address_edit):
        commit_japanese(dialog.applicant_address_edit, "東京都桜ヶ丘市本町一丁目2番3号")
    if shown(dialog.qualification_combo):
        assert dialog.qualification_combo.count() == 9  # (選択してください) + the eight 特定事務受任者
        dialog.qualification_combo.setCurrentIndex(dialog.qualification_combo.findData("弁護士"))
        assert dialog.form.qualification == "弁護士"
        qtbot.keyClicks(dialog.registration_edit, "12345")
        commit_japanese(dialog.client_name_edit, "依頼　太郎")
    if shown(dialog.agency_edit):
        commit_japanese(dialog.agency_edit, "桜ヶ丘税務署")


def wait_verdict(qtbot: Any, dialog: Any) -> Any:
    qtbot.waitUntil(lambda: dialog.decision is not None and not dialog._debounce.isActive(), timeout=WAIT)
    return dialog.decision


def issue_and_check(qtbot: Any, dialog: Any, service: Any, cert: CertificateType, kind: RequesterKind,
                    subject: Person) -> Any:
    """F12; the PDF names the subject under the right title, and the 交付履歴 has the issuance."""
    decision = wait_verdict(qtbot, dialog)
    assert decision.outcome is Outcome.ALLOW, [r.message_ja for r in decision.reasons]
    qtbot.waitUntil(dialog.issue_button.isEnabled, timeout=WAIT)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=WAIT)
    with qtbot.waitSignal(dialog.issued, timeout=WAIT) as blocker:
        qtbot.keyClick(dialog, Qt.Key.Key_F12)
    outcome = blocker.args[0]
    assert len(outcome.pdf_paths) == 1
    body = pdf_text(outcome.pdf_paths[0])
    assert "".join(subject.name.split()) in body
    title = {CertificateType.JUMINHYO: "住民票", CertificateType.KISAI_JIKO: "記載事項証明",
             CertificateType.JOHYO: "除票", CertificateType.INKAN: "印鑑登録証明",
             CertificateType.KAZEI: "課税"}[cert]
    assert title in body, body[:200]
    if kind is RequesterKind.OFFICIAL:
        assert "公用" in body
    number = outcome.certificates[0].issue_number
    assert "".join(number.split()) in "".join(dialog.result_label.text().split())
    history = {h.issuance_id: h for h in service.history(atena_no=subject.atena_no)}
    entry = history[outcome.issuance_id]
    assert entry.cert_type == cert.value and entry.issue_numbers == (number,)
    request = entry.raw.get("request") or {}
    if request:
        assert request.get("requester", {}).get("kind") == kind.value
    return outcome


def close_window(window: Any) -> None:
    """Close and delete a module-scoped window while the QApplication is alive (not at exit)."""
    from PySide6.QtCore import QCoreApplication, QEvent

    window.close()
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
