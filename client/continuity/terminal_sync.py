"""``madoguchi sync``: everything the terminal owes the data centre and everything it needs back,
in the order the window's sync back uses (DESIGN.md §3 "Recovery and sync back"):

1. the own outbox (BCP issuances), then the terminal's own BCP access log (sign-ins, views,
   支援措置 refusals, issuances made offline) so it joins the data centre's hash chain;
2. the mutual-backup partners' outboxes and their access logs;
3. the replica: a damaged one (``client.replica.damage``) is rebuilt from the data centre, else
   the change feed is applied; ``verify`` also compares checksums (and repairs);
4. the partners' replicas;
5. 発行番号 serial leases, own and partners', refilled when low.

A line failure stops the run with nothing lost (each stage is idempotent and resumes next time).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from client.outbox.access_upload import AccessLogRefused, AccessUploadResult, upload_access_log
from client.outbox.leases import LeaseKeeper
from client.outbox.push import OutboxPusher, PushResult
from client.outbox.store import Outbox

log = logging.getLogger(__name__)

LOW_SERIALS = 50  # LeaseKeeper's default low water: below this `status` warns


def push_counts(r: PushResult) -> dict[str, int]:
    return {"stored": r.stored, "duplicates": r.duplicates, "rejected": r.rejected,
            "conflicts": len(r.conflicts), "remaining": r.remaining}


def open_own_outbox(data_dir: Path, keystore: Any, code: str) -> Outbox | None:
    from client.lifecycle.enrollment import OUTBOX_FILE, outbox_key_name
    from client.local.keystore import MissingKeyError

    path = Path(data_dir) / OUTBOX_FILE
    if not path.exists():
        return None
    try:
        key = keystore.database_key(outbox_key_name(code))
    except MissingKeyError as exc:  # never a new key: that would orphan the unsynced records
        raise MissingKeyError(
            "送信待ちファイル(outbox)の暗号鍵がキーリングにありません。ファイルは変更していません。"
            "キーリングのバックアップから暗号鍵を復元してください(再登録すると未送信の記録は失われます)。",
            f"{exc.message_en}; the outbox {path.name} is kept unchanged: restore the keyring entry "
            f"'db:{outbox_key_name(code)}' (service 'madoguchi') from its backup",
        ) from exc
    return Outbox.open(path, key, create=False)


def push_own(outbox: Outbox, remote: Any, *, progress: Callable[[int, int], None] | None = None,
             clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> tuple[PushResult, AccessUploadResult]:
    """The issuances first, then the access log (a refused log raises ``AccessLogRefused``)."""
    pushed = OutboxPusher(outbox, remote).push(clock, progress)
    return pushed, upload_access_log(outbox, remote)


def sync_terminal(data_dir: Path, keystore: Any, client: Any, code: str, *, page_size: int = 2000,
                  progress: Callable[[Any], None] | None = None, verify: bool = False,
                  push_progress: Callable[[int, int], None] | None = None,
                  now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> dict[str, Any]:
    from client.continuity.partner_desks import (
        PARTNER_LEASE_BLOCK,
        PARTNER_LEASE_LOW_WATER,
        PartnerRemote,
        push_partner_outboxes,
    )
    from client.local.files import partner_outbox_key_name, partner_outbox_path
    from client.local.keystore import LocalDataError
    from client.replica.damage import ReplicaDamagedError, check_replica
    from client.replica.store import ReplicaNotReadyError, ReplicaStore
    from client.replica.sync import ReplicaSync

    out: dict[str, Any] = {}
    outbox = open_own_outbox(data_dir, keystore, code)
    peers = _open_peer_files(data_dir, keystore, code)
    try:
        if peers is not None:  # 0: serials handed between peers go before the records issued on them
            out["peers"] = peers.before_outbox(client)
        if outbox is not None:  # 1
            pushed, access = push_own(outbox, client, progress=push_progress)
            out["outbox"] = push_counts(pushed)
            out["access_log"] = {"appended": access.appended, "duplicates": access.duplicates,
                                 "remaining": outbox.count_access_pending()}
        partner_pushed = push_partner_outboxes(data_dir, keystore, client)  # 2 (with their access logs)
        if partner_pushed:
            out["partner_outboxes"] = {c: push_counts(r) for c, r in partner_pushed.items()}
        store = ReplicaStore(data_dir, code, keystore)  # 3
        try:
            sync = ReplicaSync(store, client, page_size=page_size, progress=progress)
            damaged = ""
            try:
                check_replica(store)
            except ReplicaDamagedError as exc:
                damaged = exc.message_en
            except (ReplicaNotReadyError, LocalDataError):
                pass  # none yet, a wrong or missing key: the pull bootstraps or rebuilds it
            if damaged:
                log.error("replica %s damaged, rebuilding from the data centre: %s", code, damaged)
                store.close()
                result = sync.bootstrap(fresh=True, reason=damaged)  # swapped in only when complete
            else:
                result = sync.pull()
            out |= {"action": result.action, "applied": result.applied, "pages": result.pages,
                    "as_of_seq": result.as_of_seq, "as_of": result.as_of.isoformat() if result.as_of else None,
                    "repaired_because": result.repaired_because, "damaged": bool(damaged)}
            if verify:
                checked = sync.compare_checksums(repair=True)
                out["checksum"] = {"matches": checked.matches, "mismatched_kinds": list(checked.mismatched_kinds),
                                   "repaired": checked.repaired}
        finally:
            store.close()
        out["partners"] = _sync_partners(client, data_dir, keystore, code, page_size)  # 4
        leases: dict[str, Any] = {}  # 5
        if outbox is not None:
            own_lease = LeaseKeeper(outbox, client).refill(now())
            leases[code] = {"leased": own_lease.leased, "available": own_lease.available}
        for partner in out["partners"]:
            pcode = partner["municipality_code"]
            ppath = partner_outbox_path(data_dir, pcode)
            pbox = Outbox.open(ppath, keystore.ensure_database_key(partner_outbox_key_name(pcode)))
            try:
                keeper = LeaseKeeper(pbox, PartnerRemote(client, pcode), block_size=PARTNER_LEASE_BLOCK,
                                     low_water=PARTNER_LEASE_LOW_WATER)
                r = keeper.refill(now())
                leases[pcode] = {"leased": r.leased, "available": r.available}
            except Exception as exc:  # noqa: BLE001 - a partner's refusal never stops the own upkeep
                from client.remote.errors import RemoteRejectedError

                if not isinstance(exc, RemoteRejectedError):
                    raise
                log.warning("no serials leased for partner %s: %s", pcode, exc)
            finally:
                pbox.close()
        out["serials"] = leases
        if peers is not None:  # 6: the copies mirrored here, the emergency holds as proposals, decisions
            out["peers"] = {**out.get("peers", {}), **peers.after_outbox(client, data_dir, keystore, code)}
    finally:
        if outbox is not None:
            outbox.close()
        if peers is not None:
            peers.close()
    return out


class _PeerFiles:
    """The hall's files of this terminal (issue 18), opened without a peer endpoint (the window may
    hold the port): the peer list is refreshed, transfers, mirrored records and holds sent."""

    def __init__(self, holds: Any, mirrors: Any) -> None:
        self.holds, self.mirrors = holds, mirrors

    def before_outbox(self, client: Any) -> dict[str, Any]:
        from client.peers.directory import fetch_peer_list
        from client.peers.serials import push_transfers

        out: dict[str, Any] = {}
        try:
            out["peers_listed"] = len(fetch_peer_list(client, self.holds).peers)
        except Exception as exc:  # noqa: BLE001 - the cached list stays in use
            log.warning("peer list not refreshed: %s", exc)
        out["transfers"] = push_transfers(client, self.holds)
        return out

    def after_outbox(self, client: Any, data_dir: Path, keystore: Any, code: str) -> dict[str, Any]:
        from client.peers.directory import propose_holds, retire_decided
        from client.peers.mirror import push_mirrored
        from client.replica.store import ReplicaStore, get_meta

        out: dict[str, Any] = {"mirrored": push_mirrored(client, self.mirrors) if self.mirrors is not None else {},
               "holds_proposed": propose_holds(client, self.holds)}
        text = ""
        store = ReplicaStore(data_dir, code, keystore)  # pulled above: the change-log seq it has applied
        try:
            with store.read() as conn:
                text = get_meta(conn, "as_of_seq") or ""
        except Exception as exc:  # noqa: BLE001 - no usable replica: confirmed holds stay in force
            log.warning("replica time not read: %s", exc)
        finally:
            store.close()
        out["holds_retired"] = retire_decided(client, self.holds, int(text) if text else None)
        return out

    def close(self) -> None:
        self.holds.close()
        if self.mirrors is not None:
            self.mirrors.close()


def _open_peer_files(data_dir: Path, keystore: Any, code: str) -> _PeerFiles:
    from client.local.files import (
        PEER_HOLDS_FILE,
        PEER_MIRROR_FILE,
        peer_holds_key_name,
        peer_mirror_key_name,
    )
    from client.peers.holds import HoldStore
    from client.peers.mirror import MirrorStore

    holds = HoldStore.open(Path(data_dir) / PEER_HOLDS_FILE, keystore.ensure_database_key(peer_holds_key_name(code)))
    mirrors = None
    if (Path(data_dir) / PEER_MIRROR_FILE).exists():
        mirrors = MirrorStore.open(Path(data_dir) / PEER_MIRROR_FILE,
                                   keystore.ensure_database_key(peer_mirror_key_name(code)))
    return _PeerFiles(holds, mirrors)


def _sync_partners(client: Any, data_dir: Path, keystore: Any, own: str, page_size: int) -> list[Any]:
    """Pull the replicas of mutual-backup partners; drop those whose agreement ended."""
    from client.replica.partners import partner_syncs, prune_ended_partners

    out: list[Any] = []
    syncs = partner_syncs(client, data_dir, keystore, page_size=page_size)
    prune_ended_partners(data_dir, own, [s.store.code for s in syncs], keystore)
    for partner in syncs:
        try:
            r = partner.pull()
            out.append({"municipality_code": partner.store.code, "action": r.action, "applied": r.applied,
                        "as_of": r.as_of.isoformat() if r.as_of else None})
        finally:
            partner.store.close()
    return out


__all__ = ["AccessLogRefused", "LOW_SERIALS", "push_own", "sync_terminal"]
