"""Schemathesis against /openapi.json of a real server: no input gives a server error (5xx), and
every refusal (4xx) carries the wire contract's error body (``client.wire.errors``).

Runs positive (schema-valid) and negative (schema-violating) examples for every operation, with
a supervisor's token (an admin's for admin-only operations). Logout is fuzzed last so that the
token stays valid for the rest. Example counts are modest to keep the run short.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from client.wire.errors import ErrorDetail, error_fields
from tests.integration.conftest import CITY_CODE, login

EXAMPLES = {GenerationMode.POSITIVE: 8, GenerationMode.NEGATIVE: 5}


def _import_generation_modules_now() -> None:
    """schemathesis imports most of its modules lazily, at the first schema and the first example.
    pytest rewrites their asserts on import (schemathesis is a pytest plugin), with ast.parse, and
    CPython 3.11.7 can then fail with "AST constructor recursion depth mismatch" when that import
    happens deep inside a long run. Importing them here, at collection, keeps the run itself free
    of it (seen in a full ./run test; the fuzzing below is unchanged)."""
    spec = {"openapi": "3.0.2", "info": {"title": "warm-up", "version": "1"}, "paths": {"/x/{a}": {"post": {
        "parameters": [{"name": "a", "in": "path", "required": True, "schema": {"type": "string"}},
                       {"name": "q", "in": "query", "schema": {"type": "integer"}}],
        "requestBody": {"content": {"application/json": {"schema": {
            "type": "object", "properties": {"b": {"type": "string"}}}}}},
        "responses": {"200": {"description": "ok"}}}}}}
    op = next(iter(schemathesis.openapi.from_dict(spec).get_all_operations())).ok()
    for mode in EXAMPLES:
        @settings(max_examples=1, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=op.as_strategy(generation_mode=mode))
        def draw(case: Any) -> None:
            assert case.operation is op

        draw()


_import_generation_modules_now()
ADMIN_PATHS = ("/api/v1/terminals/enroll", "/api/v1/staff/{user_id}/unlock", "/api/v1/admin/form-parameters",
               "/api/v1/admin/form-parameters/{form_id}")


@pytest.mark.slow
def test_no_server_errors_for_any_input(server: Any) -> None:
    supervisor = login(server.base_url, CITY_CODE, "supervisor1")
    admin = login(server.base_url, CITY_CODE, "admin1")
    schema = schemathesis.openapi.from_url(f"{server.base_url}/openapi.json")
    operations = [r.ok() for r in schema.get_all_operations()]  # type: ignore[union-attr]
    operations.sort(key=lambda op: op.path.endswith("/logout"))
    assert len(operations) >= 20
    failures: list[str] = []
    for op in operations:
        token = (admin if op.path in ADMIN_PATHS else supervisor).login_body["token"]
        for mode, count in EXAMPLES.items():
            _fuzz(op, mode, count, token, server.base_url, failures)
    assert not failures, "\n".join(failures[:20])


def _is_error_body(response: Any) -> bool:
    """A refusal carries ``{"detail": {code, message_ja, message_en}}``, the body the terminal reads."""
    try:
        body = response.json()
    except ValueError:
        return False
    detail = body.get("detail") if isinstance(body, dict) else None
    return (isinstance(detail, dict) and set(ErrorDetail.__required_keys__) <= set(detail)
            and all(error_fields(body)))


def _fuzz(op: Any, mode: GenerationMode, count: int, token: str, base_url: str, failures: list[str]) -> None:
    @settings(max_examples=count, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(case=op.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        headers = {"Authorization": f"Bearer {token}", **(case.headers or {})}
        response = case.call(base_url=base_url, headers=headers, timeout=30)
        if response.status_code >= 500:
            failures.append(f"{op.method.upper()} {op.path} [{mode.value}] -> {response.status_code}: "
                            f"{response.text[:200]} body={case.body!r} query={case.query!r}")
        elif response.status_code >= 400 and not _is_error_body(response):
            failures.append(f"{op.method.upper()} {op.path} [{mode.value}] -> {response.status_code} without the "
                            f"wire's error body (client.wire.errors): {response.text[:200]}")

    try:
        run()
    except Unsatisfiable:
        # An operation without parameters has no schema-violating input (negative mode).
        assert mode is GenerationMode.NEGATIVE, f"{op.method} {op.path}: no positive example"
