"""Issue 23 on real servers (SQLite and PostgreSQL): the hot endpoints (search, resident detail,
evaluate, issue, change feed) resolve their caller inside the one thread-pool call that also does
their work. Every caller check of issue 15 must still hold on each of them, on every request and
in every server process: the token bound to its terminal, a signed write's nonce never accepted
twice, a terminal whose standing is not active refused at once (fail closed), and a search
answered only once its 照会 entry is in the access log."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from client.remote.errors import RemoteRejectedError
from client.remote.http import DataCentreClient
from server_stub.db import make_engine
from server_stub.models import AccessLogEntry, Terminal
from tests.integration.bcp_env import CODE, plain_subjects
from tests.integration.test_terminal_security import count, detail, signed_post, signer, two_servers

__all__ = ["two_servers"]  # the fixture, shared with test_terminal_security


def _request(atena: str) -> dict[str, Any]:
    return {"cert_type": "juminhyo", "subject_atena_no": atena,
            "requester": {"kind": "self", "name": "本人", "identity_document": "drivers_license"}, "copies": 1}


def _hot(atena: str) -> list[tuple[str, str, dict[str, Any], dict[str, Any] | None]]:
    return [
        ("GET", "/api/v1/residents/search", {"q": atena}, None),
        ("GET", f"/api/v1/residents/{atena}", {}, None),
        ("POST", "/api/v1/issuances/evaluate", {}, {"request": _request(atena)}),
        ("POST", "/api/v1/issuances", {}, {"request": _request(atena), "printer_id": "P001"}),
        ("GET", "/api/v1/replica/changes", {"since": 0, "limit": 1}, None),
    ]


def _call(client: DataCentreClient, method: str, path: str, params: dict[str, Any], body: Any) -> Any:
    return client.get(path, **params) if method == "GET" else client.post(path, body)


def test_hot_endpoints_keep_every_caller_check(two_servers: tuple[str, Any, Any]) -> None:
    db_url, a, b = two_servers
    atena = plain_subjects(db_url, 1)[0]
    hot = _hot(atena)
    signed = DataCentreClient(a.base_url, signer=signer("T001"))
    signed.login(CODE, "clerk1", "clerk1pass", "T001")  # a signed login: every use needs T001's signature
    token = signed.token
    try:
        # signed by its own terminal: answered; the search's 照会 entry is in the log when it answers
        searches = count(db_url, AccessLogEntry, AccessLogEntry.action == "search")
        assert signed.get("/api/v1/residents/search", q=atena)["count"] == 1
        assert count(db_url, AccessLogEntry, AccessLogEntry.action == "search") == searches + 1
        for method, path, params, body in hot:
            assert _call(signed, method, path, params, body) is not None
        issued = signed.post("/api/v1/issuances", {"request": _request(atena), "printer_id": "P001"})
        assert issued["issue_numbers"]

        # the token alone, on the other server process: refused on every hot endpoint
        for method, path, params, body in hot:
            r = httpx.request(method, b.base_url + path, params=params, json=body,
                              headers={"Authorization": f"Bearer {token}"})
            assert r.status_code == 401 and detail(r)["code"] == "signature_required", (path, r.text)

        # the token with another terminal's signature: refused on every hot endpoint
        moved = DataCentreClient(b.base_url, token=token, signer=signer("T002"))
        try:
            for method, path, params, body in hot:
                with pytest.raises(RemoteRejectedError) as exc:
                    _call(moved, method, path, params, body)
                assert exc.value.code == "token_terminal_mismatch", path
        finally:
            moved.close()

        # a signed write sent twice (same nonce, same body): the second refused by the other process
        for path, body in (("/api/v1/issuances/evaluate", {"request": _request(atena)}),
                           ("/api/v1/issuances", {"request": _request(atena), "printer_id": "P001"})):
            headers, content = signed_post(path, body, "T001")
            headers["Authorization"] = f"Bearer {token}"
            first = httpx.post(a.base_url + path, content=content, headers=headers)
            assert first.status_code in (200, 201), first.text
            again = httpx.post(b.base_url + path, content=content, headers=headers)
            assert again.status_code == 409 and detail(again)["code"] == "replayed_request", again.text

        # the terminal's standing is changed in the database, tokens untouched: refused at once,
        # by both processes, on every hot endpoint (fail closed: any standing but active)
        engine = make_engine(db_url)
        try:
            with Session(engine) as s:
                s.execute(update(Terminal).where(Terminal.municipality_code == CODE, Terminal.terminal_id == "T001")
                          .values(status="suspended"))
                s.commit()
        finally:
            engine.dispose()
        for server in (a, b):
            client = DataCentreClient(server.base_url, token=token, signer=signer("T001"))
            try:
                for method, path, params, body in hot:
                    with pytest.raises(RemoteRejectedError) as exc:
                        _call(client, method, path, params, body)
                    assert exc.value.status == 403, path
                    assert exc.value.code in ("terminal_revoked", "terminal_not_active"), (path, exc.value.code)
            finally:
                client.close()
    finally:
        signed.close()


def test_missing_token_is_refused_before_the_body_is_validated(two_servers: tuple[str, Any, Any]) -> None:
    _, a, _ = two_servers
    for path in ("/api/v1/issuances/evaluate", "/api/v1/issuances"):
        r = httpx.post(a.base_url + path, json={"not": "a request"})
        assert r.status_code == 401 and detail(r)["code"] == "not_authenticated", r.text
    r = httpx.get(a.base_url + "/api/v1/residents/search", params={"limit": 0})
    assert r.status_code == 401 and detail(r)["code"] == "not_authenticated", r.text
