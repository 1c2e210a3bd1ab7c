"""One peer node in its own process, for SIGKILL tests: ``python -m tests.peers.peer_process CONFIG``.

Opens its hold file, starts its endpoint, joins the group (anti-entropy), writes ``CONFIG.ready``
and serves until killed.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from client.peers.holds import HoldStore
from client.peers.node import PeerNode
from client.peers.wire import PeerList


def main(config_path: str) -> None:
    config = json.loads(Path(config_path).read_text(encoding="utf-8"))
    holds = HoldStore.open(Path(config["data_dir"]) / "peer_holds.db", bytes.fromhex(config["db_key"]))
    node = PeerNode(config["terminal_id"], bytes.fromhex(config["private_key"]),
                    PeerList.from_dict(config["peers"]), holds, bind=config["bind"]).start()
    report = node.join()
    print(f"joined: reached {report.reached}, unreachable {sorted(report.unreachable)}", flush=True)
    Path(config_path).with_suffix(".ready").write_text(node.address, encoding="utf-8")
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main(sys.argv[1])
