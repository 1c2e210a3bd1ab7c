"""様式パラメータ: validation, the form each certificate prints on, content with and without
parameters, and the longest accepted texts rendering on every form without 文字溢れ."""

from __future__ import annotations

from dataclasses import replace

import pytest
from _domain_factories import context, family, request
from test_domain_rules import HEAD, MOVED, SEAL, TAX

from client.domain.content import CERT_JUMINHYO, CERT_JUMINHYO_HOUSEHOLD, CERT_KAZEI
from client.domain.form_params import (
    FORM_IDS,
    MAX_CERTIFICATION_TEXT,
    MAX_NOTE,
    FormParameterError,
    FormParameters,
    apply_changes,
    form_id_for,
)
from client.domain.model import CertificateType, Layout
from client.domain.rules import evaluate
from client.printing.form_param_check import check_text
from client.printing.forms import default_library
from client.printing.render import render_certificate
from tests.fixtures.certificates import all_forms, sign
from tests.fixtures.pdftools import pdftotext

FAMILY = family()
OVERRIDE = "上記の者は、本市の住民基本台帳に記録されていることを証明する。"
NOTE = "この証明書は、発行日から3か月以内のものをご利用ください。"


def _squash(text: str) -> str:
    return "".join(text.split())


def test_form_ids_match_the_form_files_and_the_library_choice() -> None:
    library = default_library()
    assert sorted(FORM_IDS) == sorted(f.id for f in library.forms)
    for name, content in all_forms().items():
        assert form_id_for(content.cert_type, content.layout) == library.for_content(content).id == name


@pytest.mark.parametrize("values, expected", [
    ({"colour": "red"}, "unknown form parameter colour"),
    ({}, "no form parameter given"),
    ({"note": "あ" * (MAX_NOTE + 1)}, "too long"),
    ({"certification_text": "あ" * (MAX_CERTIFICATION_TEXT + 1)}, "too long"),
    ({"certification_text": 5}, "must be a string"),
    ({"note": "a\tb"}, "control characters"),
    ({"enabled": "sometimes"}, "true or false"),
    ({"enabled": 1}, "true or false"),
])
def test_bad_values_are_refused(values: dict[str, object], expected: str) -> None:
    with pytest.raises(FormParameterError) as info:
        apply_changes(FormParameters("juminhyo_kojin"), values)
    assert expected in info.value.message_en and info.value.message_ja


def test_apply_changes_merges_strips_and_resets() -> None:
    p = apply_changes(FormParameters("kazei"), {"note": f"  {NOTE} ", "enabled": "false"})
    assert p == FormParameters("kazei", "", NOTE, False) and not p.is_default
    p = apply_changes(p, {"certification_text": OVERRIDE})
    assert (p.certification_text, p.note, p.enabled) == (OVERRIDE, NOTE, False)
    p = apply_changes(p, {"note": "", "certification_text": "", "enabled": True})
    assert p.is_default
    assert FormParameters.from_dict(FormParameters("inkan", OVERRIDE, NOTE).to_dict()) == FormParameters(
        "inkan", OVERRIDE, NOTE)


def test_font_and_box_checks() -> None:
    check_text("inkan", "note", NOTE)
    with pytest.raises(FormParameterError, match="U\\+E000"):
        check_text("inkan", "note", "私用\ue000")
    with pytest.raises(FormParameterError, match="does not fit"):
        check_text("juminhyo_renki", "note", "あ" * 90)


def test_content_without_parameters_keeps_the_default_wording() -> None:
    decision = evaluate(request(HEAD), context(HEAD, FAMILY))
    assert decision.content is not None
    assert decision.content.certification_text == CERT_JUMINHYO and decision.content.notes == ()


def test_content_with_parameters_of_its_own_form_only() -> None:
    kojin = {"juminhyo_kojin": FormParameters("juminhyo_kojin", OVERRIDE, NOTE)}
    c = evaluate(request(HEAD), context(HEAD, FAMILY, form_parameters=kojin)).content
    assert c is not None and c.certification_text == OVERRIDE and c.notes == (NOTE,)
    # the 世帯連記式 form is another form: its default (household) wording stays
    c = evaluate(request(HEAD, whole_household=True, layout=Layout.RENKI),
                 context(HEAD, FAMILY, form_parameters=kojin)).content
    assert c is not None and c.certification_text == CERT_JUMINHYO_HOUSEHOLD and c.notes == ()
    # a 備考 line alone leaves the default 認証文
    kazei = {"kazei": FormParameters("kazei", note=NOTE)}
    c = evaluate(request(HEAD, cert_type=CertificateType.KAZEI, tax_year=TAX.tax_year),
                 context(HEAD, FAMILY, tax=TAX, form_parameters=kazei)).content
    assert c is not None and c.certification_text == CERT_KAZEI and c.notes == (NOTE,)
    assert MOVED and SEAL  # fixtures shared with the rule table


@pytest.mark.parametrize("name", sorted(all_forms()))
def test_longest_accepted_texts_render_on_every_form(name: str) -> None:
    """What the server accepts (lengths and the box check) renders without 文字溢れ."""
    cert = "証" * MAX_CERTIFICATION_TEXT
    note = "備" * MAX_NOTE
    while True:
        try:
            check_text(name, "note", note)
            break
        except FormParameterError:
            note = note[:-1]
    check_text(name, "certification_text", cert)
    content = replace(all_forms()[name], certification_text=cert, notes=(note,))
    text = _squash(pdftotext(render_certificate(content, sign(content)).pdf))
    assert cert in text and note in text


def test_inkan_registration_no_is_an_inkan_only_boolean_off_by_default() -> None:
    with pytest.raises(FormParameterError, match="inkan form only"):
        apply_changes(FormParameters("juminhyo_kojin"), {"registration_no": True})
    with pytest.raises(FormParameterError, match="registration_no must be true or false"):
        apply_changes(FormParameters("inkan"), {"registration_no": "maybe"})
    on = apply_changes(FormParameters("inkan"), {"registration_no": "true"})
    assert on.registration_no and not on.is_default
    assert FormParameters.from_dict(on.to_dict()) == on
    # rows written before the key keep their replicated text (and checksum)
    assert "registration_no" not in FormParameters("inkan", note=NOTE).to_dict()
    assert apply_changes(on, {"registration_no": False}).is_default
    inkan = dict(cert_type=CertificateType.INKAN, inkan_card_no="C-0012345")
    c = evaluate(request(HEAD, **inkan), context(HEAD, FAMILY, seal=SEAL)).content
    assert c is not None and "registration_no" not in c.persons[0].extra
    c = evaluate(request(HEAD, **inkan), context(HEAD, FAMILY, seal=SEAL, form_parameters={"inkan": on})).content
    assert c is not None and c.persons[0].extra["registration_no"] == SEAL.registration_no
