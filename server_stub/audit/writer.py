"""Group commit for the access log: one writer thread per serve process.

Requests hand their entries to :meth:`LogWriter.record` (reads) or ask for a seal after their own
commit (:meth:`LogWriter.seal_after_commit`, writes whose entry is pending) and wait. The writer
takes everything waiting, seals it in ONE short write transaction per round (the chain's lock is
held for that transaction only, never for a request's own work), commits, and wakes the waiters:
a request answers only after its entry is durable. While a round runs the next one fills up, so
under load a round carries many entries and the cost of the lock and the commit is shared.

Nothing here must be unique: every process has its own writer, the sequencing happens under the
database's ``access_seq`` row lock, and an entry waiting in memory has not been answered yet. The
writer also sweeps, every few seconds, pending entries that no process sealed (a process killed
between its commit and the seal).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from server_stub.audit import chain as audit
from server_stub.db import IMMEDIATE_OPTION

log = logging.getLogger(__name__)

SEAL_WAIT_SECONDS = 10.0  # a write's entry is durable already; after this the request answers anyway
SWEEP_SECONDS = 2.0
MAX_ROUND = 2000  # entries per transaction


class LogWriteError(RuntimeError):
    """The access-log entry could not be written: the request must not be answered with data."""


@dataclass
class _Ticket:
    code: str
    values: dict[str, Any] | None  # None: only seal the municipality's pending entries
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None


class LogWriter:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = threading.Condition()
        self._queue: list[_Ticket] = []
        self._thread: threading.Thread | None = None
        self._stopped = False
        self.rounds = 0
        self.entries = 0

    # -- request side ---------------------------------------------------------------------------

    def _submit(self, ticket: _Ticket) -> _Ticket:
        with self._lock:
            if self._stopped:
                raise LogWriteError("access-log writer stopped")
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="mdg-log-writer", daemon=True)
                self._thread.start()
            self._queue.append(ticket)
            self._lock.notify()
        return ticket

    def record(self, code: str, values: dict[str, Any]) -> None:
        """Write an entry (group commit); returns when it is committed. Raises LogWriteError."""
        ticket = self._submit(_Ticket(code, values))
        if not ticket.done.wait(60.0):
            raise LogWriteError("access-log write timed out")
        if ticket.error is not None:
            raise LogWriteError(f"access-log write failed: {ticket.error}") from ticket.error

    def seal_after_commit(self, codes: set[str]) -> None:
        """Seal the municipalities' pending entries (already durable); wait a bounded time."""
        tickets = [self._submit(_Ticket(code, None)) for code in sorted(codes)]
        deadline = time.monotonic() + SEAL_WAIT_SECONDS
        for t in tickets:
            if not t.done.wait(max(0.0, deadline - time.monotonic())) or t.error is not None:
                log.warning("access-log seal of %s not confirmed (%s); the sweep will seal it", t.code, t.error)

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            self._lock.notify()
        if self._thread is not None:
            self._thread.join(timeout=10)

    # -- the writer thread ------------------------------------------------------------------------

    def _run(self) -> None:
        next_sweep = time.monotonic() + SWEEP_SECONDS
        while True:
            with self._lock:
                while not self._queue and not self._stopped and time.monotonic() < next_sweep:
                    self._lock.wait(max(0.01, next_sweep - time.monotonic()))
                if self._stopped and not self._queue:
                    return
                batch, self._queue = self._queue[:MAX_ROUND], self._queue[MAX_ROUND:]
            if not batch:
                next_sweep = time.monotonic() + SWEEP_SECONDS
                try:
                    audit.seal_all(self.engine, datetime.now(UTC))
                except Exception:  # noqa: BLE001 - the sweep retries; requests are not affected
                    log.exception("access-log sweep failed")
                continue
            self._round(batch)

    def _round(self, batch: list[_Ticket]) -> None:
        by_code: dict[str, list[_Ticket]] = defaultdict(list)
        for t in batch:
            by_code[t.code].append(t)
        error: BaseException | None = None
        for attempt in range(3):
            try:
                with self.engine.connect() as raw:
                    conn = raw.execution_options(**{IMMEDIATE_OPTION: True})
                    with conn.begin():
                        now = datetime.now(UTC)
                        for code in sorted(by_code):
                            audit.seal(conn, code, now, [t.values for t in by_code[code] if t.values is not None])
                error = None
                break
            except Exception as exc:  # noqa: BLE001 - handed to every waiter
                error = exc
                log.warning("access-log round failed (attempt %d): %s", attempt + 1, exc)
                time.sleep(0.05 * (attempt + 1))
        self.rounds += 1
        self.entries += len(batch)
        for t in batch:
            t.error = error
            t.done.set()


def _after_commit(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a SAVEPOINT released: the outer transaction has not committed yet
    codes: set[str] | None = session.info.pop(audit.PENDING_KEY, None)
    if not codes:
        return
    writer: LogWriter | None = session.info.get(audit.WRITER_KEY)
    if writer is not None:
        writer.seal_after_commit(codes)
        return
    try:
        audit.seal_all(session.get_bind(), datetime.now(UTC), codes)
    except Exception:  # noqa: BLE001 - the entries are durable; the next seal or `audit verify` takes them
        log.exception("access-log seal after commit failed")


def _after_rollback(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a SAVEPOINT rolled back: the outer transaction's entries stay pending
    session.info.pop(audit.PENDING_KEY, None)


_INSTALLED = "_mdg_seal_hooks"


def install(factory: sessionmaker[Session], writer: LogWriter | None = None) -> None:
    """Seal the entries a session accepted after each of its commits (through ``writer`` if given)."""
    if writer is not None:
        factory.configure(info={audit.WRITER_KEY: writer})
    # A mark on the factory itself, not ``event.contains``: SQLAlchemy keys its listener registry
    # by ``id()`` of the sessionmaker's Session subclass and keeps the key after that class is
    # collected, so a new factory at a reused address "contained" the hook and never got it
    # (its commits left their entries pending until some sweep; seen as a flaky test).
    if not getattr(factory, _INSTALLED, False):
        event.listen(factory, "after_commit", _after_commit)
        event.listen(factory, "after_rollback", _after_rollback)
        setattr(factory, _INSTALLED, True)
