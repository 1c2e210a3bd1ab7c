"""A replica sync in a separate process, to be killed (kill -9) by the tests.

    python -m tests.faults.replica_worker --data-dir D --keyring-file K --server URL \\
        --action bootstrap|pull [--page-size N] [--kill-at PHASE:PAGE:before|after] [--page-sleep S]

``--kill-at`` sends SIGKILL to itself at that point (``before``: inside the page transaction,
before its commit; ``after``: right after the commit). ``--page-sleep`` slows each page so a test
can kill the process from outside at a random moment. Prints ``DONE <json>`` on completion.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path

from client.local.keystore import KeyStore
from client.replica.store import ReplicaStore
from client.replica.sync import ReplicaSync, SyncHooks
from tests.faults.replica_support import CITY, FileKeyring, signed_client


class KillHooks(SyncHooks):
    def __init__(self, kill_at: str | None, page_sleep: float) -> None:
        self.target = None
        if kill_at:
            phase, page, when = kill_at.split(":")
            self.target = (phase, int(page), when)
        self.page_sleep = page_sleep

    def _maybe_kill(self, phase: str, page_no: int, when: str) -> None:
        if self.target == (phase, page_no, when):
            sys.stdout.flush()
            os.kill(os.getpid(), signal.SIGKILL)

    def before_commit(self, phase: str, page_no: int) -> None:
        if self.page_sleep:
            time.sleep(self.page_sleep)
        self._maybe_kill(phase, page_no, "before")

    def after_commit(self, phase: str, page_no: int) -> None:
        self._maybe_kill(phase, page_no, "after")


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--data-dir", type=Path, required=True)
    p.add_argument("--keyring-file", type=Path, required=True)
    p.add_argument("--server", required=True)
    p.add_argument("--action", choices=("bootstrap", "pull"), required=True)
    p.add_argument("--page-size", type=int, default=100)
    p.add_argument("--kill-at", default=None)
    p.add_argument("--page-sleep", type=float, default=0.0)
    args = p.parse_args()
    store = ReplicaStore(args.data_dir, CITY, KeyStore(FileKeyring(args.keyring_file)))
    sync = ReplicaSync(store, signed_client(args.server), page_size=args.page_size,
                       hooks=KillHooks(args.kill_at, args.page_sleep))
    result = sync.bootstrap() if args.action == "bootstrap" else sync.pull()
    print("DONE " + json.dumps({"action": result.action, "applied": result.applied, "pages": result.pages}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
