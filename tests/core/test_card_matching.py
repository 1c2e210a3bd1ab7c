"""Matching the card's 4情報 to the register, the identity record and the pre-filled 交付請求書 (no Qt)."""

from __future__ import annotations

import subprocess
from datetime import date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from client.card.identification import identity_check
from client.card.matching import MatchStatus, match_card
from client.card.reader import CardFace, CardText
from client.card.sheet_form import SheetForm
from client.domain.model import (
    CertificateType,
    IdentityDocument,
    JuminhyoItem,
    RequesterKind,
    Resident,
    ResidentStatus,
    Sex,
)
from client.domain.partial_date import PartialDate
from client.printing.request_sheet import RequestSheetError, render_request_sheet


def _resident(atena: str, name: str, address: str, birth: date, sex: Sex = Sex.MALE, **kw: object) -> Resident:
    return Resident(atena_no=atena, household_no="1", name=name, kana="", birth=PartialDate.of(birth), sex=sex,
                    relation="世帯主", is_head=True, address=address, **kw)  # type: ignore[arg-type]


TARO = _resident("10", "山田 太郎", "東京都桜ヶ丘市本町1丁目2番3号", date(1985, 4, 1), katagaki="さくらハイツ101号")
NAMESAKE = _resident("11", "鈴木 一郎", "東京都桜ヶ丘市緑町5丁目1番1号", date(1985, 4, 1))


def _card(name: str = "山田 太郎", address: str = "東京都桜ヶ丘市本町一丁目2番3号さくらハイツ101号",
          birth: date = date(1985, 4, 1), sex: str = "M") -> CardText:
    return CardText(name=name, address=address, birth=birth, sex=sex, signer="CN=test")


FACE = CardFace(birth=date(1985, 4, 1), sex="M", expiry=date(2031, 4, 1), name_image=b"", address_image=b"",
                photo=b"\x89PNG", signer="CN=test")


def test_matching_resident_with_kanji_numerals_and_katagaki() -> None:
    m = match_card(_card(), [NAMESAKE, TARO])
    assert m.status is MatchStatus.MATCHED and m.resident == TARO
    assert all(c.ok for c in m.checks)
    assert m.findings == ()


def test_resident_who_moved_is_found_with_the_address_mismatch_said_plainly() -> None:
    moved = _card(address="東京都桜ヶ丘市旧町3丁目4番5号")
    m = match_card(moved, [TARO])
    assert m.status is MatchStatus.MISMATCH and m.resident == TARO
    assert [c.label for c in m.checks if not c.ok] == ["住所"]
    assert "転居・転出" in m.summary_ja


def test_name_change_found_by_birth_date_and_address() -> None:
    married = _resident("12", "佐藤 花子", "東京都桜ヶ丘市本町1丁目2番3号", date(1990, 5, 5), Sex.FEMALE,
                        former_surname="")
    m = match_card(_card(name="山田 花子", birth=date(1990, 5, 5), sex="F", address="東京都桜ヶ丘市本町一丁目2番3号"),
                   [married])
    assert m.status is MatchStatus.MISMATCH and m.resident == married
    assert any("氏名の変更" in f for f in m.findings)


def test_former_surname_is_accepted() -> None:
    r = _resident("13", "佐藤 花子", "東京都桜ヶ丘市本町1丁目2番3号", date(1990, 5, 5), Sex.FEMALE,
                  former_surname="山田")
    m = match_card(_card(name="山田 花子", birth=date(1990, 5, 5), sex="F", address="東京都桜ヶ丘市本町1-2-3"), [r])
    assert m.status is MatchStatus.MATCHED


def test_foreign_resident_by_alphabet_name_or_alias() -> None:
    r = _resident("14", "NGUYEN VAN AN", "東京都桜ヶ丘市本町1丁目2番3号", date(1998, 7, 7), is_foreign=True,
                  alias="阮 文安", nationality="ベトナム")
    addr = "東京都桜ヶ丘市本町1-2-3"
    for name in ("NGUYEN VAN AN", "Nguyen Van An", "阮 文安"):
        m = match_card(_card(name=name, birth=date(1998, 7, 7), address=addr), [r])
        assert m.status is MatchStatus.MATCHED, name


def test_moved_out_resident_is_a_mismatch() -> None:
    gone = _resident("15", "山田 太郎", "東京都桜ヶ丘市本町1丁目2番3号", date(1985, 4, 1),
                     status=ResidentStatus.MOVED_OUT, katagaki="さくらハイツ101号")
    m = match_card(_card(), [gone])
    assert m.status is MatchStatus.MISMATCH and any("転出" in f for f in m.findings)


def test_nobody_with_that_birth_date_and_name_or_address() -> None:
    m = match_card(_card(name="田中 実", address="大阪府大阪市北区1-1"), [TARO, NAMESAKE])
    assert m.status is MatchStatus.NOT_FOUND and m.resident is None
    m = match_card(_card(birth=date(1985, 4, 2)), [TARO])
    assert m.status is MatchStatus.NOT_FOUND


