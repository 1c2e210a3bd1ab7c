"""kill -9 of a serve process under load: every answered request has its access-log entry,
and after ``madoguchi-server audit verify`` (which seals what the dead process accepted but did
not seal) the chain verifies. Two processes share the database, so the survivor keeps working
and its sweep may seal the dead one's pending entries first; either way nothing is lost."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import threading
import time
from typing import Any

import httpx
from sqlalchemy import select

from server_stub.models import AccessLogEntry, Issuance
from tests.conftest import SERVER_BIN
from tests.integration.conftest import (  # noqa: F401 - fixtures: a seeded database (SQLite, PostgreSQL)
    CITY_CODE,
    PASSWORDS,
    factory,
    seeded_db,
    seeded_pg_template,
    seeded_sqlite_template,
)
from tests.integration.helpers import pick_residents, self_request

CLIENTS = 8


def _client(base_url: str, i: int) -> httpx.Client:
    c = httpx.Client(base_url=base_url, timeout=20.0, trust_env=False)
    r = c.post("/api/v1/auth/login", json={"municipality_code": CITY_CODE, "user_id": "clerk1",
                                            "password": PASSWORDS["clerk1"], "terminal_id": "T001" if i % 2 else "T002"})
    r.raise_for_status()
    c.headers["Authorization"] = f"Bearer {r.json()['token']}"
    return c


def test_kill_9_under_load_loses_no_answered_entry(seeded_db: str, server_factory: Any,  # noqa: F811
                                                   factory: Any) -> None:  # noqa: F811
    victim = server_factory(seeded_db, migrate=False)
    survivor = server_factory(seeded_db, migrate=False)
    people = [p.atena_no for p in pick_residents(factory, CITY_CODE, n=30)]
    answered_searches: list[str] = []
    answered_issues: list[str] = []
    stop = threading.Event()
    lock = threading.Lock()
    failures: list[str] = []
    clients = [_client(victim.base_url if i % 4 else survivor.base_url, i) for i in range(CLIENTS)]

    def work(i: int) -> None:
        rng = random.Random(i)
        client = clients[i]
        on_victim = bool(i % 4)
        n = 0
        while not stop.is_set():
            n += 1
            try:
                if rng.random() < 0.7:
                    q = f"カ{i:02d}{n:05d}"  # unique: the entry's subject names the answered request
                    r = client.get("/api/v1/residents/search", params={"q": q})
                    if r.status_code == 200:
                        with lock:
                            answered_searches.append(q)
                else:
                    r = client.post("/api/v1/issuances", json={"request": self_request(rng.choice(people))})
                    if r.status_code == 201:
                        with lock:
                            answered_issues.append(r.json()["issuance_id"])
            except httpx.HTTPError as exc:
                if not on_victim:
                    failures.append(repr(exc))
                break  # the victim is gone
        client.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    time.sleep(2.5)
    os.kill(victim.proc.pid, signal.SIGKILL)
    victim.proc.wait(timeout=10)
    time.sleep(0.5)  # the survivor goes on for a moment
    stop.set()
    for t in threads:
        t.join(timeout=30)
    assert not failures, failures  # the survivor answered throughout
    assert len(answered_searches) > 20 and answered_issues

    survivor.stop()
    proc = subprocess.run([str(SERVER_BIN), "audit", "verify", "--db", seeded_db, "--municipality", CITY_CODE,
                           "--json"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    verdict = json.loads(proc.stdout.strip().splitlines()[-1])["results"][0]
    assert verdict["intact"] and verdict["pending"] == 0
    with factory() as s:
        logged = set(s.scalars(select(AccessLogEntry.subject).where(
            AccessLogEntry.municipality_code == CITY_CODE, AccessLogEntry.action == "search")))
        missing = [q for q in answered_searches if q not in logged]
        assert not missing, f"{len(missing)} answered searches without their entry, e.g. {missing[:3]}"
        details = [json.loads(d) for d in s.scalars(select(AccessLogEntry.detail_json).where(
            AccessLogEntry.municipality_code == CITY_CODE, AccessLogEntry.action == "issue"))]
        logged_issues = {d.get("issuance_id") for d in details}
        stored = set(s.scalars(select(Issuance.id).where(Issuance.municipality_code == CITY_CODE,
                                                         Issuance.mode == "online")))
    assert set(answered_issues) <= stored
    assert set(answered_issues) <= logged_issues
    assert stored <= logged_issues  # also those the victim stored but could not answer: their entry is there
