"""Subprocess for the bootstrap benchmark: a fresh client process that builds the replica.

Run as ``python -m tests.bench.worker_bootstrap URL DATA_DIR KEYRING_JSON CODE``; prints one JSON
line (seconds, records, pages, wire bytes). The parent reads the peak RSS from ``wait4``, so the
figure is the whole client process: interpreter, SQLAlchemy, SQLCipher and the sync itself.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    url, data_dir, keyring_path, code = argv[:4]
    from client.local.keystore import KeyStore
    from client.remote.http import DataCentreClient
    from client.replica.store import ReplicaStore
    from client.replica.sync import ReplicaSync
    from tests.bench.support import CLERK, CountingTransport
    from tests.faults.replica_support import FileKeyring

    transport = CountingTransport()
    remote = DataCentreClient(url, timeout=120.0, connect_timeout=2.0, transport=transport)
    remote.login(code, CLERK[0], CLERK[1], "T001")
    store = ReplicaStore(Path(data_dir), code, KeyStore(FileKeyring(Path(keyring_path))))
    before = transport.received
    start = time.perf_counter()
    result = ReplicaSync(store, remote).bootstrap()
    seconds = time.perf_counter() - start
    store.close()
    remote.close()
    print(json.dumps({"seconds": seconds, "records": result.applied, "pages": result.pages,
                      "wire_bytes": transport.received - before, "as_of_seq": result.as_of_seq}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
