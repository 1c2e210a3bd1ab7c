"""Mutual backup (相互バックアップ): replicas of partner municipalities on this terminal.

When the data centre records an agreement between this terminal's municipality and a partner,
the terminal also keeps the partner's replica — its own file, under its own raw key — pulled
with this terminal's credentials (the server checks the agreement on every page). The partner's
replica is for BCP only: staff of the partner sign in against the staff records of that replica
(``ReplicaLookups(store).staff``), never with this municipality's accounts.
"""

from __future__ import annotations

from pathlib import Path

from client.local.keystore import KeyStore
from client.remote.http import DataCentreClient
from client.replica.store import ReplicaStore
from client.replica.sync import ReplicaSync


def partner_codes(client: DataCentreClient) -> list[str]:
    return [str(p["municipality_code"]) for p in client.replica_partners()]


def partner_syncs(client: DataCentreClient, data_dir: Path, keystore: KeyStore, *,
                  page_size: int = 2000) -> list[ReplicaSync]:
    """One ``ReplicaSync`` per partner with a recorded agreement (each with its own store and key)."""
    return [ReplicaSync(ReplicaStore(data_dir, code, keystore), client, page_size=page_size, partner=True)
            for code in partner_codes(client)]


def prune_ended_partners(data_dir: Path, own_code: str, current: list[str], keystore: KeyStore) -> list[str]:
    """Remove replicas (files and keys) of municipalities that are no longer partners."""
    from client.local.secure_db import remove_database
    from client.replica.status import replica_codes
    from client.replica.store import replica_key_name

    removed = []
    for code in replica_codes(data_dir):
        if code == own_code or code in current:
            continue
        store = ReplicaStore(data_dir, code, keystore)
        store.close()
        store.generations.remove_all()  # every generation, its sidecars and the pointer
        remove_database(store.building_path)
        keystore.delete_database_key(replica_key_name(code))
        removed.append(code)
    return removed
