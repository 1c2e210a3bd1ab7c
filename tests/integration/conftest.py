"""Integration fixtures: a seeded database (SQLite and PostgreSQL) and a real server over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from server_stub.db import make_engine, make_sessionmaker
from server_stub.seed.demo import CITY, TOWN, seed_demo
from server_stub.seed.generator import seed_residents
from tests.conftest import PgCluster, copy_sqlite

SMALL_CITY = 300
SMALL_TOWN = 500  # larger than the city: the town's highest 宛名番号 do not exist in the city
CITY_CODE, TOWN_CODE = CITY.code, TOWN.code
PASSWORDS = {"clerk1": "clerk1pass", "clerk2": "clerk2pass", "supervisor1": "supervisor1pass", "admin1": "admin1pass"}


def _seed(url: str) -> None:
    engine = make_engine(url, pool_size=1)
    try:
        factory = make_sessionmaker(engine)
        seed_demo(factory, residents=0, seed=3)
        seed_residents(factory, CITY.code, SMALL_CITY, 3)
        seed_residents(factory, TOWN.code, SMALL_TOWN, 3)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def seeded_sqlite_template(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("seeded-template") / "seeded.db"
    url = copy_sqlite(sqlite_template, path)
    _seed(url)
    engine = make_engine(url, pool_size=1)
    with engine.connect() as conn:  # fold the WAL into the main file before copying it around
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def seeded_pg_template(pg_cluster: PgCluster, pg_template: str) -> str:
    name = pg_cluster.create_database(template=pg_template)
    _seed(pg_cluster.url(name))
    return name


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def seeded_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh copy of a database holding the demo municipalities with a few hundred residents each."""
    if request.param == "sqlite":
        yield copy_sqlite(request.getfixturevalue("seeded_sqlite_template"), tmp_path / "server.db")
        return
    cluster: PgCluster = request.getfixturevalue("pg_cluster")
    name = cluster.create_database(template=request.getfixturevalue("seeded_pg_template"))
    yield cluster.url(name)
    cluster.drop_database(name)


@pytest.fixture
def factory(seeded_db: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(seeded_db, pool_size=2)
    yield make_sessionmaker(engine)
    engine.dispose()


@dataclass
class Api:
    """An httpx client signed in as one staff member of one municipality."""

    client: httpx.Client
    municipality_code: str
    user_id: str
    login_body: dict[str, Any]

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.client.get(path, **kw)

    def post(self, path: str, **kw: Any) -> httpx.Response:
        return self.client.post(path, **kw)


def login(base_url: str, code: str, user_id: str, terminal_id: str = "T001") -> Api:
    client = httpx.Client(base_url=base_url, timeout=30.0)
    r = client.post("/api/v1/auth/login", json={
        "municipality_code": code, "user_id": user_id, "password": PASSWORDS[user_id], "terminal_id": terminal_id})
    assert r.status_code == 200, r.text
    body = r.json()
    client.headers["Authorization"] = f"Bearer {body['token']}"
    return Api(client, code, user_id, body)


@pytest.fixture
def server(seeded_db: str, inprocess_server_factory: Any) -> Any:
    """A real uvicorn serving the app on the seeded database (in a thread of the test process).

    ``served_process`` starts ``madoguchi-server serve`` as a subprocess instead (slower start).
    """
    return inprocess_server_factory(seeded_db)


@pytest.fixture
def served_process(seeded_db: str, server_factory: Any) -> Any:
    """One real ``madoguchi-server serve`` process on the seeded database."""
    return server_factory(seeded_db, migrate=False)


@pytest.fixture
def city_clerk(server: Any) -> Iterator[Api]:
    api = login(server.base_url, CITY_CODE, "clerk1")
    yield api
    api.client.close()


@pytest.fixture
def city_supervisor(server: Any) -> Iterator[Api]:
    api = login(server.base_url, CITY_CODE, "supervisor1")
    yield api
    api.client.close()


@pytest.fixture
def town_clerk(server: Any) -> Iterator[Api]:
    api = login(server.base_url, TOWN_CODE, "clerk1")
    yield api
    api.client.close()
