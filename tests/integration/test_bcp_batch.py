"""BCP sync back in batches: one push of mixed records answers, and stores, exactly what pushing
them one at a time does; the batch's preloaded context is the one the rule engine gets online."""

from __future__ import annotations

import copy
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from client.domain.model import (
    CertificateType,
    EvaluationContext,
    IdentityDocument,
    IssuanceRequest,
    Requester,
    RequesterKind,
)
from server_stub.audit import chain as audit
from server_stub.auth.sign_in import Principal
from server_stub.db import begin_write, make_engine, make_sessionmaker
from server_stub.issuing.bcp_batch import BcpBatch
from server_stub.models import AccessLogEntry, BcpConflict, Issuance, IssuedCopy, Municipality, Resident
from server_stub.register.context import build_context
from server_stub.register.writes import add_support_measure, add_suppression
from server_stub.tenants.municipalities import params_of
from tests.integration.bcp_env import (
    CODE,
    Terminal,
    juminhyo,
    login,
    now_utc,
    plain_subjects,
    protect,
    seed,
    terminal_env,
)


@pytest.fixture
def env(db_url: str, server_factory: Any, tmp_path: Path, memory_keyring: Any) -> Iterator[tuple[str, Any, Terminal]]:
    with terminal_env(db_url, server_factory, tmp_path, lease=30) as env:
        yield env


def _mixed_records(db_url: str, t: Terminal) -> list[dict[str, Any]]:
    """good, conflict, tampered, serial reused under a new UUID, repeat of the first, unknown user."""
    subjects = plain_subjects(db_url, 3)
    now = now_utc()
    for atena in subjects:
        t.issuer.issue(juminhyo(atena), user_id="clerk1", printer_id="P001", now=now)
    good, conflicting, third = (r.record for r in t.outbox.all_records())
    protect(db_url, subjects[1], start=(now - timedelta(days=1)).date())
    tampered = copy.deepcopy(third)
    tampered["content"]["persons"][0]["name"] = "改ざん 太郎"
    reused = copy.deepcopy(good) | {"uuid": str(uuid.uuid4())}
    stranger = copy.deepcopy(third) | {"uuid": str(uuid.uuid4()), "user_id": "nobody"}
    return [good, conflicting, tampered, reused, copy.deepcopy(good), stranger]


def _summary(results: list[dict[str, Any]]) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(r["status"], r.get("code", ""), tuple(r.get("conflicts", ()))) for r in results]


EXPECTED = [
    ("stored", "", ()),
    ("stored", "", ("support_measure",)),
    ("rejected", "signature_digest_mismatch", ()),
    ("rejected", "serial_used", ()),
    ("duplicate", "", ()),
    ("rejected", "unknown_user", ()),
]


def _server_state(db_url: str) -> dict[str, Any]:
    engine = make_engine(db_url)
    try:
        with Session(engine) as s:
            return {
                "issuances": sorted(s.scalars(select(Issuance.client_uuid).where(Issuance.mode == "bcp"))),
                "serials": sorted(s.scalars(select(IssuedCopy.serial).where(IssuedCopy.municipality_code == CODE))),
                "conflicts": sorted(tuple(r) for r in s.execute(select(BcpConflict.client_uuid, BcpConflict.codes))),
                "bcp_log": s.scalar(select(func.count()).select_from(AccessLogEntry).where(
                    AccessLogEntry.municipality_code == CODE, AccessLogEntry.mode == "bcp")),
                "chain": audit.verify_chain(s, CODE),
            }
    finally:
        engine.dispose()


