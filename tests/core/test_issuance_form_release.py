"""A 支援措置 release answers for the request it was given for (client.services.issuance_form)."""

from __future__ import annotations

from client.domain.model import CertificateType, IdentityDocument, RequesterKind, SupportRelease
from client.services.issuance_form import IssuanceForm
from tests.core._domain_factories import family

RELEASE = SupportRelease(measure_id="SM-1", supervisor="supervisor1", reason="本人来庁を確認")


def _released_form() -> IssuanceForm:
    members = family()
    form = IssuanceForm(subject=members[0], household=members, identity_document=IdentityDocument.PASSPORT)
    form.grant_release(RELEASE)
    return form


def test_copies_and_fee_exemption_keep_the_release() -> None:
    form = _released_form()
    form.copies = 3
    form.exemption_reason = "生活保護"
    assert not form.drop_stale_release()
    assert form.release == RELEASE


def test_another_requester_drops_the_release() -> None:
    form = _released_form()
    form.requester_kind = RequesterKind.THIRD_PARTY
    assert form.drop_stale_release()
    assert form.release is None and form.released_for is None
    form.requester_kind = RequesterKind.SELF  # going back does not bring it back
    assert not form.drop_stale_release() and form.release is None


def test_another_type_person_item_or_agent_name_drops_the_release() -> None:
    edits = [
        lambda f: setattr(f, "cert_type", CertificateType.KISAI_JIKO),
        lambda f: f.set_whole_household(True),
        lambda f: setattr(f, "identity_document", IdentityDocument.NONE),
    ]
    for edit in edits:
        form = _released_form()
        edit(form)
        assert form.drop_stale_release(), edit
    form = IssuanceForm(subject=family()[0], household=family(), requester_kind=RequesterKind.AGENT,
                        requester_name="代理 一郎", has_power_of_attorney=True)
    form.grant_release(RELEASE)
    form.requester_name = "代理 二郎"
    assert form.drop_stale_release()
