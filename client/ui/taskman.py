"""Background work for the counter UI (after Anki's taskman).

One single-worker executor for local databases (replica, outbox: one writer), a small pool for
the network. Results come back to the GUI thread through ONE Qt signal: a worker appends a
closure to a queue and emits ``_closures_pending``; the slot, on the GUI thread, runs them.
Nothing here touches widgets from a worker thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Qt, Signal, Slot

from client.ui.qt_signals import emit

log = logging.getLogger(__name__)

T = TypeVar("T")
OnDone = Callable[[T], None]
OnError = Callable[[BaseException], None]


class TaskManager(QObject):
    _closures_pending = Signal()
    # an action changed what the counter holds ("issued", "voided", …; client/ui/operations):
    # the views that show it (the banner, the 交付履歴) listen here
    changed = Signal(str)

    def __init__(self, parent: QObject | None = None, *, network_workers: int = 4) -> None:
        super().__init__(parent)
        self._net = ThreadPoolExecutor(max_workers=network_workers, thread_name_prefix="madoguchi-net")
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="madoguchi-db")
        self._closures: list[Callable[[], None]] = []
        self._lock = threading.Lock()
        self._pending = 0
        self._running: set[Future[Any]] = set()  # submitted, not finished (shutdown waits for them)
        self._closures_pending.connect(self._on_closures_pending, Qt.ConnectionType.QueuedConnection)

    # -- public ------------------------------------------------------------------------------

    def run_on_main(self, closure: Callable[[], None]) -> None:
        """Run ``closure`` on the GUI thread soon (callable from any thread)."""
        with self._lock:
            self._closures.append(closure)
        emit(self._closures_pending)

    def run_network(self, fn: Callable[[], T], on_done: OnDone[T] | None = None, on_error: OnError | None = None) -> Future[T]:
        return self._submit(self._net, fn, on_done, on_error)

    def run_db(self, fn: Callable[[], T], on_done: OnDone[T] | None = None, on_error: OnError | None = None) -> Future[T]:
        return self._submit(self._db, fn, on_done, on_error)

    def run_counter(self, local: bool, fn: Callable[[], T], on_done: OnDone[T] | None = None,
                    on_error: OnError | None = None) -> Future[T]:
        """A counter action that writes: on the single local writer when the counter works locally
        (BCP mode: the outbox and the replica, ``CounterService.works_locally``), else on the
        network pool."""
        return self._submit(self._db if local else self._net, fn, on_done, on_error)

    @property
    def busy(self) -> bool:
        return self._pending > 0

    def shutdown(self, wait_seconds: float = 0.0) -> None:
        """Take no more work and drop what has not started; then wait up to ``wait_seconds`` for
        the tasks already running (they use the terminal's databases, which are closed next: a
        SQLCipher connection closed under a running query takes the process down)."""
        self._net.shutdown(wait=False, cancel_futures=True)
        self._db.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            running = list(self._running)
        if running and wait_seconds > 0:
            done, not_done = wait(running, timeout=wait_seconds)
            if not_done:
                log.warning("%d task(s) still running after %.0f s at shutdown", len(not_done), wait_seconds)

    # -- internals ------------------------------------------------------------------------

    def _forget(self, future: Future[Any]) -> None:
        with self._lock:
            self._running.discard(future)

    def _submit(self, pool: ThreadPoolExecutor, fn: Callable[[], T], on_done: OnDone[T] | None, on_error: OnError | None) -> Future[T]:
        self._pending += 1
        future = pool.submit(fn)
        with self._lock:
            self._running.add(future)
        future.add_done_callback(self._forget)

        def finished(fut: Future[T]) -> None:
            def deliver() -> None:
                self._pending -= 1
                if fut.cancelled():
                    return
                exc = fut.exception()
                if exc is not None:
                    if on_error is not None:
                        on_error(exc)
                    else:
                        log.error("background task failed", exc_info=exc)
                elif on_done is not None:
                    on_done(fut.result())

            self.run_on_main(deliver)

        future.add_done_callback(finished)
        return future

    @Slot()
    def _on_closures_pending(self) -> None:
        with self._lock:
            closures, self._closures = self._closures, []
        for closure in closures:
            try:
                closure()
            except Exception:  # a failing handler must not stop the others
                log.exception("error in a task completion handler")


def describe_error(exc: BaseException) -> tuple[str, str]:
    """(Japanese message for the clerk, English for the log) for any exception."""
    ja = getattr(exc, "message_ja", None)
    en = getattr(exc, "message_en", None)
    if isinstance(ja, str) and ja:
        return ja, str(exc) if en else repr(exc)
    return "予期しないエラーが発生しました。システム担当者に連絡してください。", repr(exc)


__all__ = ["TaskManager", "describe_error"]
