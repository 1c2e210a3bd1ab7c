"""A terminal process for crash tests, killed (kill -9) at a random moment by its caller.

    python -m tests.faults.bcp_worker issue|push DATA_DIR KEYRING_FILE BASE_URL TOKEN SUBJECTS_JSON
        [--terminal-id T001] [--batch N] [--mixed-copies] [--timeout S]

``issue`` issues in BCP mode until killed (or out of serials, ``NOSERIALS``) and prints
``ISSUED <uuid>`` after each commit (what a clerk would hand out); ``push`` pushes the outbox in
batches and prints ``PUSHED <n>`` after each, then ``DONE <stored> <duplicates>``. Used by
``test_crash_bcp`` and the fault harness (``tests/faults/harness``).
"""

from __future__ import annotations

import argparse
import json
import random
from datetime import UTC, datetime
from pathlib import Path

from client.local.keystore import KeyStore
from client.outbox.push import OutboxPusher
from client.outbox.store import NoSerialsError
from client.remote.http import DataCentreClient
from tests.faults.replica_support import FileKeyring
from tests.integration.bcp_env import Terminal, juminhyo


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=("issue", "push"))
    for name in ("data_dir", "keyring_file", "base_url", "token", "subjects_json"):
        parser.add_argument(name)
    parser.add_argument("--terminal-id", default="T001")
    parser.add_argument("--batch", type=int, default=3, help="records per pushed batch")
    parser.add_argument("--mixed-copies", action="store_true", help="one or two copies at random")
    parser.add_argument("--timeout", type=float, default=10.0)
    args = parser.parse_args()
    remote = DataCentreClient(args.base_url, token=args.token, timeout=args.timeout, connect_timeout=1.0)
    terminal = Terminal.build(Path(args.data_dir), remote, KeyStore(FileKeyring(Path(args.keyring_file))),
                              terminal_id=args.terminal_id, terminal_name=f"本庁{args.terminal_id[-1]}")
    subjects = json.loads(args.subjects_json)
    rng = random.Random()
    if args.mode == "issue":
        while True:
            copies = rng.choice((1, 1, 2)) if args.mixed_copies else 1
            try:
                issued = terminal.issuer.issue(juminhyo(rng.choice(subjects), copies=copies), user_id="clerk1",
                                               printer_id="P001", now=datetime.now(UTC))
            except NoSerialsError:
                print("NOSERIALS", flush=True)
                return
            print(f"ISSUED {issued.record.uuid}", flush=True)  # one write: a kill cannot split it
    else:
        pusher = OutboxPusher(terminal.outbox, remote, batch_size=args.batch)
        result = pusher.push(lambda: datetime.now(UTC), lambda sent, total: print("PUSHED", sent, flush=True))
        print("DONE", result.stored, result.duplicates, flush=True)


if __name__ == "__main__":
    main()
