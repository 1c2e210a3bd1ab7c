"""Form definitions in forms/: every certificate has one, and a broken form is refused clearly."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from client.domain.model import CertificateType, Layout
from client.printing.errors import FormDefinitionError, NoFormError
from client.printing.forms import FormLibrary, default_forms_dir, load_form_file
from client.printing.render import render_certificate
from tests.fixtures.certificates import juminhyo, sign
from tests.fixtures.pdftools import pdftotext


def test_every_certificate_type_has_a_form() -> None:
    library = FormLibrary.load()
    kinds = {(f.cert_type, f.layout) for f in library.forms}
    assert (CertificateType.JUMINHYO, Layout.KOJIN) in kinds
    assert (CertificateType.JUMINHYO, Layout.RENKI) in kinds
    for t in CertificateType:
        assert any(f.cert_type is t for f in library.forms), t
    for f in library.forms:
        assert f.page_size == (210.0, 297.0)
        assert f.certification.seal_size <= 25.0
        assert len(f.digest) == 64
    renki = next(f for f in library.forms if f.layout is Layout.RENKI)
    assert renki.persons_per_page == 4


def _copy_forms(tmp_path: Path) -> Path:
    d = tmp_path / "forms"
    shutil.copytree(default_forms_dir(), d)
    return d


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ('field = "birth_text"', 'field = "birthday"', "no such field 'birthday'"),
        ("seal_size = 22", "seal_size = 30", "at most 25"),
        ('template = "発行番号 {issue_number}', 'template = "発行番号 {serial}', "unknown placeholder"),
        ("[title]", "[titel]", "unknown keys"),
        ('cert_type = "juminhyo"', 'cert_type = "koseki"', "koseki"),
        ("x = 105", "x = [", ""),
    ],
)
def test_broken_form_is_refused(tmp_path: Path, old: str, new: str, problem: str) -> None:
    d = _copy_forms(tmp_path)
    _edit(d / "juminhyo_kojin.toml", old, new)
    with pytest.raises(FormDefinitionError) as info:
        FormLibrary.load(d)
    assert "juminhyo_kojin.toml" in info.value.message_ja
    assert problem in info.value.message_en


def test_missing_form_for_a_type(tmp_path: Path) -> None:
    d = _copy_forms(tmp_path)
    (d / "juminhyo_renki.toml").unlink()
    library = FormLibrary.load(d)
    content = juminhyo(layout=Layout.RENKI, persons=2)
    with pytest.raises(NoFormError):
        render_certificate(content, sign(content), forms=library)


def test_a_changed_form_changes_the_output_without_code(tmp_path: Path) -> None:
    d = _copy_forms(tmp_path)
    _edit(d / "juminhyo_kojin.toml", 'label = "備考"', 'label = "摘要欄"')
    content = juminhyo()
    content = type(content)(**{**content.__dict__, "notes": ("テスト",)})
    pdf = render_certificate(content, sign(content), forms=FormLibrary.load(d)).pdf
    assert "摘要欄" in pdftotext(pdf)
    default_pdf = render_certificate(content, sign(content)).pdf
    assert "摘要欄" not in pdftotext(default_pdf) and "備考" in pdftotext(default_pdf)


def test_form_file_that_is_not_toml(tmp_path: Path) -> None:
    p = tmp_path / "x.toml"
    p.write_bytes(b"\xff\xfe not utf-8")
    with pytest.raises(FormDefinitionError):
        load_form_file(p)
