"""Rendering real certificate PDFs: text, fonts, pages, determinism and refusals on bad input."""

from __future__ import annotations

import io
import re
from dataclasses import replace

import pytest
from pypdf import PdfReader

from client.domain.model import CertificateContent, Layout, Mode
from client.printing.errors import (
    BadImageError,
    MissingParameterError,
    TextOverflowError,
    TokenMismatchError,
    UndrawableCharactersError,
)
from client.printing.fonts import FontSet, default_fonts_dir
from client.printing.render import check_printable, render_certificate
from tests.fixtures.certificates import all_forms, inkan, juminhyo, person, sign
from tests.fixtures.pdftools import pdffonts, pdftotext

CERT_HOUSEHOLD = "この写しは、世帯全員の住民票の原本と相違ないことを証明する。"


def _render(content: CertificateContent):  # type: ignore[no-untyped-def]
    return render_certificate(content, sign(content))


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _pypdf_pages(pdf: bytes) -> list[str]:
    return [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]


@pytest.mark.parametrize("name", sorted(all_forms()))
def test_each_form_renders_extractable_text_and_embedded_fonts(name: str) -> None:
    content = all_forms()[name]
    result = _render(content)
    assert result.pdf.startswith(b"%PDF-")
    assert result.pages == 1 and result.form_id == name.replace("juminhyo_kojin", "juminhyo_kojin")
    text = _squash(pdftotext(result.pdf))
    for p in content.persons:
        assert _squash(p.name) in text
    assert _squash(content.certification_text) in text
    assert _squash(f"{content.issue_number}1/1") in text
    assert _squash(content.title) in text
    fonts = pdffonts(result.pdf)
    assert fonts, "no fonts listed"
    for f in fonts:
        assert f["emb"] == "yes" and f["sub"] == "yes", f
        assert f["uni"] == "yes", f
    assert all("IPAex" in f["name"] for f in fonts)


def test_gaiji_names_are_extractable_with_pypdf_and_pdftotext() -> None:
    content = juminhyo(persons=3)  # 髙橋 一郎, 髙橋 花子, 髙橋 﨑太 — on a 個人票: one sheet each
    result = _render(content)
    assert result.pages == 3
    pages = _pypdf_pages(result.pdf)
    assert "髙橋" in _squash(pages[0])
    assert "髙橋﨑太" in _squash(pages[2])
    assert "\ufa11" in pdftotext(result.pdf)  # 﨑 stays the compatibility ideograph, not 崎
    assert "\u9ad9" in pdftotext(result.pdf)  # 髙, not 高


def test_renki_nine_members_gives_three_sheets_with_certification_on_the_last() -> None:
    content = juminhyo(layout=Layout.RENKI, persons=9, whole_household=True)
    result = _render(content)
    assert result.pages == 3
    pages = [_squash(t) for t in _pypdf_pages(result.pdf)]
    for i, page in enumerate(pages, start=1):
        assert _squash(f"発行番号{content.issue_number}{i}/3") in page
        assert (_squash(CERT_HOUSEHOLD) in page) is (i == 3)
    # four persons a sheet, in the order given
    names = [_squash(p.name) for p in content.persons]
    for i, name in enumerate(names):
        sheet = i // 4
        assert name in pages[sheet], (name, sheet)
    assert names[8] not in pages[0] + pages[1]


def test_output_is_deterministic() -> None:
    content = juminhyo(layout=Layout.RENKI, persons=5, official=True, training=True)
    a = _render(content).pdf
    b = _render(content).pdf
    assert a == b
    other = _render(replace(content, issue_date_text="令和8年11月24日")).pdf
    assert other != a


