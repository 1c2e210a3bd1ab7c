"""Keep a block of 発行番号 serials leased while online, so BCP issuance never waits for one.

Like a reserved-values pool: refill when fewer than ``low_water`` remain; a lease that expired
(or is given back at decommissioning) is returned with the ranges it never used, so the server
can account for every number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from client.outbox.store import Lease, Outbox, leases

LEASE_PATH = "/api/v1/serials/lease"


class Remote(Protocol):
    def post(self, path: str, body: Any = None) -> Any: ...


@dataclass(frozen=True)
class LeaseReport:
    leased: int = 0  # serials newly leased
    returned: int = 0  # leases given back
    available: int = 0  # usable serials after the run


class LeaseKeeper:
    def __init__(self, outbox: Outbox, remote: Remote, *, block_size: int = 200, low_water: int = 50) -> None:
        if low_water >= block_size:
            raise ValueError("low_water must be below block_size")
        self.outbox = outbox
        self.remote = remote
        self.block_size = block_size
        self.low_water = low_water

    def refill(self, now: datetime) -> LeaseReport:
        """Online only: return expired leases, then lease a new block when running low."""
        returned = self.return_expired(now)
        available = self.outbox.serials_available(now)
        leased = 0
        if available < self.low_water:
            answer = self.remote.post(LEASE_PATH, {"size": self.block_size})
            lease = Lease(str(answer["lease_id"]), int(answer["first"]), int(answer["last"]),
                          datetime.fromisoformat(str(answer["expires_at"])),
                          datetime.fromisoformat(str(answer["leased_at"])) if answer.get("leased_at") else None)
            self.outbox.add_lease(lease)
            leased = lease.last - lease.first + 1
            available += leased
        return LeaseReport(leased=leased, returned=returned, available=available)

    def return_expired(self, now: datetime) -> int:
        with self.outbox.engine.connect() as conn:
            rows = conn.execute(leases.select().where(leases.c.status == "active")).mappings().all()
        count = 0
        for row in rows:
            if datetime.fromisoformat(row["expires_at"]) > now:
                continue
            self.give_back(str(row["lease_id"]), status="expired")
            count += 1
        return count

    def give_back(self, lease_id: str, *, status: str = "returned") -> None:
        unused = self.outbox.unused_ranges(lease_id)
        self.remote.post(f"/api/v1/serials/leases/{lease_id}/return", {"unused": [list(r) for r in unused]})
        self.outbox.close_lease(lease_id, status)
