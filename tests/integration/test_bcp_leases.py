"""Serial leases kept topped up while online; expired leases returned with their unused ranges."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from client.local.keystore import KeyStore
from client.outbox.leases import LeaseKeeper
from server_stub.migrate import upgrade
from tests.integration.bcp_env import (
    Terminal,
    juminhyo,
    login,
    now_utc,
    plain_subjects,
    seed,
    terminal_signed,
)


@pytest.fixture
def terminal(tmp_path: Path, server_factory, memory_keyring):
    db_url = f"sqlite:///{tmp_path / 'server.db'}"
    upgrade(db_url)
    seed(db_url)
    server = server_factory(db_url)
    t = Terminal.build(tmp_path / "t", login(server.base_url), KeyStore())
    t.bootstrap()
    yield t, db_url, server
    t.close()


def test_refill_when_low_and_return_expired_with_unused_ranges(terminal) -> None:
    t, db_url, server = terminal
    signed = terminal_signed(server.base_url)  # the terminal leases on its own, no clerk signed in
    keeper = LeaseKeeper(t.outbox, signed, block_size=20, low_water=5)
    first = keeper.refill(now_utc())
    assert (first.leased, first.available) == (20, 20)
    assert keeper.refill(now_utc()).leased == 0  # enough left: one small request avoided

    subject = plain_subjects(db_url, 1)[0]
    t.issuer.issue(juminhyo(subject, copies=16), user_id="clerk1", printer_id="P001", now=now_utc())
    again = keeper.refill(now_utc())
    assert again.leased == 20 and again.available == 24

    # A day after expiry both leases go back; the server records what was never used.
    later = now_utc() + timedelta(days=400)
    report = keeper.refill(later)
    assert report.returned == 2 and report.leased == 20
    leases = {x["lease_id"]: x for x in login(server.base_url, "supervisor1", "supervisor1pass")
              .get("/api/v1/serials/leases")["leases"]}
    returned = [x for x in leases.values() if x["status"] == "returned"]
    assert len(returned) == 2
    unused = sorted(tuple(r) for x in returned for r in x.get("unused", []))
    used = sorted(c["serial"] for r in t.outbox.all_records() for c in r.record["copies"])
    all_serials = sorted(s for x in returned for s in range(x["first"], x["last"] + 1))
    unused_serials = sorted(s for a, b in unused for s in range(a, b + 1))
    assert sorted(used + unused_serials) == all_serials


def test_low_water_must_be_below_block_size(terminal) -> None:
    t, _, _ = terminal
    with pytest.raises(ValueError):
        LeaseKeeper(t.outbox, t.remote, block_size=10, low_water=10)