def test_marks_official_training_bcp_and_fee() -> None:
    plain = _squash(pdftotext(_render(juminhyo()).pdf))
    assert "公用" not in plain and "見本" not in plain and "縮退運用" not in plain
    assert "手数料300円" in plain
    pdf = _render(juminhyo(official=True, training=True, mode=Mode.BCP)).pdf
    marked = _squash(pdftotext(pdf))
    assert "公用" in marked
    assert "見本" in _squash(_pypdf_pages(pdf)[0])  # pdftotext leaves out the diagonal watermark
    assert "手数料免除（公用）" in marked
    assert "縮退運用時発行（データ基準令和8年11月23日10時12分）" in marked


def test_gaiji_outside_ipaex_is_drawn_with_ipamj_and_stays_extractable() -> None:
    content = replace(juminhyo(), persons=(person(0, name="𠮷田 太郎", hittousha="𠮷田 太郎"),))
    pdf = _render(content).pdf
    assert "𠮷田太郎" in _squash(_pypdf_pages(pdf)[0])
    assert "𠮷田" in pdftotext(pdf)
    names = [f["name"] for f in pdffonts(pdf)]
    assert any("IPAmjMincho" in n for n in names), names
    assert all(f["emb"] == "yes" for f in pdffonts(pdf))


def test_gaiji_missing_from_the_font_set_raises_and_lists_it() -> None:
    ipaex_only = FontSet(mincho=default_fonts_dir() / "ipaexm.ttf", gothic=default_fonts_dir() / "ipaexg.ttf")
    content = replace(juminhyo(), persons=(person(0, name="𠮷田 太郎", hittousha="𠮷田 太郎"),))
    with pytest.raises(UndrawableCharactersError) as info:
        render_certificate(content, sign(content), fonts=ipaex_only)
    err = info.value
    assert list(err.characters) == ["𠮷"]
    assert "氏名" in err.characters["𠮷"] and "筆頭者" in err.characters["𠮷"]
    assert "U+20BB7" in err.message_ja and "𠮷" in err.message_ja
    assert "U+20BB7" in err.message_en


def test_character_outside_every_font_raises_and_lists_it() -> None:
    content = replace(juminhyo(), persons=(person(0, name="髙橋 \U0001f600", kana="タカハシ \ue000"),))
    with pytest.raises(UndrawableCharactersError) as info:
        _render(content)
    assert set(info.value.characters) == {"\U0001f600", "\ue000"}
    assert info.value.characters["\U0001f600"] == ["氏名"]
    assert info.value.characters["\ue000"] == ["氏名（フリガナ）"]


def test_control_character_is_not_silently_dropped() -> None:
    content = replace(juminhyo(), address="東京都桜ヶ丘市本町\x07二丁目")
    with pytest.raises(UndrawableCharactersError) as info:
        _render(content)
    assert "\x07" in info.value.characters


def test_long_name_is_shrunk_and_reported() -> None:
    long_name = "髙橋アレクサンドラ・マリア・フォン・ホーエンツォレルン＝ジグマリンゲン 花子"
    content = replace(juminhyo(), persons=(person(0, name=long_name),))
    result = _render(content)
    assert any("氏名" in a and "縮小" in a for a in result.alerts), result.alerts
    assert _squash(long_name) in _squash(pdftotext(result.pdf))


def test_long_address_wraps_onto_two_lines() -> None:
    address = "東京都桜ヶ丘市本町二丁目3番4号" * 4
    result = _render(replace(juminhyo(), address=address))
    assert _squash(address) in _squash(pdftotext(result.pdf))


def test_text_that_cannot_fit_raises_overflow() -> None:
    content = replace(juminhyo(), address="東京都桜ヶ丘市本町二丁目3番4号" * 20)
    with pytest.raises(TextOverflowError) as info:
        _render(content)
    assert any("住所" in o for o in info.value.overflows)
    assert "文字溢れ" in info.value.message_ja


@pytest.mark.parametrize("field", ["issuer_name", "issuer_title", "issue_number", "municipal_seal_png"])
def test_missing_parameters_produce_nothing(field: str) -> None:
    base = juminhyo()
    empty = b"" if field.endswith("_png") else ""
    content = replace(base, **{field: empty})
    token = sign(base) if field == "issue_number" else sign(content)
    with pytest.raises(MissingParameterError) as info:
        render_certificate(content, token)
    assert field in info.value.missing
    assert "必要な設定値" in info.value.message_ja


