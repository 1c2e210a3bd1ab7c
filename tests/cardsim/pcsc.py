"""A real PC/SC stack for tests: pcscd (socket-activated on a private socket) with the vsmartcard
vpcd virtual reader, and a card this process plays (vpicc-style: the card connects to vpcd).

- pcscd 1.9 always binds /run/pcscd/pcscd.comm unless it is handed a listening socket the systemd
  way (LISTEN_FDS/LISTEN_PID); we do that, so the test daemon never meets a system one, and the
  client library finds it through PCSCLITE_CSOCK_NAME.
- vpcd 3.3 listens on 0.0.0.0:PORT (and PORT+1 for its second slot), and its reverse mode
  (vpcd connecting to the card) aborts pcscd once a card leaves. So pcscd runs in its own network
  namespace (``unshare --net``, only ``lo`` inside): vpcd's port exists nowhere else, and the
  card thread joins that namespace (setns) to connect to it. The same unshare gives it a private
  mount of /run/pcscd (tmpfs), where pcscd writes and at exit removes its pid file, so a system
  pcscd is never touched. Without the privilege for that, the stack falls back to the host
  namespaces on a free port (``isolated`` tells which).
"""

from __future__ import annotations

import ctypes
import os
import shutil
import socket
import struct
import subprocess
import threading
import time
from pathlib import Path

from tests.cardsim.card import EmulatedCard

VPCD_DRIVER = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
SOCKET_ENV = "PCSCLITE_CSOCK_NAME"
CLONE_NEWNET = 0x40000000
VPCD_PORT = 35963  # vpcd's default; inside the private namespace nothing else can hold it


def available() -> str:
    """Empty when the stack can run here; otherwise why not."""
    if shutil.which("pcscd") is None:
        return "pcscd is not installed (apt-get install pcscd)"
    if not VPCD_DRIVER.is_file():
        return "vsmartcard-vpcd is not installed (apt-get install vsmartcard-vpcd)"
    try:
        import smartcard  # noqa: F401
    except ImportError:
        return "pyscard is not installed"
    return ""


def _can_unshare() -> bool:
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return False
    probe = ["unshare", "--net", "--mount", "sh", "-c", "mkdir -p /run/pcscd && mount -t tmpfs tmpfs /run/pcscd"]
    return subprocess.run(probe, capture_output=True).returncode == 0


def _free_port_pair() -> int:
    for _ in range(50):
        with socket.socket() as a, socket.socket() as b:
            a.bind(("0.0.0.0", 0))
            port = a.getsockname()[1]
            try:
                b.bind(("0.0.0.0", port + 1))
            except OSError:
                continue
            return int(port)
    raise RuntimeError("no two consecutive free ports")


def _quickack(conn: socket.socket) -> None:
    # vpcd 3.3 writes the length and the APDU separately: without an immediate ACK, Nagle holds
    # the second write for our delayed ACK (~40 ms an APDU). Linux resets QUICKACK, so set it each time.
    quickack = getattr(socket, "TCP_QUICKACK", None)
    if quickack is not None:
        conn.setsockopt(socket.IPPROTO_TCP, quickack, 1)


def _recv(conn: socket.socket) -> bytes | None:
    _quickack(conn)
    head = conn.recv(2, socket.MSG_WAITALL)
    _quickack(conn)
    if len(head) < 2:
        return None
    (n,) = struct.unpack(">H", head)
    data = conn.recv(n, socket.MSG_WAITALL) if n else b""
    return data if len(data) == n else None


def _send(conn: socket.socket, data: bytes) -> None:
    conn.sendall(struct.pack(">H", len(data)) + data)


class CardSlot:
    """The card side of vpcd's protocol: while a card is inserted, a connection serves it."""

    def __init__(self, port: int, netns: str | None) -> None:
        self.port = port
        self._netns = netns
        self._lock = threading.Lock()
        self._card: EmulatedCard | None = None
        self._conn: socket.socket | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self.pulled = threading.Event()
        self._thread = threading.Thread(target=self._run, name="card-slot", daemon=True)
        self._thread.start()

    def insert(self, card: EmulatedCard) -> None:
        with self._lock:
            self._card = card
            self.pulled.clear()
        self._wake.set()

    def remove(self) -> None:
        with self._lock:
            self._card = None
            conn = self._conn
        if conn is not None:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self) -> None:
        self._stop.set()
        self.remove()
        self._wake.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        if self._netns is not None:
            libc = ctypes.CDLL(None, use_errno=True)
            fd = os.open(self._netns, os.O_RDONLY)
            try:
                if libc.setns(fd, CLONE_NEWNET) != 0:
                    raise OSError(ctypes.get_errno(), "setns")
            finally:
                os.close(fd)
        while not self._stop.is_set():
            self._wake.wait(0.2)
            self._wake.clear()
            with self._lock:
                card = self._card
            if card is None:
                continue
            try:
                conn = socket.create_connection(("127.0.0.1", self.port), timeout=2)
            except OSError:
                time.sleep(0.05)
                self._wake.set()
                continue
            conn.settimeout(None)
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self._conn = conn
            try:
                self._talk(conn, card)
            except OSError:
                pass
            finally:
                with self._lock:
                    self._conn = None
                conn.close()

    def _talk(self, conn: socket.socket, card: EmulatedCard) -> None:
        while not self._stop.is_set():
            msg = _recv(conn)
            if msg is None:
                return
            with self._lock:
                if self._card is not card:
                    return
            if len(msg) == 1:  # vpcd control: 0 off, 1 on, 2 reset, 4 ATR
                if msg[0] in (1, 2):
                    card.power_on()
                elif msg[0] == 4:
                    _send(conn, card.atr)
                continue
            response = card.process(msg)
            if response is None:  # pulled out mid-read
                self.pulled.set()
                with self._lock:
                    self._card = None
                return
            _send(conn, response)


