"""A terminal process for crash tests: issues in BCP mode, or pushes the outbox, until killed.

    python -m tests.faults.bcp_worker issue|push DATA_DIR KEYRING_FILE BASE_URL TOKEN SUBJECTS_JSON

Each committed issuance prints ``ISSUED <uuid>``; each pushed batch ``PUSHED <n>``.
"""

from __future__ import annotations

import json
import random
import sys
from datetime import UTC, datetime
from pathlib import Path

from client.local.keystore import KeyStore
from client.outbox.push import OutboxPusher
from client.remote.http import DataCentreClient
from tests.faults.replica_support import FileKeyring
from tests.integration.bcp_env import Terminal, juminhyo


def main() -> None:
    mode, data_dir, keyring_file, base_url, token, subjects_json = sys.argv[1:7]
    remote = DataCentreClient(base_url, token=token, timeout=10.0)
    terminal = Terminal.build(Path(data_dir), remote, KeyStore(FileKeyring(Path(keyring_file))))
    subjects = json.loads(subjects_json)
    rng = random.Random()
    if mode == "issue":
        while True:
            issued = terminal.issuer.issue(juminhyo(rng.choice(subjects), copies=rng.choice((1, 1, 2))),
                                           user_id="clerk1", printer_id="P001", now=datetime.now(UTC))
            print("ISSUED", issued.record.uuid, flush=True)
    elif mode == "push":
        pusher = OutboxPusher(terminal.outbox, remote, batch_size=3)
        result = pusher.push(lambda: datetime.now(UTC), lambda sent, total: print("PUSHED", sent, flush=True))
        print("DONE", result.stored, result.duplicates, flush=True)
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
