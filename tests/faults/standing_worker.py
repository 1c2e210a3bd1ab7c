"""A terminal process for the clock tests of issue 15, run under ``faketime``:

    faketime -f '+15d' python -m tests.faults.standing_worker --data-dir D --keyring-file K

Opens the replica and the outbox with the keys in the file keyring and prints one JSON line:
what opened, and the error class and messages of what did not.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path

from client.lifecycle.enrollment import OUTBOX_FILE, Enrolment, outbox_key_name
from client.local.keystore import KeyStore, LocalDataError
from client.outbox.store import Outbox
from client.replica.store import ReplicaStore
from tests.faults.replica_support import FileKeyring


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--data-dir", type=Path, required=True)
    p.add_argument("--keyring-file", type=Path, required=True)
    args = p.parse_args()
    keystore = KeyStore(FileKeyring(args.keyring_file))
    code = Enrolment.load(args.data_dir).municipality_code
    out: dict[str, object] = {"now": datetime.now(UTC).isoformat()}
    store = ReplicaStore(args.data_dir, code, keystore)
    try:
        with store.read() as conn:
            out["replica"] = conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar() is not None
    except LocalDataError as exc:
        out["replica"] = False
        out["replica_error"] = type(exc).__name__
        out["message_ja"], out["message_en"] = exc.message_ja, exc.message_en
    finally:
        store.close()
    box = Outbox.open(args.data_dir / OUTBOX_FILE, keystore.database_key(outbox_key_name(code)), create=False)
    try:
        out["outbox_pending"] = box.count_pending()
    finally:
        box.close()
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
