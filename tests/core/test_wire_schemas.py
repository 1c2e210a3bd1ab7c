"""The server's request schemas accept every field the domain dataclasses send (no drift)."""

from __future__ import annotations

from dataclasses import fields

import pytest

from client.domain.model import IssuanceRequest, Requester
from server_stub.api.schemas import IssuanceRequestIn, RequesterIn


@pytest.mark.parametrize(("domain", "schema"), [(Requester, RequesterIn), (IssuanceRequest, IssuanceRequestIn)])
def test_schema_covers_the_domain_dataclass(domain, schema) -> None:
    missing = {f.name for f in fields(domain)} - set(schema.model_fields)
    assert not missing, f"{schema.__name__} lacks {sorted(missing)}"
