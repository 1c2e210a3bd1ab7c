"""Mutual backup: a terminal of the city keeps the town's replica once an agreement is recorded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from client.local.keystore import KeyStore
from client.remote.errors import RemoteRejectedError
from client.replica.lookups import ReplicaLookups
from client.replica.partners import partner_codes, partner_syncs, prune_ended_partners
from client.replica.store import ReplicaStore
from tests.faults.replica_support import (
    CITY,
    TOWN,
    ServerEnv,
    assert_same_state,
    signed_client,
    start_env,
)
from tests.keyring_memory import MemoryKeyring


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def replica_env(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerEnv]:
    env = start_env(request, tmp_path_factory, residents=120)
    yield env
    env.server.stop()


def _agreements(db_url: str, rows: list[tuple[str, str]]) -> None:
    """Record agreements the way the data centre does (``madoguchi-server agreement add``)."""
    from server_stub.cli import main as server_main
    from server_stub.db import make_engine

    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM backup_agreements"))
    engine.dispose()
    for a, b in rows:
        assert server_main(["agreement", "add", "--db", db_url, "--municipality", a, "--partner", b]) == 0


def test_partner_replica_only_with_an_agreement(replica_env: ServerEnv, tmp_path: Path,
                                                memory_keyring: MemoryKeyring) -> None:
    client = signed_client(replica_env.server.base_url)  # the city's terminal T001
    keystore = KeyStore(memory_keyring)
    data = tmp_path / "client"
    with pytest.raises(RemoteRejectedError) as info:  # no agreement yet: the town's data is refused
        client.replica_changes(0, 5, municipality=TOWN)
    assert info.value.status == 403 and info.value.code == "no_agreement"
    assert partner_codes(client) == []

    _agreements(replica_env.db_url, [(TOWN, CITY)])  # recorded by the town: valid both ways
    assert partner_codes(client) == [TOWN]
    (sync,) = partner_syncs(client, data, keystore, page_size=200)
    result = sync.bootstrap()
    assert result.action == "bootstrap" and result.applied > 100
    assert_same_state(sync.store, replica_env.db_url, TOWN)
    # its own file and its own key; the town's staff records for offline sign-in in BCP
    assert sync.store.path.name == f"replica-{TOWN}.db"
    assert keystore.database_key(f"replica-{TOWN}") != keystore.create_database_key(f"replica-{CITY}")
    lookups = ReplicaLookups(sync.store)
    assert lookups.municipality().code == TOWN
    staff = lookups.staff("clerk1")
    assert staff is not None and staff.password_hash.startswith("$argon2id$")

    _agreements(replica_env.db_url, [])  # the agreement ends: pulls are refused, the copy is removed
    with pytest.raises(RemoteRejectedError):
        sync.pull()
    sync.store.close()
    assert prune_ended_partners(data, CITY, partner_codes(client), keystore) == [TOWN]
    assert not (data / f"replica-{TOWN}.db").exists()
    assert not keystore.has_database_key(f"replica-{TOWN}")


def test_partner_cannot_be_named_for_a_municipality_without_agreement(replica_env: ServerEnv,
                                                                      tmp_path: Path, memory_keyring: Any) -> None:
    _agreements(replica_env.db_url, [])
    store = ReplicaStore(tmp_path, TOWN, KeyStore(memory_keyring))
    from client.replica.sync import ReplicaSync

    with pytest.raises(RemoteRejectedError):
        ReplicaSync(store, signed_client(replica_env.server.base_url), partner=True).bootstrap()
    assert not store.path.exists()