class PcscStack:
    """pcscd + vpcd + our card slot; ``start()`` sets PCSCLITE_CSOCK_NAME for this process."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None
        self.slot: CardSlot | None = None
        self.isolated = False
        self.socket_path = workdir / "pcscd.comm"
        self.reader_name = "Madoguchi Test Reader 00 00"

    def start(self, timeout: float = 15.0) -> None:
        why = available()
        if why:
            raise RuntimeError(why)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.isolated = _can_unshare()
        port = VPCD_PORT if self.isolated else _free_port_pair()
        conf = self.workdir / "reader.conf.d"
        conf.mkdir(exist_ok=True)
        (conf / "vpcd").write_text(
            'FRIENDLYNAME "Madoguchi Test Reader"\n'
            f"DEVICENAME   /dev/null:{port}\n"
            f"LIBPATH      {VPCD_DRIVER}\n"
            f"CHANNELID    {port}\n"
        )
        if self.socket_path.exists():
            self.socket_path.unlink()
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(self.socket_path))
        listener.listen(32)
        fd = listener.fileno()

        def hand_over() -> None:  # in the child: the socket becomes fd 3 (SD_LISTEN_FDS_START)
            if fd != 3:
                os.dup2(fd, 3)
            os.set_inheritable(3, True)

        log = open(self.workdir / "pcscd.log", "wb")  # noqa: SIM115 - closed in stop()
        self._log = log
        self.proc = subprocess.Popen(
            [*(["unshare", "--net", "--mount"] if self.isolated else []), "sh", "-c",
             ("ip link set lo up && mkdir -p /run/pcscd && mount -t tmpfs tmpfs /run/pcscd && "
              if self.isolated else "")
             + 'LISTEN_PID=$$ LISTEN_FDS=1 exec pcscd --foreground --config "$0" --info', str(conf)],
            preexec_fn=hand_over, pass_fds=(fd,) if fd == 3 else (fd, 3), stdout=log, stderr=subprocess.STDOUT,
            env={k: v for k, v in os.environ.items() if k not in ("LISTEN_PID", "LISTEN_FDS")},
        )
        listener.close()
        os.environ[SOCKET_ENV] = str(self.socket_path)

        deadline = time.monotonic() + timeout
        from smartcard import scard

        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"pcscd exited: {(self.workdir / 'pcscd.log').read_text(errors='replace')}")
            hr, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
            if hr == scard.SCARD_S_SUCCESS:
                hr, names = scard.SCardListReaders(ctx, [])
                scard.SCardReleaseContext(ctx)
                if hr == scard.SCARD_S_SUCCESS and names:
                    self.reader_name = names[0]
                    # pcscd answers, so unshare has run: its namespace is the one to join
                    netns = f"/proc/{self.proc.pid}/ns/net" if self.isolated else None
                    if netns is not None and os.stat(netns).st_ino == os.stat("/proc/self/ns/net").st_ino:
                        raise RuntimeError("pcscd is not in its own network namespace")
                    self.slot = CardSlot(port, netns)
                    return
            time.sleep(0.1)
        raise RuntimeError("pcscd did not list the vpcd reader in time")

    def card_present(self) -> bool:
        from smartcard import scard

        hr, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if hr != scard.SCARD_S_SUCCESS:
            return False
        try:
            hr, states = scard.SCardGetStatusChange(ctx, 0, [(self.reader_name, scard.SCARD_STATE_UNAWARE)])
            return hr == scard.SCARD_S_SUCCESS and bool(states[0][1] & scard.SCARD_STATE_PRESENT)
        finally:
            scard.SCardReleaseContext(ctx)

    def insert(self, card: EmulatedCard, timeout: float = 10.0) -> None:
        """Put ``card`` in the reader and wait until pcscd sees it."""
        assert self.slot is not None
        self.remove()
        self.slot.insert(card)
        self._wait(True, timeout)

    def remove(self, timeout: float = 10.0) -> None:
        assert self.slot is not None
        self.slot.remove()
        self._wait(False, timeout)

    def _wait(self, present: bool, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.card_present() == present:
                return
            time.sleep(0.05)
        raise RuntimeError(f"pcscd did not see the card {'inserted' if present else 'removed'}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if self.slot is not None:
            self.slot.close()
        if getattr(self, "_log", None) is not None:
            self._log.close()
