"""Helpers for replica tests: seeding, data changes on the server DB, state comparison, clients.

Server-side changes are written the way every server change is: the data row and its change_log
row in one transaction (``server_stub.replica.changes.record_change``).
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError
from sqlalchemy import delete, select, update

from client.local.keystore import KeyStore
from client.remote.http import DataCentreClient
from client.remote.terminal_auth import TerminalSigner
from client.replica.schema import ALL_KINDS, KIND_TABLES
from client.replica.store import ReplicaStore

CITY = "132403"
TOWN = "113905"


class FileKeyring(KeyringBackend):
    """A keyring in a JSON file: lets a killed subprocess and the test share keys (tests only)."""

    priority = 10  # type: ignore[assignment]

    def __init__(self, path: Path | None = None) -> None:
        super().__init__()
        self.path = Path(path) if path else Path("keyring.json")

    def _load(self) -> dict[str, str]:
        return json.loads(self.path.read_text()) if self.path.exists() else {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}|{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        d = self._load()
        d[f"{service}|{username}"] = password
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(d))
        tmp.replace(self.path)

    def delete_password(self, service: str, username: str) -> None:
        d = self._load()
        if d.pop(f"{service}|{username}", None) is None:
            raise PasswordDeleteError(username)
        self.path.write_text(json.dumps(d))


# ---------------------------------------------------------------------------------------------
# Server database
# ---------------------------------------------------------------------------------------------


def seed(db_url: str, residents: int = 200, seed_value: int = 7) -> None:
    from server_stub.db import make_engine, make_sessionmaker
    from server_stub.seed.demo import seed_demo

    engine = make_engine(db_url)
    try:
        seed_demo(make_sessionmaker(engine), residents=residents, seed=seed_value)
    finally:
        engine.dispose()


def server_state(db_url: str, code: str = CITY) -> dict[str, dict[str, Any]]:
    """kind → key → data, read through the same functions the snapshot endpoint uses."""
    from server_stub.db import make_engine, make_sessionmaker
    from server_stub.replica import api as replica_api

    engine = make_engine(db_url)
    state: dict[str, dict[str, Any]] = {k: {} for k in ALL_KINDS}
    try:
        with make_sessionmaker(engine)() as session:
            cursor = None
            while True:
                page = replica_api.snapshot_page(session, code, cursor, 5000)
                for rec in page["records"]:
                    state[rec["kind"]][rec["key"]] = json.loads(rec["data"])
                cursor = page["next_cursor"]
                if not cursor:
                    break
    finally:
        engine.dispose()
    return state


def replica_state(store: ReplicaStore) -> dict[str, dict[str, Any]]:
    state: dict[str, dict[str, Any]] = {}
    with store.read() as conn:
        for kind in ALL_KINDS:
            rows = conn.exec_driver_sql(f"SELECT key, data FROM {KIND_TABLES[kind]}").fetchall()
            state[kind] = {k: json.loads(d) for k, d in rows}
    return state


def assert_same_state(store: ReplicaStore, db_url: str, code: str = CITY) -> None:
    server = server_state(db_url, code)
    local = replica_state(store)
    for kind in ALL_KINDS:
        missing = set(server[kind]) - set(local[kind])
        extra = set(local[kind]) - set(server[kind])
        assert not missing and not extra, f"{kind}: missing {sorted(missing)[:5]}, extra {sorted(extra)[:5]}"
        for key, data in server[kind].items():
            assert local[kind][key] == data, f"{kind} {key} differs"


@dataclass
class ServerMutator:
    """Changes residents and what hangs off them on the server DB, with change_log rows."""

    db_url: str
    code: str = CITY
    seed_value: int = 1

    def __post_init__(self) -> None:
        from server_stub.db import make_engine, make_sessionmaker

        self.engine = make_engine(self.db_url)
        self.factory = make_sessionmaker(self.engine)
        self.rng = random.Random(self.seed_value)
        self.removed: list[dict[str, Any]] = []

    def close(self) -> None:
        self.engine.dispose()

    def _session(self) -> Iterator[Any]:
        from server_stub.db import begin_write

        session = self.factory()
        begin_write(session)
        return session  # type: ignore[return-value]

    def _now(self) -> datetime:
        return datetime.now(UTC)

    def atena_nos(self, limit: int = 100000) -> list[str]:
        from server_stub.models import Resident

        with self.factory() as s:
            return list(s.scalars(select(Resident.atena_no).where(Resident.municipality_code == self.code)
                                  .order_by(Resident.atena_no).limit(limit)))

    def update_address(self, atena_no: str, address: str) -> None:
        from client.domain.search_query import address_search_key
        from server_stub.models import Resident
        from server_stub.replica.changes import UPSERT, record_change

        s = self._session()
        with s:
            s.execute(update(Resident).where(Resident.municipality_code == self.code, Resident.atena_no == atena_no)
                      .values(address=address, address_key=address_search_key(address)))
            record_change(s, self.code, "resident", atena_no, UPSERT, self._now())
            s.commit()

    def rename(self, atena_no: str, name: str, kana: str) -> None:
        from client.domain.kana import name_search_keys
        from client.domain.search_query import name_search_key
        from server_stub.models import Resident
        from server_stub.replica.changes import UPSERT, record_change

        keys = name_search_keys(kana)
        s = self._session()
        with s:
            s.execute(update(Resident).where(Resident.municipality_code == self.code, Resident.atena_no == atena_no)
                      .values(name=name, kana=kana, name_key=name_search_key(name), kana_key=keys[0],
                              given_kana_key=keys[1] if len(keys) > 1 else ""))
            record_change(s, self.code, "resident", atena_no, UPSERT, self._now())
            s.commit()

    def set_alias(self, atena_no: str, alias: str) -> None:
        """通称, keyed as the seed and the layout import key it."""
        from client.domain.search_query import name_search_key
        from server_stub.models import Resident
        from server_stub.replica.changes import UPSERT, record_change

        s = self._session()
        with s:
            s.execute(update(Resident).where(Resident.municipality_code == self.code, Resident.atena_no == atena_no)
                      .values(alias=alias, alias_key=name_search_key(alias)))
            record_change(s, self.code, "resident", atena_no, UPSERT, self._now())
            s.commit()

    def remove(self, atena_no: str) -> None:
        """Delete the resident row (and its taxes) entirely; remembered for ``re_add``."""
        from server_stub.models import Resident, TaxSummary
        from server_stub.replica.changes import DELETE, record_changes

        s = self._session()
        with s:
            row = s.execute(select(Resident.__table__).where(Resident.municipality_code == self.code,
                                                             Resident.atena_no == atena_no)).one()
            taxes = s.execute(select(TaxSummary.__table__).where(TaxSummary.municipality_code == self.code,
                                                                 TaxSummary.atena_no == atena_no)).all()
            self.removed.append({"resident": dict(row._mapping), "taxes": [dict(t._mapping) for t in taxes]})
            s.execute(delete(TaxSummary).where(TaxSummary.municipality_code == self.code,
                                               TaxSummary.atena_no == atena_no))
            s.execute(delete(Resident).where(Resident.municipality_code == self.code, Resident.atena_no == atena_no))
            items = [("resident", atena_no, DELETE)] + [("tax", f"{atena_no}:{t.tax_year}", DELETE) for t in taxes]
            record_changes(s, self.code, items, self._now())
            s.commit()

    def re_add(self) -> str:
        from sqlalchemy import insert

        from server_stub.models import Resident, TaxSummary
        from server_stub.replica.changes import UPSERT, record_changes

        saved = self.removed.pop(0)
        res = {k: v for k, v in saved["resident"].items() if k != "id"}
        s = self._session()
        with s:
            s.execute(insert(Resident.__table__), [res])
            if saved["taxes"]:
                s.execute(insert(TaxSummary.__table__), [{k: v for k, v in t.items() if k != "id"}
                                                          for t in saved["taxes"]])
            items = [("resident", res["atena_no"], UPSERT)] + [
                ("tax", f"{res['atena_no']}:{t['tax_year']}", UPSERT) for t in saved["taxes"]]
            record_changes(s, self.code, items, self._now())
            s.commit()
        return str(res["atena_no"])

    def protect(self, measure_id: str, atena_no: str) -> None:
        """A new 支援措置 protecting ``atena_no``."""
        from server_stub.models import SupportMeasure, SupportMeasurePerson
        from server_stub.replica.changes import UPSERT, record_change

        s = self._session()
        with s:
            s.add(SupportMeasure(municipality_code=self.code, measure_id=measure_id, perpetrator_names_json='["加害 太郎"]',
                                 start=date(2026, 1, 1), end=date(2026, 12, 31), provisional=False,
                                 processes="hakko,shokai"))
            s.add(SupportMeasurePerson(municipality_code=self.code, measure_id=measure_id, atena_no=atena_no,
                                       role="protected"))
            record_change(s, self.code, "support_measure", measure_id, UPSERT, self._now())
            s.commit()

    def end_measure(self, measure_id: str) -> None:
        from server_stub.models import SupportMeasure, SupportMeasurePerson
        from server_stub.replica.changes import DELETE, record_change

        s = self._session()
        with s:
            s.execute(delete(SupportMeasurePerson).where(SupportMeasurePerson.municipality_code == self.code,
                                                         SupportMeasurePerson.measure_id == measure_id))
            s.execute(delete(SupportMeasure).where(SupportMeasure.municipality_code == self.code,
                                                   SupportMeasure.measure_id == measure_id))
            record_change(s, self.code, "support_measure", measure_id, DELETE, self._now())
            s.commit()

    def random_changes(self, n: int) -> None:
        """``n`` address changes on random residents (one transaction each, like counter work)."""
        atenas = self.atena_nos()
        for i in range(n):
            self.update_address(self.rng.choice(atenas), f"東京都桜ヶ丘市変更町{i % 9 + 1}丁目{i + 1}番")

    def bulk_address_changes(self, n: int) -> None:
        """``n`` address changes in one transaction (a batch job at the data centre)."""
        from client.domain.search_query import address_search_key
        from server_stub.models import Resident
        from server_stub.replica.changes import UPSERT, record_changes

        atenas = self.atena_nos()[:n]
        s = self._session()
        with s:
            for i, a in enumerate(atenas):
                addr = f"東京都桜ヶ丘市一括町{i % 9 + 1}丁目{i + 1}番"
                s.execute(update(Resident).where(Resident.municipality_code == self.code, Resident.atena_no == a)
                          .values(address=addr, address_key=address_search_key(addr)))
            record_changes(s, self.code, [("resident", a, UPSERT) for a in atenas], self._now())
            s.commit()


@dataclass
class ServerEnv:
    db_url: str
    server: Any
    root: Path


def start_env(request: Any, tmp_path_factory: Any, residents: int = 400) -> ServerEnv:
    """A migrated, seeded database (SQLite file or PostgreSQL from the template) and a real server."""
    from tests.conftest import start_server

    root = tmp_path_factory.mktemp("replica-server")
    if request.param == "sqlite":
        from server_stub.migrate import upgrade

        url = f"sqlite:///{root / 'server.db'}"
        upgrade(url)
    else:
        cluster = request.getfixturevalue("pg_cluster")
        template = request.getfixturevalue("pg_template")
        url = cluster.url(cluster.create_database(template=template))
    seed(url, residents=residents)
    return ServerEnv(url, start_server(url, root), root)


# ---------------------------------------------------------------------------------------------
# Clients
# ---------------------------------------------------------------------------------------------


def demo_signer(code: str = CITY, terminal_id: str = "T001") -> TerminalSigner:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from server_stub.seed.demo import demo_terminal_private_key

    key = Ed25519PrivateKey.from_private_bytes(demo_terminal_private_key(code, terminal_id))
    return TerminalSigner(code, terminal_id, key)


def signed_client(base_url: str, code: str = CITY, **kwargs: Any) -> DataCentreClient:
    """A client that authenticates with the demo terminal T001's key (no staff sign-in)."""
    return DataCentreClient(base_url, signer=demo_signer(code), **kwargs)


def clerk_client(base_url: str, code: str = CITY, **kwargs: Any) -> DataCentreClient:
    client = DataCentreClient(base_url, **kwargs)
    client.login(code, "clerk1", "clerk1pass", "T001")
    return client


def new_store(data_dir: Path, backend: KeyringBackend, code: str = CITY) -> ReplicaStore:
    return ReplicaStore(data_dir, code, KeyStore(backend))