def test_inkan_needs_the_registered_seal_image() -> None:
    with pytest.raises(MissingParameterError):
        _render(replace(inkan(), seal_image_png=b""))


@pytest.mark.parametrize("field", ["municipal_seal_png", "seal_image_png"])
def test_seal_that_is_not_an_image_is_refused(field: str) -> None:
    content = replace(inkan(), **{field: b"%PDF-1.4 this is not a picture"})
    with pytest.raises(BadImageError) as info:
        _render(content)
    assert info.value.field_name == field
    assert "画像" in info.value.message_ja


def test_token_of_other_content_is_refused() -> None:
    content = juminhyo()
    other = replace(content, address="東京都桜ヶ丘市本町九丁目")
    with pytest.raises(TokenMismatchError):
        render_certificate(content, sign(other))
    with pytest.raises(TokenMismatchError):
        render_certificate(content, "not a token")


def test_another_municipality_needs_no_code_change() -> None:
    content = replace(
        juminhyo(),
        municipality_code="472018",
        municipality_name="那覇市",
        prefecture="沖縄県",
        issuer_title="沖縄県那覇市長職務代理者 那覇市副市長",
        issuer_name="喜屋武 真栄",
        address="沖縄県那覇市泉崎一丁目1番1号",
        issue_number="20261123 那覇市 本庁2 プリンタ007 000001",
    )
    text = _squash(_pypdf_pages(_render(content).pdf)[0])
    assert "沖縄県那覇市長職務代理者那覇市副市長喜屋武真栄" in text
    assert "発行番号20261123那覇市本庁2プリンタ007000001" in text
    assert "桜ヶ丘市長" not in text and "桜井" not in text


def test_check_printable_before_a_number_is_allocated() -> None:
    unnumbered = juminhyo(issue_number="")
    assert check_printable(unnumbered) == []
    long_name = "髙橋アレクサンドラ・マリア・フォン・ホーエンツォレルン＝ジグマリンゲン 花子"
    alerts = check_printable(replace(unnumbered, persons=(person(0, name=long_name),)))
    assert any("縮小" in a for a in alerts)
    with pytest.raises(UndrawableCharactersError):
        check_printable(replace(unnumbered, address="東京都\U0001f600"))
    with pytest.raises(BadImageError):
        check_printable(replace(unnumbered, municipal_seal_png=b"GIF89a-broken"))
    with pytest.raises(MissingParameterError):
        check_printable(replace(unnumbered, issuer_name=""))


def test_output_is_identical_in_a_fresh_process() -> None:
    import hashlib
    import subprocess
    import sys
    from pathlib import Path

    script = (
        "import hashlib\n"
        "from client.domain.model import Layout\n"
        "from client.printing.render import render_certificate\n"
        "from tests.fixtures.certificates import juminhyo, sign\n"
        "c = juminhyo(layout=Layout.RENKI, persons=6, official=True)\n"
        "print(hashlib.sha256(render_certificate(c, sign(c)).pdf).hexdigest())\n"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=root, check=True
    )
    content = juminhyo(layout=Layout.RENKI, persons=6, official=True)
    assert out.stdout.strip() == hashlib.sha256(_render(content).pdf).hexdigest()


def test_concurrent_renders_give_the_same_bytes_as_sequential_ones() -> None:
    from concurrent.futures import ThreadPoolExecutor

    contents = [
        replace(
            juminhyo(layout=Layout.RENKI, persons=1 + i % 9),
            issue_number=f"20261123 桜ヶ丘市 本庁1 プリンタ001 {i:06d}",
        )
        for i in range(16)
    ]
    sequential = [_render(c).pdf for c in contents]
    with ThreadPoolExecutor(max_workers=4) as pool:
        concurrent = list(pool.map(lambda c: _render(c).pdf, contents))
    assert concurrent == sequential
