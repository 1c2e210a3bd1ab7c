"""A damaged replica is found before any decision is made from it, and rebuilt from the data centre.

SQLCipher authenticates every page (HMAC): ``PRAGMA cipher_integrity_check`` reads them all, and
SQLite's ``quick_check`` the b-tree structure (``client.local.secure_db.check_integrity``). A replica
whose pages fail may still open and answer most queries — so a missing 支援措置 or 抑止 row on a
damaged page could let an issuance through. BCP decisions and ``madoguchi status`` therefore
check the whole file; ``madoguchi sync`` rebuilds a damaged replica into the building file and
swaps it in only when complete (the damaged file is never read for a decision meanwhile, and the
outbox — a separate file — is never touched).
"""

from __future__ import annotations

import threading
from pathlib import Path

from client.local.secure_db import CorruptDatabaseError, check_integrity, probe, raw_connect
from client.replica.store import ReplicaStore

REBUILD_HINT_JA = ("データセンターに接続できる状態で「madoguchi sync」を実行すると、データセンターから"
                   "作り直されます(未送信の発行記録は失われません)。")
REBUILD_HINT_EN = "run 'madoguchi sync' while the data centre is reachable to rebuild it (the outbox is kept)"


class ReplicaDamagedError(CorruptDatabaseError):
    """Pages of the replica fail their HMAC or the structure check: nothing is decided from it."""

    default_ja = "端末の住民データの複製が破損しています。この複製からは判断できません。" + REBUILD_HINT_JA


def check_replica(store: ReplicaStore, *, structure: bool = True) -> None:
    """Raise ``ReplicaDamagedError`` when the live replica is damaged (other errors propagate:
    ``ReplicaNotReadyError`` when there is none, ``WrongKeyError``, ``MissingKeyError``).

    ``structure=False`` checks the pages' HMACs only (about a third of the time): what a damaged
    disk or a partial overwrite produces; ``status`` and ``sync`` add SQLite's ``quick_check``."""
    if not store.path.exists():
        store.engine()  # raises ReplicaNotReadyError (or completes a pending swap)
        return
    try:
        if structure:
            check_integrity(store.path, store.key())
        else:
            check_page_hmacs(store.path, store.key())
    except ReplicaDamagedError:
        raise
    except CorruptDatabaseError as exc:
        raise ReplicaDamagedError(message_en=f"replica {store.path.name} is damaged: {exc.message_en}; "
                                  f"{REBUILD_HINT_EN}") from exc


def check_page_hmacs(path: Path, key: bytes) -> None:
    """Every page's HMAC (SQLCipher ``cipher_integrity_check``); ``CorruptDatabaseError`` on a failure."""
    probe(path, key)
    conn = raw_connect(path, key)
    try:
        failures = conn.execute("PRAGMA cipher_integrity_check").fetchall()
    finally:
        conn.close()
    if failures:
        raise CorruptDatabaseError(message_en=f"{path.name}: {len(failures)} pages fail their HMAC ({failures[0][0]})")


class IntegrityGate:
    """Checks the whole replica before a BCP decision, once per version of the file: the result is
    kept while the file (and its WAL) keep their size and modification time, so the scan runs
    again only after the replica changed (a pull, a rebuild)."""

    def __init__(self, store: ReplicaStore) -> None:
        self.store = store
        self._vouched: tuple[int, ...] | None = None
        self._lock = threading.Lock()

    def _signature(self) -> tuple[int, ...]:
        out: list[int] = []
        for path in (self.store.path, self.store.path.with_name(self.store.path.name + "-wal")):
            try:
                st = path.stat()
            except OSError:
                out.extend((-1, -1))
                continue
            out.extend((st.st_size, st.st_mtime_ns))
        return tuple(out)

    def vouch(self) -> None:
        """Raise ``ReplicaDamagedError`` when the replica is damaged; cheap when already checked."""
        with self._lock:
            signature = self._signature()
            if self._vouched == signature:
                return
            check_replica(self.store, structure=False)
            self._vouched = signature
