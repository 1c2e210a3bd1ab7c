"""A fault-injecting TCP proxy for tests: a real socket between the client and the real server.

Modes (switch at any time with ``proxy.mode = ...``; new connections pick up the mode, and
``cut`` also drops the connections that are open):

* ``pass``      forward both ways unchanged;
* ``delay``     forward, sleeping ``delay`` seconds before each upstream→client chunk;
* ``reset``     accept, then close with RST at once (connection reset by peer); open ones too;
* ``truncate``  forward the response head and ``keep_body_bytes`` bytes of the body, then close
                (with ``truncate_budget`` set: only that many connections, later ones pass);
* ``garble``    forward everything, but flip bytes in the response body (length unchanged);
* ``half_open`` accept and read, never answer, never close (the client must time out); open
                connections stop passing data too;
* ``cut``       refuse new connections (closed port semantics: RST on connect) and drop open ones.

Counters (``connections``, ``responses_started``) let tests assert how many requests went out.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from collections.abc import Iterator

MODES = ("pass", "delay", "reset", "truncate", "garble", "half_open", "cut")


class FaultProxy:
    def __init__(self, upstream_host: str, upstream_port: int, *, mode: str = "pass", delay: float = 0.5,
                 keep_body_bytes: int = 64) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.mode = mode
        self.delay = delay
        self.keep_body_bytes = keep_body_bytes
        self.truncate_budget: int | None = None  # truncate only this many more connections (None: all)
        self.connections = 0
        self.bytes_to_client = 0
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = int(self._listener.getsockname()[1])
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, name="fault-proxy", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown proxy mode {mode!r}")
        self.mode = mode
        if mode in ("cut", "reset"):
            self.drop_all()

    def drop_all(self) -> None:
        with self._lock:
            socks = list(self._open)
            self._open.clear()
        for s in socks:
            _rst_close(s)

    def close(self) -> None:
        self._stopped.set()
        with contextlib.suppress(OSError):
            self._listener.close()
        self.drop_all()

    # -- internals ---------------------------------------------------------------------------

    def _track(self, *socks: socket.socket) -> None:
        with self._lock:
            self._open.update(socks)

    def _untrack(self, *socks: socket.socket) -> None:
        with self._lock:
            for s in socks:
                self._open.discard(s)

    def _accept_loop(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            mode = self.mode
            if mode in ("reset", "cut"):
                _rst_close(client)
                continue
            if mode == "half_open":
                self._track(client)
                threading.Thread(target=_drain, args=(client,), daemon=True).start()
                continue
            try:
                upstream = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                _rst_close(client)
                continue
            upstream.settimeout(None)
            self._track(client, upstream)
            spared = False
            if mode == "truncate" and self.truncate_budget is not None:
                spared = self.truncate_budget <= 0
                self.truncate_budget -= 1
            threading.Thread(target=self._pump, args=(client, upstream, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, True, spared), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, to_client: bool, spared: bool = False) -> None:
        head_done = False
        head = b""
        body_sent = 0
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if self.mode == "half_open":
                    continue  # the line swallows everything, both ways, and never closes
                if to_client:
                    mode = self.mode
                    if spared and mode == "truncate":
                        mode = "pass"
                    if mode == "cut":
                        break
                    if mode == "delay":
                        time.sleep(self.delay)
                    if mode in ("truncate", "garble"):
                        if not head_done:
                            head += data
                            end = head.find(b"\r\n\r\n")
                            if end < 0:
                                continue
                            head_done = True
                            data_head, data = head[: end + 4], head[end + 4 :]
                            dst.sendall(data_head)
                            self.bytes_to_client += len(data_head)
                        if mode == "truncate":
                            room = self.keep_body_bytes - body_sent
                            piece = data[: max(room, 0)]
                            if piece:
                                dst.sendall(piece)
                                body_sent += len(piece)
                            if body_sent >= self.keep_body_bytes:
                                break
                            continue
                        data = _garble(data)
                    self.bytes_to_client += len(data)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            self._untrack(src, dst)
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                with contextlib.suppress(OSError):
                    s.close()


def _garble(data: bytes) -> bytes:
    out = bytearray(data)
    for i in range(0, len(out), 7):
        out[i] ^= 0x5A
    return bytes(out)


def _drain(sock: socket.socket) -> None:
    try:
        while sock.recv(65536):
            pass
    except OSError:
        pass


def _rst_close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.close()


@contextlib.contextmanager
def fault_proxy(upstream_host: str, upstream_port: int, **kwargs: object) -> Iterator[FaultProxy]:
    proxy = FaultProxy(upstream_host, upstream_port, **kwargs)  # type: ignore[arg-type]
    try:
        yield proxy
    finally:
        proxy.close()
