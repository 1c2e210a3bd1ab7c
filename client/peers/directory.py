"""The data centre's side of the peer group: the site's peer list, and hold proposals on recovery.

* ``fetch_peer_list(remote)`` — ``GET /api/v1/peers`` with the terminal's own request signature
  (while online); the list is kept in the encrypted holds file, so a terminal started during an
  outage still knows its peers (``cached_peer_list``).
* ``propose_holds(remote, holds)`` — ``POST /api/v1/peers/hold-proposals`` with every hold not yet
  stored there (its own and its peers', each signed by its origin); the data centre stores each
  hold once and a supervisor confirms it online (``/api/v1/peers/hold-proposals/{id}/confirm``).
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from client.peers.holds import HoldStore
from client.peers.wire import PeerList

META_PEER_LIST = "peer_list"


class Remote(Protocol):
    def get(self, path: str, **params: Any) -> Any: ...

    def post(self, path: str, body: Any = None) -> Any: ...


def fetch_peer_list(remote: Remote, holds: HoldStore | None = None) -> PeerList:
    peers = PeerList.from_dict(remote.get("/api/v1/peers"))
    if holds is not None:
        holds.set_meta(META_PEER_LIST, json.dumps(peers.to_dict()))
    return peers


def cached_peer_list(holds: HoldStore) -> PeerList | None:
    text = holds.get_meta(META_PEER_LIST)
    return PeerList.from_dict(json.loads(text)) if text else None


def propose_holds(remote: Remote, holds: HoldStore) -> dict[str, str]:
    """Send the holds the data centre has not stored yet; returns hold id → stored | duplicate."""
    pending = holds.signed(unproposed_only=True)
    if not pending:
        return {}
    answer = remote.post("/api/v1/peers/hold-proposals", {"holds": pending})
    results = {str(r["hold_id"]): str(r["status"]) for r in answer.get("results", [])}
    holds.mark_proposed(h for h, status in results.items() if status in ("stored", "duplicate"))
    return results


def retire_decided(remote: Remote, holds: HoldStore, replica_seq: int | None) -> list[str]:
    """Retire the holds a supervisor decided (``GET /api/v1/peers/hold-decisions``); the ids retired.

    A declined hold stops at once. A confirmed one stops only when the replica has applied the
    change-log row of the register's 抑止 / 仮支援措置 it became (``replica_seq``, the replica's
    ``as_of_seq``): the rule engine then refuses on that instead. Until then both apply (fail closed).
    """
    decided: dict[str, str] = {}
    for d in remote.get("/api/v1/peers/hold-decisions").get("decisions", []):
        status, change_seq = str(d.get("status", "")), d.get("change_seq")
        if status == "declined":
            decided[str(d["hold_id"])] = status
        elif status == "confirmed" and replica_seq is not None and isinstance(change_seq, int) \
                and replica_seq >= change_seq:
            decided[str(d["hold_id"])] = status
    return holds.retire(decided) if decided else []
