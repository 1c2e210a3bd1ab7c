"""Replica pull sync against the real server over HTTP (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from client.remote.errors import AuthenticationRequiredError
from client.replica.lookups import ReplicaLookups
from client.replica.search import ReplicaSearch
from client.replica.sync import ReplicaSync, SyncProgress
from tests.faults.replica_support import (
    CITY,
    ServerEnv,
    ServerMutator,
    assert_same_state,
    clerk_client,
    new_store,
    replica_state,
    server_state,
    signed_client,
    start_env,
)
from tests.keyring_memory import MemoryKeyring


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def replica_env(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerEnv]:
    """One seeded database and one real server per module and backend (tests only add changes)."""
    env = start_env(request, tmp_path_factory)
    yield env
    env.server.stop()


@pytest.fixture
def server(replica_env: ServerEnv) -> Any:
    return replica_env.server


@pytest.fixture
def seeded_db(replica_env: ServerEnv) -> str:
    return replica_env.db_url


def test_bootstrap_delta_removal_readd_cycles_match_server(
    server: Any, seeded_db: str, tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    store = new_store(tmp_path / "client", memory_keyring)
    progress: list[SyncProgress] = []
    sync = ReplicaSync(store, signed_client(server.base_url), page_size=300, progress=progress.append)
    result = sync.bootstrap()
    assert result.action == "bootstrap" and result.pages > 3
    assert progress and progress[-1].done == progress[-1].total  # the bar reaches 100 %
    assert [p.done for p in progress] == sorted(p.done for p in progress)
    assert_same_state(store, seeded_db)

    mutator = ServerMutator(seeded_db)
    try:
        atenas = mutator.atena_nos()
        for cycle in range(3):
            mutator.update_address(atenas[cycle], f"東京都桜ヶ丘市新町{cycle + 1}丁目1番")
            mutator.rename(atenas[10 + cycle], "髙橋\u3000新", "タカハシ シン")
            mutator.remove(atenas[20 + cycle])
            if cycle:
                mutator.re_add()
            mutator.protect(f"TEST-{cycle}", atenas[30 + cycle])
            if cycle == 2:
                mutator.end_measure("TEST-0")
            result = sync.pull()
            assert result.action == "delta" and result.applied >= 4
            assert_same_state(store, seeded_db)
        # a removed resident is gone from the replica, a re-added one is back with its taxes
        state = replica_state(store)
        assert atenas[22] not in state["resident"]
        assert atenas[20] in state["resident"] and atenas[21] in state["resident"]
        assert "TEST-0" not in state["support_measure"] and "TEST-2" in state["support_measure"]
    finally:
        mutator.close()
    report = sync.compare_checksums()
    assert report.matches and not report.repaired


def test_replica_never_holds_my_number_or_juminhyo_code(
    server: Any, seeded_db: str, tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    from sqlalchemy import func, select

    from server_stub.db import make_engine, make_sessionmaker
    from server_stub.models import Resident

    engine = make_engine(seeded_db)
    with make_sessionmaker(engine)() as s:
        with_numbers = s.scalar(select(func.count()).where(Resident.municipality_code == CITY,
                                                           Resident.my_number.is_not(None)))
        numbers = set(s.scalars(select(Resident.my_number).where(Resident.my_number.is_not(None)).limit(50)))
    engine.dispose()
    assert with_numbers and numbers  # the server does hold them
    store = new_store(tmp_path / "client", memory_keyring)
    ReplicaSync(store, signed_client(server.base_url)).bootstrap()
    residents = replica_state(store)["resident"]
    assert residents
    assert all(r["my_number"] is None and r["juminhyo_code"] is None for r in residents.values())
    with store.read() as conn:
        blob = "".join(d for (d,) in conn.exec_driver_sql("SELECT data FROM residents"))
    assert not any(n in blob for n in numbers)


def test_replica_file_holds_no_resident_names_in_plain_bytes(
    server: Any, seeded_db: str, tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    store = new_store(tmp_path / "client", memory_keyring)
    ReplicaSync(store, signed_client(server.base_url)).bootstrap()
    names = {r["name"] for r in server_state(seeded_db)["resident"].values()}
    kana = {r["kana"] for r in server_state(seeded_db)["resident"].values()}
    assert len(names) > 100
    store.close()
    raw = b"".join(p.read_bytes() for p in (tmp_path / "client").iterdir() if p.is_file())
    for text in list(names) + list(kana):
        assert text.encode("utf-8") not in raw, text
        for part in text.replace("\u3000", " ").split(" "):
            if len(part.encode("utf-8")) >= 6:  # shorter byte strings occur by chance in ciphertext
                assert part.encode("utf-8") not in raw, part


def test_poll_with_nothing_new_is_one_small_request(
    server: Any, tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    store = new_store(tmp_path / "client", memory_keyring)
    client = signed_client(server.base_url)
    sync = ReplicaSync(store, client)
    sync.bootstrap()
    seen: list[httpx.Response] = []

    def record(response: httpx.Response) -> None:
        response.read()
        seen.append(response)

    client._client.event_hooks["response"] = [record]
    before = sync.as_of()
    result = sync.pull()
    assert result.action == "noop" and result.applied == 0
    assert len(seen) == 1
    assert len(seen[0].content) < 400 and seen[0].request.url.path == "/api/v1/replica/changes"
    after = sync.as_of()
    assert before is not None and after is not None and after >= before  # as-of moves on


def test_checksum_mismatch_is_repaired(
    server: Any, seeded_db: str, tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    store = new_store(tmp_path / "client", memory_keyring)
    sync = ReplicaSync(store, signed_client(server.base_url))
    sync.bootstrap()
    with store.write() as conn:  # silent drift: a row lost and one altered locally
        conn.exec_driver_sql("DELETE FROM residents WHERE key = (SELECT min(key) FROM residents)")
        conn.exec_driver_sql("UPDATE seals SET data = replace(data, 'true', 'false') WHERE rowid = 1")
    report = sync.compare_checksums()
    assert not report.matches and report.repaired
    assert set(report.mismatched_kinds) == {"resident", "seal"}
    assert_same_state(store, seeded_db)
    assert sync.compare_checksums().matches


def test_a_replica_built_by_an_older_version_is_rebuilt(
    server: Any, seeded_db: str, tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    """After an upgrade that changes the replica's tables, the old file is not read with the new
    queries: the first pull rebuilds it (the outbox is another file and is not touched)."""
    from client.local.secure_db import cipher_profile
    from client.replica.store import set_meta

    store = new_store(tmp_path / "client", memory_keyring)
    sync = ReplicaSync(store, signed_client(server.base_url))
    sync.bootstrap()
    with store.write() as conn:
        set_meta(conn, schema_version="3")
    store.close()
    result = sync.pull()
    assert result.action == "repair" and "schema '3'" in result.repaired_because
    assert_same_state(store, seeded_db)
    assert cipher_profile(store.path) == 2
    assert sync.pull().action == "noop"
    # every index was built during the load (each kind's as soon as it was complete)
    from client.replica.schema import INDEXES

    with store.read() as conn:
        names = {n for (n,) in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {ddl.split(" EXISTS ")[1].split(" ON ")[0] for ddl in INDEXES} <= names


def test_staff_token_and_terminal_signature_both_authenticate(
    server: Any, tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    page = clerk_client(server.base_url).replica_changes(0, 5)
    assert len(page["records"]) == 5
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from client.remote.http import DataCentreClient
    from client.remote.terminal_auth import TerminalSigner

    impostor = DataCentreClient(server.base_url, signer=TerminalSigner(CITY, "T001", Ed25519PrivateKey.generate()))
    with pytest.raises(AuthenticationRequiredError):
        impostor.replica_changes(0, 5)
    with pytest.raises(AuthenticationRequiredError):
        DataCentreClient(server.base_url).replica_checksum()
    import time

    from tests.faults.replica_support import demo_signer

    late = demo_signer()
    late._clock = lambda: time.time() - 3600  # a terminal clock an hour behind: replayed or wrong
    with pytest.raises(AuthenticationRequiredError) as info:
        DataCentreClient(server.base_url, signer=late).replica_changes(0, 5)
    assert info.value.code == "clock_skew" and "時刻" in info.value.message_ja


def test_search_on_replica_matches_server_search(
    server: Any, seeded_db: str, tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    mutator = ServerMutator(seeded_db)
    first, second = mutator.atena_nos()[3:5]
    mutator.rename(first, "SMITH JOHN", "スミス ジョン")
    mutator.rename(second, "Garcia Maria", "ガルシア マリア")  # mixed case as migrated data may hold it
    mutator.set_alias(first, "須美　丈")
    mutator.close()
    store = new_store(tmp_path / "client", memory_keyring)
    ReplicaSync(store, signed_client(server.base_url)).bootstrap()
    residents = list(server_state(seeded_db)["resident"].values())
    sample = residents[::37][:8]
    queries = ["ヤマ", "さとう", "ｻﾄｳ"]
    for r in sample:
        family_kana, _, given_kana = r["kana"].replace("\u3000", " ").partition(" ")
        queries += [family_kana, given_kana, r["name"].split("\u3000")[0], r["birth"], r["atena_no"],
                    r["address"][-8:]]
    # 通称 and alphabet names (any case, by given name): the same on both sides (issue 16)
    aliases = [r["alias"] for r in residents if r.get("alias")][:3]
    latin = [r["name"] for r in residents if r["name"].isascii()][:3]
    assert aliases and latin, "the seeded city has foreign residents with 通称 and alphabet names"
    queries += aliases + ["須美丈", "須美 丈"] + [n.lower() for n in latin] + [n.split(" ")[-1].lower() for n in latin]
    api = clerk_client(server.base_url)
    search = ReplicaSearch(store)
    compared = 0
    for q in queries:
        body = api.get("/api/v1/residents/search", q=q, limit=200)
        online = [x["atena_no"] for x in body["results"]]
        offline = [h.resident.atena_no for h in search.search(q, limit=200)] if not body["error"] else []
        assert offline == online, (q, body["kind"])
        compared += bool(online)
        if q in aliases or q in [n.lower() for n in latin]:
            assert online, q  # found, not merely equal
    assert compared >= len(queries) // 2


def test_lookups_build_the_bcp_evaluation_context(
    server: Any, seeded_db: str, tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    from datetime import UTC, datetime

    from client.domain.model import CertificateType, IssuanceRequest, Mode, Requester, RequesterKind

    mutator = ServerMutator(seeded_db)
    protected = mutator.atena_nos()[-1]
    mutator.protect("TEST-LOOKUP", protected)
    mutator.close()
    store = new_store(tmp_path / "client", memory_keyring)
    ReplicaSync(store, signed_client(server.base_url)).bootstrap()
    state = server_state(seeded_db)
    seal = next(iter(state["seal"].values()))
    lookups = ReplicaLookups(store)
    req = IssuanceRequest(CertificateType.INKAN, seal["atena_no"], Requester(RequesterKind.SELF),
                          inkan_card_no=seal["card_no"])
    ctx = lookups.evaluation_context(req, datetime.now(UTC))
    assert ctx.mode is Mode.BCP and ctx.subject is not None and ctx.subject.atena_no == seal["atena_no"]
    assert ctx.seal is not None and ctx.seal.atena_no == seal["atena_no"]
    assert ctx.municipality.code == CITY and ctx.replica_as_of is not None
    assert {m.atena_no for m in ctx.household} >= {seal["atena_no"]}
    ctx2 = lookups.evaluation_context(IssuanceRequest(CertificateType.JUMINHYO, protected,
                                                      Requester(RequesterKind.SELF)), datetime.now(UTC))
    assert ctx2.support_measures and protected in ctx2.support_measures[0].protected_atena_nos
    staff = lookups.staff("clerk1")
    assert staff is not None and staff.password_hash.startswith("$argon2id$") and staff.role == "clerk"


def test_resident_records_are_the_domain_dict_without_numbers(replica_env: ServerEnv) -> None:
    """What the replica receives is ``Resident.to_dict()`` with 個人番号/住民票コード set to None."""
    from sqlalchemy import select

    from client.domain.model import Resident
    from server_stub.db import make_engine, make_sessionmaker
    from server_stub.models import Resident as ResidentRow
    from server_stub.register import convert
    from server_stub.replica import api as replica_api

    engine = make_engine(replica_env.db_url)
    with make_sessionmaker(engine)() as s:
        rows = s.scalars(select(ResidentRow).where(ResidentRow.municipality_code == CITY)
                         .order_by(ResidentRow.atena_no).limit(60)).all()
        expected = {r.atena_no: {**convert.resident(r).to_dict(), "my_number": None, "juminhyo_code": None}
                    for r in rows}
        assert any(r.my_number for r in rows)
        records = replica_api.fetch_by_keys(s, CITY, "resident", list(expected))
    engine.dispose()
    import json

    for atena, rec in records.items():
        data = json.loads(rec["data"])
        assert data == expected[atena]
        assert Resident.from_dict(data).to_dict() == data  # round-trips through the domain type
