"""Tampering with the batched access log is found: edits, deletions, reorders across batches,
batch heads, deleted tails; entries a killed process left pending are sealed; an old log migrates.

The log is written the way the server writes it: entries accepted in a transaction then sealed
(``audit.append`` + commit), and reads through the group commit of a real ``LogWriter`` (many
threads at once, so a batch carries several entries). Each test then edits the tables directly,
as someone with database access would, and ``audit.verify_chain`` must name the first broken link.
"""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, insert, select, text, update

from server_stub import counters
from server_stub.audit import chain as audit
from server_stub.audit.writer import LogWriter
from server_stub.db import begin_write, make_engine, make_sessionmaker
from server_stub.migrate import upgrade
from server_stub.models import AccessLogBatch, AccessLogEntry, AccessLogPending, Counter
from server_stub.seed.demo import CITY, TOWN, seed_demo

CODE = CITY.code


@pytest.fixture
def factory(db_url: str) -> Any:
    engine = make_engine(db_url, pool_size=12)
    factory = make_sessionmaker(engine)
    seed_demo(factory, residents=0, seed=1)
    yield factory
    engine.dispose()


def _fields(i: int) -> dict[str, Any]:
    return {"now": datetime.now(UTC), "user_id": "clerk1", "terminal_id": f"T{i % 3:03d}", "action": "view",
            "subject": f"{i:010d}", "detail": {"i": i}}


def _accepted(factory: Any, code: str, n: int, start: int = 0) -> None:
    """n entries accepted in write transactions (as an issuance writes them), sealed after commit."""
    with factory() as s:
        for i in range(start, start + n):
            begin_write(s)
            audit.append(s, code, **_fields(i))
            s.commit()


def _grouped(factory: Any, code: str, n: int, start: int = 0) -> None:
    """n reads logged at once from 8 threads through one LogWriter (group commit)."""
    writer = LogWriter(factory.kw["bind"])
    try:
        def work(k: int) -> None:
            for i in range(start + k, start + n, 8):
                writer.record(code, audit.entry_values(**_fields(i)))

        threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        writer.stop()


def _log(factory: Any, code: str = CODE) -> None:
    _accepted(factory, code, 4)
    _grouped(factory, code, 40, 100)
    _accepted(factory, code, 3, 200)
    _grouped(factory, code, 24, 300)


def _batches(factory: Any, code: str = CODE) -> list[AccessLogBatch]:
    with factory() as s:
        return list(s.scalars(select(AccessLogBatch).where(AccessLogBatch.municipality_code == code)
                              .order_by(AccessLogBatch.batch_no)))


def _verify(factory: Any, code: str = CODE) -> audit.BrokenLink | None:
    with factory() as s:
        return audit.verify_chain(s, code)


def _multi_entry_batch(factory: Any) -> AccessLogBatch:
    return next(b for b in _batches(factory) if b.last_seq - b.first_seq >= 2)


def test_intact_log_has_batches_and_verifies(factory: Any) -> None:
    _log(factory)
    _accepted(factory, TOWN.code, 2)
    heads = _batches(factory)
    with factory() as s:
        total = s.scalar(select(func.count()).select_from(AccessLogEntry).where(
            AccessLogEntry.municipality_code == CODE))
        assert audit.pending_count(s, CODE) == 0
    assert total == 4 + 40 + 3 + 24
    assert heads[0].first_seq == 1 and heads[-1].last_seq == total
    assert len(heads) < total  # the group commit sealed several entries per batch
    assert any(b.last_seq > b.first_seq for b in heads)
    assert _verify(factory) is None and _verify(factory, TOWN.code) is None


def test_edited_entry_inside_a_batch(factory: Any) -> None:
    _log(factory)
    b = _multi_entry_batch(factory)
    with factory() as s:
        s.execute(update(AccessLogEntry).where(AccessLogEntry.municipality_code == CODE,
                                               AccessLogEntry.seq == b.first_seq + 1).values(subject="9999999999"))
        s.commit()
    assert _verify(factory) == audit.BrokenLink(b.first_seq + 1, "hash_mismatch")


def test_edited_and_rehashed_last_entry_of_the_log(factory: Any) -> None:
    """Recomputing the edited entry's own hash leaves no next entry to disagree: the batch head does."""
    _log(factory)
    last = _batches(factory)[-1].last_seq
    with factory() as s:
        entry = s.scalars(select(AccessLogEntry).where(AccessLogEntry.municipality_code == CODE,
                                                       AccessLogEntry.seq == last)).one()
        entry.subject = "9999999999"
        entry.entry_hash = audit.entry_hash(entry.prev_hash, entry)
        s.commit()
    assert _verify(factory) == audit.BrokenLink(last, "batch_mismatch")


