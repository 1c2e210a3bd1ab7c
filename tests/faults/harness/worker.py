"""A terminal process for the harness, killed by it (kill -9) at a random moment.

    python -m tests.faults.harness.worker issue|push DATA_DIR KEYRING_FILE BASE_URL TOKEN TERMINAL_ID SUBJECTS_JSON

``issue`` issues in BCP mode until killed and prints ``ISSUED <uuid>`` after each commit (what a
clerk would hand out); ``push`` pushes the outbox in batches of 2 and prints ``PUSHED <n>``.
"""

from __future__ import annotations

import json
import random
import sys
from datetime import UTC, datetime
from pathlib import Path

from client.local.keystore import KeyStore
from client.outbox.push import OutboxPusher
from client.outbox.store import NoSerialsError
from client.remote.http import DataCentreClient
from tests.faults.replica_support import FileKeyring
from tests.integration.bcp_env import Terminal, juminhyo


def main() -> None:
    mode, data_dir, keyring_file, base_url, token, terminal_id, subjects_json = sys.argv[1:8]
    remote = DataCentreClient(base_url, token=token, timeout=5.0, connect_timeout=1.0)
    terminal = Terminal.build(Path(data_dir), remote, KeyStore(FileKeyring(Path(keyring_file))),
                              terminal_id=terminal_id, terminal_name=f"本庁{terminal_id[-1]}")
    subjects = json.loads(subjects_json)
    rng = random.Random()
    if mode == "issue":
        while True:
            try:
                issued = terminal.issuer.issue(juminhyo(rng.choice(subjects)), user_id="clerk1",
                                               printer_id="P001", now=datetime.now(UTC))
            except NoSerialsError:
                print("NOSERIALS", flush=True)
                return
            print("ISSUED", issued.record.uuid, flush=True)
    elif mode == "push":
        pusher = OutboxPusher(terminal.outbox, remote, batch_size=2)
        result = pusher.push(lambda: datetime.now(UTC), lambda sent, total: print("PUSHED", sent, flush=True))
        print("DONE", result.stored, result.duplicates, flush=True)
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