def test_identity_record_holds_labels_only() -> None:
    m = match_card(_card(), [TARO])
    with pytest.raises(ValueError):
        identity_check(FACE, _card(), m, photo_confirmed=False)
    check = identity_check(FACE, _card(), m, photo_confirmed=True)
    assert check.document is IdentityDocument.MY_NUMBER_CARD_IC and check.atena_no == "10"
    text = "".join(check.checks)
    assert "氏名:一致" in text and "住所:一致" in text and "顔写真" in text
    assert "山田" not in text and "本町" not in text  # no card values in the record
    moved = match_card(_card(address="東京都桜ヶ丘市旧町3丁目4番5号"), [TARO])
    with pytest.raises(ValueError):
        identity_check(FACE, _card(), moved, photo_confirmed=True)
    assert "住所:不一致(職員確認済)" in identity_check(FACE, _card(), moved, photo_confirmed=True,
                                                    mismatch_accepted=True).checks


def _sheet_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "sheet.pdf"
    path.write_bytes(pdf)
    reader = PdfReader(str(path))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    return "".join(out.stdout.split())


def test_prefilled_sheet_for_the_resident(tmp_path: Path) -> None:
    m = match_card(_card(), [TARO])
    form = SheetForm(card=_card(), holder=m.resident)
    form.choose(CertificateType.JUMINHYO, True, 2)
    form.choices[CertificateType.JUMINHYO].items = {JuminhyoItem.HEAD_RELATION}
    form.choose(CertificateType.INKAN, True, 1)
    form.identity = identity_check(FACE, _card(), m, photo_confirmed=True)
    sheet = form.sheet(municipality_name="桜ヶ丘市", now=datetime(2026, 12, 2, 10, 0), bcp=False, terminal="本庁1")
    text = _sheet_text(render_request_sheet(sheet), tmp_path)
    for expected in ("交付請求書", "山田太郎", "住民票の写し", "2通", "世帯主・続柄", "印鑑登録証明書", "1通",
                     "マイナンバーカード(IC)", "氏名:一致", "桜ヶ丘市長", "令和8年12月2日", "本人"):
        assert expected in text, expected
    assert "使用目的" not in text and "委任状" not in text


def test_third_party_sheet_needs_purpose_and_submit_to(tmp_path: Path) -> None:
    m = match_card(_card(), [TARO])
    form = SheetForm(card=_card(), holder=m.resident, subject=NAMESAKE, requester_kind=RequesterKind.THIRD_PARTY)
    form.choose(CertificateType.JUMINHYO, True)
    form.identity = identity_check(FACE, _card(), m, photo_confirmed=True)
    args = {"municipality_name": "桜ヶ丘市", "now": datetime(2026, 12, 2, 10, 0), "bcp": True, "terminal": "本庁1"}
    with pytest.raises(RequestSheetError) as info:
        render_request_sheet(form.sheet(**args))  # type: ignore[arg-type]
    assert "12条の3" in info.value.message_ja
    form.purpose, form.submit_to = "相続手続のため", "東京法務局"
    text = _sheet_text(render_request_sheet(form.sheet(**args)), tmp_path)  # type: ignore[arg-type]
    assert "鈴木一郎" in text and "山田太郎" in text and "相続手続のため" in text and "東京法務局" in text
    assert "縮退運用(BCP)中に作成" in text


def test_agent_sheet_has_the_power_of_attorney_box(tmp_path: Path) -> None:
    m = match_card(_card(), [TARO])
    form = SheetForm(card=_card(), holder=m.resident, subject=NAMESAKE, requester_kind=RequesterKind.AGENT)
    form.choose(CertificateType.JUMINHYO, True)
    form.identity = identity_check(FACE, _card(), m, photo_confirmed=True)
    args = {"municipality_name": "桜ヶ丘市", "now": datetime(2026, 12, 2, 10, 0), "bcp": False, "terminal": ""}
    text = _sheet_text(render_request_sheet(form.sheet(**args)), tmp_path)  # type: ignore[arg-type]
    assert "委任状あり" in text and "委任状の提出が必要です" in text and "代理人" in text
    form.power_of_attorney = True
    text = _sheet_text(render_request_sheet(form.sheet(**args)), tmp_path)  # type: ignore[arg-type]
    assert "委任状あり" in text and "委任状の提出が必要です" not in text


def test_sheet_without_a_subject_or_certificate_is_refused() -> None:
    form = SheetForm(card=_card(), holder=TARO, requester_kind=RequesterKind.AGENT)
    args = {"municipality_name": "桜ヶ丘市", "now": datetime(2026, 12, 2), "bcp": False, "terminal": ""}
    with pytest.raises(RequestSheetError):
        form.sheet(**args)  # type: ignore[arg-type]
    form.requester_kind = RequesterKind.SELF
    with pytest.raises(RequestSheetError):
        render_request_sheet(form.sheet(**args))  # type: ignore[arg-type]
