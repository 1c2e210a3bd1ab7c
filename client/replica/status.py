"""What the terminal knows about its replicas, without the network: as-of time, age, state.

Used by ``madoguchi status`` and the BCP banner. A replica that cannot be opened is reported
with its specific error, never raised.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

from client.local.keystore import KeyStore, LocalDataError
from client.replica.store import ReplicaStore, get_meta

_REPLICA_FILE = re.compile(r"^replica-(\d{6})(?:\.g\d+)?\.db$")  # any generation (client.fileswap)
_BUILDING_FILE = re.compile(r"^replica-(\d{6})\.building\.db$")


def replica_codes(data_dir: Path) -> list[str]:
    """Municipality codes with a replica (or a bootstrap in progress) in ``data_dir``."""
    codes = set()
    if Path(data_dir).is_dir():
        for p in Path(data_dir).iterdir():
            m = _REPLICA_FILE.match(p.name) or _BUILDING_FILE.match(p.name)
            if m:
                codes.add(m.group(1))
    return sorted(codes)


def age_seconds(as_of: datetime | None, now: datetime) -> float | None:
    return None if as_of is None else max(0.0, (now - as_of).total_seconds())


def replica_status(store: ReplicaStore, now: datetime) -> dict[str, Any]:
    out: dict[str, Any] = {"municipality_code": store.code, "file": str(store.path), "state": "missing",
                           "as_of": None, "age_seconds": None, "as_of_seq": None}
    if store.building_path.exists():
        try:
            out["bootstrap"] = store.building_progress()
        except LocalDataError as exc:
            out["bootstrap"] = {"error": exc.message_en}
    if not store.path.exists():
        if "bootstrap" in out:
            out["state"] = "bootstrapping"
        return out
    try:
        with store.read() as conn:
            as_of_text = get_meta(conn, "as_of")
            out["as_of_seq"] = int(get_meta(conn, "as_of_seq") or 0)
            out["residents"] = conn.exec_driver_sql("SELECT count(*) FROM residents").scalar()
        as_of = datetime.fromisoformat(as_of_text) if as_of_text else None
        out.update(state="ready", as_of=as_of.isoformat() if as_of else None, age_seconds=age_seconds(as_of, now))
    except LocalDataError as exc:
        out.update(state="unusable", error=type(exc).__name__, message_en=exc.message_en, message_ja=exc.message_ja)
    finally:
        store.close()
    return out


def all_replica_status(data_dir: Path, keystore: KeyStore, now: datetime) -> list[dict[str, Any]]:
    return [replica_status(ReplicaStore(data_dir, code, keystore), now) for code in replica_codes(data_dir)]
