"""The access log is hash-chained: an edited or deleted entry is detected."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select, update

from server_stub.audit import chain as audit
from server_stub.db import begin_write
from server_stub.models import AccessLogEntry
from tests.integration.conftest import CITY_CODE, TOWN_CODE


def _append(factory: Any, code: str, n: int) -> None:
    with factory() as s:
        for i in range(n):
            begin_write(s)
            audit.append(s, code, now=datetime.now(UTC), user_id="clerk1", terminal_id="T001",
                         action="view", subject=f"000000{i:04d}", detail={"i": i})
            s.commit()


def _seq_of_nth(factory: Any, code: str, n: int) -> int:
    with factory() as s:
        return int(s.scalars(select(AccessLogEntry.seq).where(AccessLogEntry.municipality_code == code)
                             .order_by(AccessLogEntry.seq).offset(n).limit(1)).one())


def test_intact_chain_verifies(factory: Any) -> None:
    _append(factory, CITY_CODE, 5)
    _append(factory, TOWN_CODE, 3)
    with factory() as s:
        assert audit.verify_chain(s, CITY_CODE) is None
        assert audit.verify_chain(s, TOWN_CODE) is None


def test_edited_entry_is_detected(factory: Any) -> None:
    _append(factory, CITY_CODE, 6)
    seq = _seq_of_nth(factory, CITY_CODE, 3)
    with factory() as s:
        s.execute(update(AccessLogEntry).where(AccessLogEntry.municipality_code == CITY_CODE,
                                               AccessLogEntry.seq == seq).values(subject="9999999999"))
        s.commit()
    with factory() as s:
        broken = audit.verify_chain(s, CITY_CODE)
        assert broken == audit.BrokenLink(seq, "hash_mismatch")
        assert audit.verify_chain(s, TOWN_CODE) is None


def test_edit_with_recomputed_own_hash_breaks_the_next_link(factory: Any) -> None:
    _append(factory, CITY_CODE, 6)
    seq = _seq_of_nth(factory, CITY_CODE, 2)
    with factory() as s:
        entry = s.scalars(select(AccessLogEntry).where(AccessLogEntry.municipality_code == CITY_CODE,
                                                       AccessLogEntry.seq == seq)).one()
        entry.user_id = "intruder"
        entry.entry_hash = audit.entry_hash(entry.prev_hash, entry)
        s.commit()
    with factory() as s:
        assert audit.verify_chain(s, CITY_CODE) == audit.BrokenLink(seq + 1, "prev_hash_mismatch")


def test_deleted_entry_and_deleted_tail_are_detected(factory: Any) -> None:
    _append(factory, CITY_CODE, 6)
    middle = _seq_of_nth(factory, CITY_CODE, 2)
    with factory() as s:
        last = int(s.scalars(select(AccessLogEntry.seq).where(AccessLogEntry.municipality_code == CITY_CODE)
                             .order_by(AccessLogEntry.seq.desc()).limit(1)).one())
        s.execute(delete(AccessLogEntry).where(AccessLogEntry.municipality_code == CITY_CODE,
                                               AccessLogEntry.seq == last))
        s.commit()
    with factory() as s:
        assert audit.verify_chain(s, CITY_CODE) == audit.BrokenLink(last, "missing_tail")
        s.execute(delete(AccessLogEntry).where(AccessLogEntry.municipality_code == CITY_CODE,
                                               AccessLogEntry.seq == middle))
        s.commit()
    with factory() as s:
        assert audit.verify_chain(s, CITY_CODE) == audit.BrokenLink(middle, "missing_entry")
