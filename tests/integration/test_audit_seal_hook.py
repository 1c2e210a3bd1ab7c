"""Every sessionmaker the server makes seals its commits' access-log entries, however many came
and went before it. SQLAlchemy keys its listener registry by ``id()`` and keeps a key after its
target is collected, so a guard written with ``event.contains`` skipped the hook for a factory born
at a reused address: its entries stayed pending (a flaky upload test, 0 entries where 3 were sent)."""

from __future__ import annotations

import gc
from datetime import UTC, datetime

from sqlalchemy import func, select

from server_stub.audit import chain as audit
from server_stub.db import begin_write, make_engine, make_sessionmaker
from server_stub.models import AccessLogEntry
from tests.integration.conftest import CITY_CODE

FACTORIES = 40


def test_each_new_sessionmaker_seals_after_commit(seeded_db: str) -> None:
    engine = make_engine(seeded_db, pool_size=2)
    try:
        with make_sessionmaker(engine)() as s:
            before = s.execute(select(func.count()).select_from(AccessLogEntry).where(
                AccessLogEntry.municipality_code == CITY_CODE)).scalar_one()
        unsealed = []
        for i in range(FACTORIES):
            factory = make_sessionmaker(engine)
            with factory() as s:
                begin_write(s)
                audit.append(s, CITY_CODE, now=datetime.now(UTC), user_id="clerk1", terminal_id="T001",
                             action="view", subject=f"{i:010d}", mode="online", outcome="ok", detail={})
                s.commit()
                if audit.pending_count(s, CITY_CODE):
                    unsealed.append(i)
            del factory, s
            gc.collect()  # the discarded factory's Session subclass goes; its address is free for the next
        assert unsealed == []
        with make_sessionmaker(engine)() as s:
            after = s.execute(select(func.count()).select_from(AccessLogEntry).where(
                AccessLogEntry.municipality_code == CITY_CODE)).scalar_one()
            assert after == before + FACTORIES
            assert audit.verify_chain(s, CITY_CODE) is None
    finally:
        engine.dispose()
