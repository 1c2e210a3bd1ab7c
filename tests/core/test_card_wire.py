"""The IC 本人確認 on the wire: the request schema takes it only with what was checked."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from client.domain.model import IdentityDocument, Requester, RequesterKind
from server_stub.api.schemas import RequesterIn

CHECKS = ["券面事項入力補助AP:暗証番号・署名検証", "氏名:一致"]


def test_ic_identity_needs_the_checks() -> None:
    with pytest.raises(ValidationError) as info:
        RequesterIn(kind=RequesterKind.SELF, identity_document=IdentityDocument.MY_NUMBER_CARD_IC)
    assert "identity_checks required" in str(info.value)
    ok = RequesterIn(kind=RequesterKind.SELF, identity_document=IdentityDocument.MY_NUMBER_CARD_IC,
                     identity_checks=CHECKS)
    assert ok.identity_checks == CHECKS


def test_checks_only_with_the_ic_identity() -> None:
    with pytest.raises(ValidationError):
        RequesterIn(kind=RequesterKind.SELF, identity_document=IdentityDocument.DRIVERS_LICENSE,
                    identity_checks=CHECKS)
    with pytest.raises(ValidationError):
        RequesterIn(kind=RequesterKind.SELF, identity_document=IdentityDocument.MY_NUMBER_CARD_IC,
                    identity_checks=["x" * 101])


def test_requester_round_trip_keeps_the_checks() -> None:
    r = Requester(kind=RequesterKind.SELF, identity_document=IdentityDocument.MY_NUMBER_CARD_IC,
                  identity_checks=tuple(CHECKS))
    d = r.to_dict()
    assert d["identity_checks"] == CHECKS
    assert Requester.from_dict(d) == r
    assert Requester.from_dict({"kind": "self"}).identity_checks == ()
    RequesterIn.model_validate(d)
