"""The server's request schemas accept every field the domain dataclasses send (no drift), and check
exactly the records the wire contract (client/wire) declares."""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Any

import pytest
from _domain_factories import atena
from pydantic import ValidationError

from client.domain.model import IssuanceRequest, Requester
from client.wire import bcp as wire_bcp
from client.wire import errors as wire_errors
from client.wire import replica as wire_replica
from server_stub.api.bcp import BcpBatchIn, BcpCopyIn, BcpRecordIn, BcpReleaseIn, StaleOverrideIn
from server_stub.api.schemas import IssuanceRequestIn, RequesterIn


@pytest.mark.parametrize(("domain", "schema"), [(Requester, RequesterIn), (IssuanceRequest, IssuanceRequestIn)])
def test_schema_covers_the_domain_dataclass(domain, schema) -> None:
    missing = {f.name for f in fields(domain)} - set(schema.model_fields)
    assert not missing, f"{schema.__name__} lacks {sorted(missing)}"


# --- the wire contract (client/wire): declared once, the server's schemas check the same fields ----

def _keys(typed: Any) -> tuple[set[str], set[str]]:
    """(all keys, required keys) of a TypedDict."""
    return set(typed.__annotations__), set(typed.__required_keys__)


@pytest.mark.parametrize(("typed", "schema"), [
    (wire_bcp.BcpIssuanceRecord, BcpRecordIn),
    (wire_bcp.BcpCopy, BcpCopyIn),
    (wire_bcp.BcpRelease, BcpReleaseIn),
    (wire_bcp.StaleOverride, StaleOverrideIn),
    (wire_bcp.BcpPushBody, BcpBatchIn),
])
def test_the_server_validates_exactly_the_bcp_record_the_wire_declares(typed: Any, schema: Any) -> None:
    keys, required = _keys(typed)
    assert set(schema.model_fields) == keys, f"{schema.__name__} and {typed.__name__} differ"
    assert {n for n, f in schema.model_fields.items() if f.is_required()} == required, (
        f"{schema.__name__}: a field the wire marks NotRequired must have a default (old outbox records lack it)")


def test_a_record_with_only_the_required_fields_still_validates_and_keeps_its_shape() -> None:
    """An outbox record written before the optional fields existed is pushed as it was stored."""
    subject = atena(1)
    old = {
        "uuid": "0f8fad5b-d9cb-469f-a165-70867728950e",
        "user_id": "clerk1",
        "issued_at": "2026-12-02T10:00:00+09:00",
        "request": {"cert_type": "juminhyo", "subject_atena_no": subject,
                    "requester": {"kind": "self", "name": "本人", "identity_document": "drivers_license"}},
        "content": {},
        "copies": [{"serial": 1, "issue_number": "R8-000001", "qr_token": "token"}],
    }
    record = BcpRecordIn.model_validate(old).to_wire()
    assert set(record) == set(wire_bcp.BcpIssuanceRecord.__annotations__)
    assert {k: record[k] for k in ("uuid", "user_id", "issued_at", "content")} == {  # type: ignore[literal-required]
        k: old[k] for k in ("uuid", "user_id", "issued_at", "content")}
    assert record["copies"][0]["content_digest"] == "" and record["fee_yen"] == 0 and record["stale_override"] is None
    with pytest.raises(ValidationError):  # and the schema still refuses what the wire does not declare
        BcpRecordIn.model_validate({**old, "surprise": 1})


def test_the_push_batch_limit_is_the_wires() -> None:
    limit = next(m.max_length for m in BcpBatchIn.model_fields["records"].metadata if hasattr(m, "max_length"))
    assert limit == wire_bcp.PUSH_MAX_RECORDS
    from client.outbox.push import BATCH_SIZE, PUSH_PATH

    assert BATCH_SIZE <= wire_bcp.PUSH_MAX_RECORDS and PUSH_PATH == wire_bcp.PUSH_PATH
    from server_stub.api.bcp import router

    assert any(getattr(r, "path", "") == wire_bcp.PUSH_PATH for r in router.routes)


def test_both_sides_take_the_replica_format_constants_from_the_wire() -> None:
    from client.remote import wire as client_wire
    from server_stub.replica import wire as replica_wire

    assert client_wire.LINES_MEDIA_TYPE == replica_wire.LINES_MEDIA_TYPE == wire_replica.LINES_MEDIA_TYPE
    assert replica_wire.FORMATS == wire_replica.FORMATS
    page = {"records": [{"kind": "staff", "key": "u1", "op": "upsert", "data": "{}"}], "next_cursor": None,
            "as_of_seq": 3, "total": 1, "server_time": "2026-12-02T00:00:00+00:00"}
    from server_stub.replica.api import page_body

    body = page_body(page)
    raw = client_wire.records_bytes(body)
    assert raw is not None and json.loads(raw) == page["records"]
    assert json.loads(body)["checksum"] == client_wire.records_checksum(raw)


def test_every_error_body_the_server_writes_is_the_one_the_client_reads() -> None:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from server_stub.api.errors import ApiError, install_handlers

    app = FastAPI()
    install_handlers(app)

    @app.get("/refused")
    def refused() -> None:
        raise ApiError(409, "taken", "使用済みです。", "already taken", reasons=["x"])

    @app.get("/number/{n}")
    def number(n: int) -> int:
        return n

    @app.get("/bad")
    def bad() -> None:
        raise ValueError("no good")

    with TestClient(app) as client:
        answers = {path: client.get(path) for path in ("/refused", "/number/x", "/bad", "/missing")}
    for path, response in answers.items():
        detail = response.json()["detail"]
        assert set(wire_errors.ErrorDetail.__required_keys__) <= set(detail), path
        code, ja, en = wire_errors.error_fields(response.json())
        assert code and ja and en, path
    assert wire_errors.error_fields(answers["/refused"].json()) == ("taken", "使用済みです。", "already taken")
    assert answers["/refused"].json()["detail"]["reasons"] == ["x"]
    assert answers["/number/x"].json()["detail"]["errors"][0]["loc"] == ["path", "n"]
    assert wire_errors.error_fields("Bad Gateway") == ("", "", "Bad Gateway")  # a proxy's page, not ours


def test_the_wire_room_is_pure() -> None:
    """client/wire is declarations only: the standard library, nothing of client/ or server_stub/."""
    import ast
    from pathlib import Path

    for path in sorted((Path(__file__).resolve().parents[2] / "client" / "wire").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                assert name.split(".")[0] in {"__future__", "typing"}, f"{path.name} imports {name}"