def test_reordered_pair_across_a_batch_boundary(factory: Any) -> None:
    """Two entries on either side of a batch boundary swap places (seq and link fields swapped)."""
    _log(factory)
    boundary = _batches(factory)[1].first_seq  # first entry of batch 2; its predecessor ends batch 1
    with factory() as s:
        a, b = (s.scalars(select(AccessLogEntry).where(AccessLogEntry.municipality_code == CODE,
                                                       AccessLogEntry.seq == q)).one() for q in (boundary - 1, boundary))
        fields = ("seq", "prev_hash", "entry_hash")
        va, vb = ({f: getattr(x, f) for f in fields} for x in (a, b))
        s.execute(update(AccessLogEntry).where(AccessLogEntry.id == a.id).values(seq=-1))
        s.execute(update(AccessLogEntry).where(AccessLogEntry.id == b.id).values(**va))
        s.execute(update(AccessLogEntry).where(AccessLogEntry.id == a.id).values(**vb))
        s.commit()
    assert _verify(factory) == audit.BrokenLink(boundary - 1, "hash_mismatch")


def test_deleted_entry_in_a_later_batch(factory: Any) -> None:
    _log(factory)
    b = _batches(factory)[-2]
    with factory() as s:
        s.execute(delete(AccessLogEntry).where(AccessLogEntry.municipality_code == CODE,
                                               AccessLogEntry.seq == b.first_seq))
        s.commit()
    assert _verify(factory) == audit.BrokenLink(b.first_seq, "missing_entry")


def test_deleted_tail_spanning_batches(factory: Any) -> None:
    """The last batches' entries and heads deleted: the counter still knows how far the log went."""
    _log(factory)
    heads = _batches(factory)
    cut = heads[-3].first_seq
    with factory() as s:
        s.execute(delete(AccessLogEntry).where(AccessLogEntry.municipality_code == CODE, AccessLogEntry.seq >= cut))
        s.execute(delete(AccessLogBatch).where(AccessLogBatch.municipality_code == CODE,
                                               AccessLogBatch.batch_no >= heads[-3].batch_no))
        s.commit()
    assert _verify(factory) == audit.BrokenLink(cut, "missing_tail")


def test_deleted_tail_with_the_counter_rewound(factory: Any) -> None:
    """Entries and counter rewound, batch heads left: the last head names entries that are gone."""
    _log(factory)
    heads = _batches(factory)
    cut = heads[-1].first_seq
    with factory() as s:
        s.execute(delete(AccessLogEntry).where(AccessLogEntry.municipality_code == CODE, AccessLogEntry.seq >= cut))
        s.execute(update(Counter).where(Counter.municipality_code == CODE, Counter.name == counters.ACCESS_SEQ)
                  .values(value=cut - 1))
        s.commit()
    assert _verify(factory) == audit.BrokenLink(heads[-1].last_seq, "missing_tail")


