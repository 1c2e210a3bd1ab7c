"""What a terminal tells the data centre about service levels: the outages it saw and the
response times it measured. Both are kept in the data directory until the server has them,
and sent when the terminal syncs (after the outbox push).

* :class:`OutageTracker` listens to the connectivity machine. A primary-line outage (ONLINE →
  SECONDARY) is one report of scope ``primary``; all lines down (→ BCP, or a confirmation
  request under the ``confirm`` policy) is one report of scope ``all``: detected when the last
  line went down, notified when the counter staff were told (BCP banner or confirmation dialog),
  BCP began when the mode changed, ended when a line answered steadily again (RECOVERING or
  back ONLINE). The terminal cannot see an outage before its first failed request or probe, so
  ``started_at`` is that moment.
* :class:`ResponseSampler` records response times of online requests (:class:`TimedRemote`
  wraps the data-centre client) and uploads them in batches, each stored once by the server.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from client.fileswap.ops import replace_file

OUTAGES_FILE = "outages.json"
SAMPLES_FILE = "response-samples.json"
OUTAGES_PATH = "/api/v1/terminals/outages"
SAMPLES_PATH = "/api/v1/terminals/samples"
MAX_SAMPLES = 20_000


class Poster(Protocol):
    def post(self, path: str, body: Any = None) -> Any: ...


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    replace_file(tmp, path)  # Windows: waits out a reader's brief open


def _read_json(path: Path, default: Any) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return default


class OutageTracker:
    """A ConnectivityMachine listener (``machine.subscribe(tracker)``); thread-safe."""

    def __init__(self, data_dir: Path, *, wall: Callable[[], datetime] = lambda: datetime.now(UTC),
                 monotonic: Callable[[], float] = time.monotonic,
                 down_since: Callable[[], float | None] | None = None) -> None:
        self.path = Path(data_dir) / OUTAGES_FILE
        self.wall = wall
        self.monotonic = monotonic
        self.down_since = down_since  # ConnectivityMachine.down_since: when the last line went down
        self._lock = threading.Lock()

    def _at(self, mono: float) -> str:
        return (self.wall() - timedelta(seconds=max(0.0, self.monotonic() - mono))).isoformat()

    def _open(self, records: list[dict[str, Any]], scope: str) -> dict[str, Any] | None:
        return next((r for r in records if r["scope"] == scope and r.get("ended_at") is None), None)

    def __call__(self, event: Any) -> None:
        kind = type(event).__name__
        with self._lock:
            records: list[dict[str, Any]] = _read_json(self.path, [])
            if kind == "BcpConfirmationNeeded":
                self._all_down(records, detected=event.down_since, notified=event.at, bcp=None)
            elif kind == "ModeChanged":
                old, new = str(event.old), str(event.new)
                if old == "online" and new == "secondary":
                    records.append(self._new("primary", self._at(event.at), notified=None))
                elif new == "bcp":
                    since = self.down_since() if self.down_since else None
                    self._all_down(records, detected=since if since is not None else event.at, notified=event.at,
                                   bcp=event.at)
                elif new in ("recovering", "online", "secondary") and old in ("bcp", "recovering"):
                    current = self._open(records, "all")
                    if current is not None:
                        current["ended_at"], current["sent"] = self._at(event.at), False
                if new == "online":
                    current = self._open(records, "primary")
                    if current is not None:
                        current["ended_at"], current["sent"] = self._at(event.at), False
            else:
                return
            _write_json(self.path, records)

    def _new(self, scope: str, detected: str, notified: str | None) -> dict[str, Any]:
        return {"report_id": str(uuid.uuid4()), "scope": scope, "started_at": detected, "detected_at": detected,
                "bcp_started_at": None, "notified_at": notified, "ended_at": None, "sent": False}

    def _all_down(self, records: list[dict[str, Any]], *, detected: float, notified: float,
                  bcp: float | None) -> None:
        current = self._open(records, "all")
        if current is None:
            current = self._new("all", self._at(detected), notified=self._at(notified))
            records.append(current)
        if bcp is not None and current["bcp_started_at"] is None:
            current["bcp_started_at"], current["sent"] = self._at(bcp), False

    def pending(self) -> list[dict[str, Any]]:
        return [r for r in _read_json(self.path, []) if not r.get("sent")]

    def report(self, remote: Poster) -> int:
        """Send unsent reports (an open outage again once it has ended); returns how many were sent.
        Records that ended and were sent are dropped from the file."""
        todo = self.pending()
        if not todo:
            return 0
        remote.post(OUTAGES_PATH, {"reports": [{k: v for k, v in r.items() if k != "sent" and v is not None}
                                               for r in todo]})
        sent = {r["report_id"]: r.get("ended_at") for r in todo}
        with self._lock:
            records = _read_json(self.path, [])
            for r in records:
                if r["report_id"] in sent and r.get("ended_at") == sent[r["report_id"]]:
                    r["sent"] = True
            _write_json(self.path, [r for r in records if not (r.get("sent") and r.get("ended_at"))])
        return len(todo)


_DIGITS = re.compile(r"\d+")


def operation_of(method: str, path: str) -> str:
    """``GET /api/v1/residents/0000012345`` → ``GET residents/{n}``: no numbers (no 宛名番号)."""
    short = _DIGITS.sub("{n}", path.split("?", 1)[0].removeprefix("/api/v1/"))
    return f"{method.upper()} {short}"[:32]


class ResponseSampler:
    def __init__(self, data_dir: Path, *, wall: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.path = Path(data_dir) / SAMPLES_FILE
        self.wall = wall
        self._lock = threading.Lock()
        self._buffer: list[dict[str, Any]] = _read_json(self.path, [])

    def record(self, operation: str, ms: float) -> None:
        with self._lock:
            self._buffer.append({"at": self.wall().isoformat(), "operation": operation[:32], "ms": int(round(ms))})
            del self._buffer[:-MAX_SAMPLES]

    def save(self) -> None:
        with self._lock:
            _write_json(self.path, self._buffer)

    def upload(self, remote: Poster, batch_size: int = 5000) -> int:
        """Send the recorded samples in batches; a batch is dropped here once the server has it."""
        sent = 0
        while True:
            with self._lock:
                batch = self._buffer[:batch_size]
            if not batch:
                break
            remote.post(SAMPLES_PATH, {"batch_id": str(uuid.uuid4()), "samples": batch})
            with self._lock:
                del self._buffer[:len(batch)]
                _write_json(self.path, self._buffer)
            sent += len(batch)
        return sent


class TimedRemote:
    """Wraps the data-centre client: ``get``/``post`` that succeed are timed into the sampler."""

    def __init__(self, remote: Any, sampler: ResponseSampler) -> None:
        self._remote = remote
        self._sampler = sampler

    def __getattr__(self, name: str) -> Any:
        return getattr(self._remote, name)

    def get(self, path: str, **params: Any) -> Any:
        started = time.perf_counter()
        answer = self._remote.get(path, **params)
        self._sampler.record(operation_of("GET", path), (time.perf_counter() - started) * 1000)
        return answer

    def post(self, path: str, body: Any = None) -> Any:
        started = time.perf_counter()
        answer = self._remote.post(path, body)
        if path not in (SAMPLES_PATH, OUTAGES_PATH):
            self._sampler.record(operation_of("POST", path), (time.perf_counter() - started) * 1000)
        return answer
