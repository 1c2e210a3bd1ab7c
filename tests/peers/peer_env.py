"""Peers in a box: in-process peer nodes on 127.0.0.x with real sockets and real SQLCipher hold files,
and a peer in its own process (``peer_process.py``) that a test can SIGKILL and restart."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from client.peers.holds import HoldStore
from client.peers.node import PeerNode
from client.peers.wire import PeerInfo, PeerList

CODE = "112089"
REPO = Path(__file__).resolve().parents[2]


def new_key() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


def public_of(private: bytes) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(private).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def free_port_on(host: str) -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


@dataclass
class Member:
    terminal_id: str
    host: str
    port: int
    private_key: bytes
    db_key: bytes
    data_dir: Path

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def info(self) -> PeerInfo:
        return PeerInfo(self.terminal_id, public_of(self.private_key), self.address)


def members(tmp_path: Path, count: int, *, first_host: int = 2) -> list[Member]:
    out = []
    for i in range(count):
        host = f"127.0.0.{first_host + i}"
        out.append(Member(f"T{i + 1:03d}", host, free_port_on(host), new_key(), os.urandom(32),
                          tmp_path / f"peer{i + 1}"))
    return out


def peer_list(group: list[Member]) -> PeerList:
    return PeerList(CODE, "本庁舎", tuple(m.info() for m in group))


def start_node(member: Member, peers: PeerList) -> PeerNode:
    holds = HoldStore.open(member.data_dir / "peer_holds.db", member.db_key)
    # a longer read timeout than the product's 1.5 s LAN default: on a loaded 2-core CI machine a
    # peer's first answer (key exchange, then the hold) took longer and was reported unreachable;
    # the peers that are meant to be unreachable here are down (refused), which fails at once
    return PeerNode(member.terminal_id, member.private_key, peers, holds, bind=member.address,
                    read_timeout=5.0).start()


def stop_node(node: PeerNode) -> None:
    node.stop()
    node.holds.close()


class PeerProcess:
    """``python -m tests.peers.peer_process``: one peer in its own process (joins the group on start)."""

    def __init__(self, member: Member, peers: PeerList, tmp_path: Path) -> None:
        self.member = member
        self.config = tmp_path / f"{member.terminal_id}-config.json"
        self.config.write_text(json.dumps({
            "terminal_id": member.terminal_id, "bind": member.address, "data_dir": str(member.data_dir),
            "private_key": member.private_key.hex(), "db_key": member.db_key.hex(), "peers": peers.to_dict(),
        }), encoding="utf-8")
        self.log = tmp_path / f"{member.terminal_id}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 20.0) -> PeerProcess:
        ready = self.config.with_suffix(".ready")
        ready.unlink(missing_ok=True)
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "tests.peers.peer_process", str(self.config)],
                                         stdout=log, stderr=subprocess.STDOUT, cwd=str(REPO), env=os.environ.copy())
        deadline = time.monotonic() + timeout
        while not ready.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"peer process did not start: {self.log.read_text(errors='replace')}")
            time.sleep(0.05)
        return self

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