def test_batch_head_edited_or_removed(factory: Any) -> None:
    _log(factory)
    heads = _batches(factory)
    middle = heads[len(heads) // 2]
    with factory() as s:  # a head moved to cover fewer entries
        s.execute(update(AccessLogBatch).where(AccessLogBatch.municipality_code == CODE,
                                               AccessLogBatch.batch_no == middle.batch_no)
                  .values(last_seq=middle.last_seq - 1))
        s.commit()
    assert _verify(factory) is not None and _verify(factory).reason == "batch_mismatch"  # type: ignore[union-attr]
    with factory() as s:
        s.execute(update(AccessLogBatch).where(AccessLogBatch.municipality_code == CODE,
                                               AccessLogBatch.batch_no == middle.batch_no)
                  .values(last_seq=middle.last_seq))
        s.commit()
    assert _verify(factory) is None
    with factory() as s:  # a head deleted
        s.execute(delete(AccessLogBatch).where(AccessLogBatch.municipality_code == CODE,
                                               AccessLogBatch.batch_no == middle.batch_no))
        s.commit()
    assert _verify(factory) == audit.BrokenLink(heads[len(heads) // 2 + 1].first_seq, "batch_mismatch")


def test_rehashed_head_without_the_key_fails_the_signature(factory: Any) -> None:
    """Editing an entry AND re-deriving every later hash and head hash still fails: the signature."""
    _log(factory)
    last = _batches(factory)[-1]
    with factory() as s:
        entry = s.scalars(select(AccessLogEntry).where(AccessLogEntry.municipality_code == CODE,
                                                       AccessLogEntry.seq == last.last_seq)).one()
        entry.subject = "9999999999"
        entry.entry_hash = audit.entry_hash(entry.prev_hash, entry)
        head = s.get(AccessLogBatch, (CODE, last.batch_no))
        assert head is not None
        head.last_entry_hash = entry.entry_hash
        head.batch_hash = audit.batch_hash_of(CODE, head.batch_no, head.first_seq, head.last_seq,
                                              head.last_entry_hash, head.prev_batch_hash, head.sealed_at)
        s.commit()
    assert _verify(factory) == audit.BrokenLink(last.last_seq, "batch_mismatch")


def test_pending_entries_of_a_killed_process_are_sealed_in_order(factory: Any) -> None:
    """Accepted rows whose process died before sealing: the next seal puts them in the chain."""
    _log(factory)
    with factory() as s:
        s.execute(insert(AccessLogPending), [{"municipality_code": CODE, **audit.entry_values(**_fields(900 + i))}
                                             for i in range(3)])
        s.commit()  # a raw insert: no after-commit seal, as if the process died right after its commit
        assert audit.pending_count(s, CODE) == 3
    assert _verify(factory) is None  # pending entries are not in the chain yet (and counted apart)
    assert audit.seal_all(factory.kw["bind"], datetime.now(UTC)) == 3
    with factory() as s:
        assert audit.pending_count(s, CODE) == 0
        tail = list(s.scalars(select(AccessLogEntry.subject).where(AccessLogEntry.municipality_code == CODE)
                              .order_by(AccessLogEntry.seq.desc()).limit(3)))
    assert tail == [f"{902:010d}", f"{901:010d}", f"{900:010d}"]
    assert _verify(factory) is None


def test_rollback_drops_the_accepted_entry(factory: Any) -> None:
    _log(factory)
    with factory() as s:
        before = s.scalar(select(func.count()).select_from(AccessLogEntry))
        begin_write(s)
        audit.append(s, CODE, **_fields(999))
        s.rollback()
        assert audit.pending_count(s, CODE) == 0
        assert s.scalar(select(func.count()).select_from(AccessLogEntry)) == before
    assert _verify(factory) is None


def test_existing_log_migrates_forward(tmp_path: Path) -> None:
    """A log written before the batches (the revision before 0600, chained entry by entry) keeps
    every entry and verifies after the upgrade, with batch 1 covering it; new entries continue the chain."""
    from alembic.script import ScriptDirectory

    from server_stub.migrate import alembic_config

    url = f"sqlite:///{tmp_path / 'old.db'}"
    before_batches = ScriptDirectory.from_config(alembic_config(url)).get_revision("0600").down_revision
    assert isinstance(before_batches, str)
    upgrade(url, before_batches)
    engine = make_engine(url, pool_size=2)
    try:
        from server_stub.tenants.municipalities import create_municipality

        factory = make_sessionmaker(engine)
        with factory() as s:
            begin_write(s)
            create_municipality(s, code=CITY.code, name=CITY.name, prefecture=CITY.prefecture, mayor_title="市長",
                                mayor_name="桜ヶ丘 太郎", now=datetime.now(UTC))
            s.commit()
        prev = audit.GENESIS
        with engine.begin() as conn:
            for seq in range(1, 31):
                v = audit.entry_values(**_fields(seq))
                digest = hashlib.sha256(prev.encode() + audit._canonical(CODE, seq, v)).hexdigest()
                conn.execute(insert(AccessLogEntry), [{"municipality_code": CODE, "seq": seq, **v,
                                                       "prev_hash": prev, "entry_hash": digest}])
                prev = digest
            conn.execute(text("UPDATE counters SET value = 30 WHERE municipality_code = :c AND name = 'access_seq'"),
                         {"c": CODE})
    finally:
        engine.dispose()
    upgrade(url)
    engine = make_engine(url, pool_size=2)
    try:
        factory = make_sessionmaker(engine)
        heads = _batches(factory)
        assert [(b.batch_no, b.first_seq, b.last_seq) for b in heads] == [(1, 1, 30)]
        assert _verify(factory) is None
        _accepted(factory, CODE, 2, 500)
        with factory() as s:
            assert s.scalar(select(func.count()).select_from(AccessLogEntry)) == 32
            first = s.scalars(select(AccessLogEntry).where(AccessLogEntry.seq == 1)).one()
            assert json.loads(first.detail_json) == {"i": 1}
        assert _verify(factory) is None
    finally:
        engine.dispose()
