"""The server's side of the BCP access-log upload: duplicates, a conflicting entry at the cursor,
a gap, a tampered hash, and a terminal whose outbox was rebuilt (a new chain). SQLite, PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from client.outbox.store import GENESIS, entry_hash
from server_stub.audit import chain as audit
from server_stub.audit.terminal_log import TerminalLogRejected, append_terminal_entries
from server_stub.db import begin_write
from server_stub.models import AccessLogEntry
from tests.integration.conftest import CITY_CODE

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def chain(subjects: list[str], start: int = 1, prev: str = GENESIS) -> list[dict[str, Any]]:
    """Entries as ``Outbox.access_entries`` returns them, chained like the terminal chains them."""
    out = []
    for i, subject in enumerate(subjects):
        body = {"at": (T0 + timedelta(minutes=start + i)).isoformat(), "user_id": "clerk1", "action": "view",
                "subject": subject, "mode": "bcp"}
        h = entry_hash(prev, body)
        out.append({"seq": start + i, **body, "prev_hash": prev, "hash": h})
        prev = h
    return out


def upload(factory: sessionmaker[Session], entries: list[dict[str, Any]]) -> dict[str, int]:
    with factory() as s:
        begin_write(s)
        try:
            outcome = append_terminal_entries(s, CITY_CODE, "T001", "clerk1", entries, T0 + timedelta(days=1))
        except TerminalLogRejected:
            s.rollback()
            raise
        s.commit()
    return outcome.to_dict()


def bcp_details(factory: sessionmaker[Session]) -> list[dict[str, Any]]:
    with factory() as s:
        rows = s.scalars(select(AccessLogEntry.detail_json).where(
            AccessLogEntry.municipality_code == CITY_CODE, AccessLogEntry.mode == "bcp").order_by(AccessLogEntry.seq))
        return [json.loads(d) for d in rows]


def test_terminal_chain_upload_rules(factory: sessionmaker[Session]) -> None:
    first = chain(["0000000011", "0000000029", "0000000037"])
    assert upload(factory, first) == {"appended": 3, "duplicates": 0, "last_seq": 3}
    assert upload(factory, first[1:]) == {"appended": 0, "duplicates": 2, "last_seq": 3}

    # An entry at the cursor that is not the one received (re-hashed after an edit): refused.
    forged = chain(["0000000011", "0000000029", "9999999999"])
    with pytest.raises(TerminalLogRejected) as conflict:
        upload(factory, forged[2:])
    assert (conflict.value.status, conflict.value.code, conflict.value.seq) == (409, "terminal_log_conflict", 3)
    # A gap and a tampered hash: refused, nothing appended.
    more = chain(["0000000045", "0000000053"], start=4, prev=first[-1]["hash"])
    with pytest.raises(TerminalLogRejected) as gap:
        upload(factory, more[1:])
    assert (gap.value.code, gap.value.seq) == ("terminal_log_gap", 4)
    tampered = [dict(more[0], subject="0000000061"), more[1]]
    with pytest.raises(TerminalLogRejected) as bad:
        upload(factory, tampered)
    assert (bad.value.code, bad.value.seq) == ("terminal_log_tampered", 4)
    assert len(bcp_details(factory)) == 3
    assert upload(factory, more)["appended"] == 2

    # The outbox was rebuilt: a new chain from seq 1 is kept, its first entry marked.
    rebuilt = chain(["0000000079", "0000000087"])
    assert upload(factory, rebuilt) == {"appended": 2, "duplicates": 0, "last_seq": 2}
    details = bcp_details(factory)
    assert [d["terminal_seq"] for d in details] == [1, 2, 3, 4, 5, 1, 2]
    assert details[5].get("terminal_chain_restarted") is True and "terminal_chain_restarted" not in details[0]
    assert upload(factory, rebuilt)["duplicates"] == 2  # and a retry of the new chain is recognised
    with factory() as s:
        assert audit.verify_chain(s, CITY_CODE) is None