def test_a_mixed_batch_stores_each_record_once_and_refuses_the_bad_ones(env: tuple[str, Any, Terminal]) -> None:
    db_url, _server, t = env
    records = _mixed_records(db_url, t)
    answer = t.remote.post("/api/v1/bcp/issuances", {"records": records})["results"]
    assert _summary(answer) == EXPECTED
    assert [r["uuid"] for r in answer] == [r["uuid"] for r in records]
    assert answer[4]["issuance_id"] == answer[0]["issuance_id"]
    state = _server_state(db_url)
    assert state["issuances"] == sorted([records[0]["uuid"], records[1]["uuid"]])
    assert state["serials"] == sorted(int(c["serial"]) for r in records[:2] for c in r["copies"])
    assert state["conflicts"] == [(records[1]["uuid"], "support_measure")]
    assert state["bcp_log"] == 2 and state["chain"] is None  # refused records left no trace in the log

    # The same batch again: the stored ones are duplicates, the refused ones are refused again.
    again = t.remote.post("/api/v1/bcp/issuances", {"records": records})["results"]
    assert _summary(again) == [("duplicate", "", ()), ("duplicate", "", ("support_measure",)),
                               *EXPECTED[2:4], ("duplicate", "", ()), EXPECTED[5]]
    assert [a["issuance_id"] for a in again[:2]] == [a["issuance_id"] for a in answer[:2]]
    assert _server_state(db_url) == state


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_one_batch_answers_like_one_record_at_a_time(env: tuple[str, Any, Terminal], server_factory: Any,
                                                     tmp_path: Path) -> None:
    db_url, _server, t = env
    records = _mixed_records(db_url, t)
    # A second server on a copy of the database as it is now (the lease included).
    twin_url = f"sqlite:///{tmp_path / 'twin.db'}"
    with sqlite3.connect(db_url.removeprefix("sqlite:///")) as src, \
            sqlite3.connect(twin_url.removeprefix("sqlite:///")) as dst:
        src.backup(dst)
    twin = server_factory(twin_url)
    single = login(twin.base_url)
    try:
        one_by_one = [single.post("/api/v1/bcp/issuances", {"records": [r]})["results"][0] for r in records]
    finally:
        single.close()
    batched = t.remote.post("/api/v1/bcp/issuances", {"records": records})["results"]
    assert _summary(batched) == _summary(one_by_one) == EXPECTED
    assert [(a["message_ja"], a["message_en"]) for a in batched if a["status"] == "rejected"] == \
        [(a["message_ja"], a["message_en"]) for a in one_by_one if a["status"] == "rejected"]
    assert _server_state(db_url) == _server_state(twin_url)


def _requests(atena: str, others: list[str]) -> list[IssuanceRequest]:
    base = juminhyo(atena)
    return [
        base,
        replace(base, whole_household=True),
        replace(base, cert_type=CertificateType.JOHYO),
        replace(base, requester=Requester(kind=RequesterKind.AGENT, name="代理人",
                                          identity_document=IdentityDocument.DRIVERS_LICENSE,
                                          requester_atena_no=others[0], acting_for_atena_no=others[1])),
        replace(base, member_atena_nos=(atena, others[2])),
    ]


def _same_order(ctx: EvaluationContext) -> EvaluationContext:
    # Neither query orders a household (the rules put it in 世帯 order): compare as sets
    return replace(ctx, household=tuple(sorted(ctx.household, key=lambda m: m.atena_no)))


def test_the_batch_context_is_the_online_context(db_url: str) -> None:
    """Preloaded with IN (...) for the whole batch, yet per request exactly ``build_context``."""
    seed(db_url)
    engine = make_engine(db_url)
    factory = make_sessionmaker(engine)
    now = datetime.now(UTC)
    try:
        with factory() as s:
            begin_write(s)
            people = list(s.scalars(select(Resident).where(Resident.municipality_code == CODE)
                                    .order_by(Resident.atena_no)))
            # More 支援措置 and 抑止: a perpetrator, a whole household, two people in one measure.
            add_support_measure(s, CODE, measure_id="SM-BATCH-1", protected=[people[1].atena_no, people[7].atena_no],
                                perpetrator_atena_nos=[people[20].atena_no], now=now, start=date(2026, 1, 1))
            add_suppression(s, CODE, suppression_id="SP-BATCH-1", process="hakko", level="error",
                            household_no=people[30].household_no, start=date(2026, 1, 1), now=now)
            s.commit()
        with factory() as s:
            muni = s.get(Municipality, CODE)
            assert muni is not None
            params = params_of(s, muni)
            atenas = [p.atena_no for p in people]
            requests = [r for i, a in enumerate(atenas)
                        for r in _requests(a, [atenas[(i + k * 7) % len(atenas)] for k in (1, 2, 3)])]
            requests.append(juminhyo("000000000000"))  # unknown 宛名番号
            principal = Principal(CODE, "clerk1", "窓口 一郎", "clerk", "T001", "本庁1")
            records = [{"uuid": str(uuid.uuid4()), "request": r.to_dict()} for r in requests]
            batch = BcpBatch(s, principal, records)
            at = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
            for request in requests:
                online = replace(build_context(s, params, request, at), form_parameters={})
                assert _same_order(batch.context(request, at, ())) == _same_order(online), request
    finally:
        engine.dispose()
