"""Scheduled replica sync: an APScheduler 3 BackgroundScheduler job, never touching widgets.

Every ``interval_seconds`` (default 60) the job pulls the change feed of each replica; once a
night it compares checksums (repairing on mismatch). Results and errors go to callbacks — the
UI layer turns them into Qt signals; jobs never touch widgets. A job never runs twice at once
(``max_instances=1``, ``coalesce``), and ``sync_now`` runs one on demand.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from client.replica.sync import ChecksumReport, ReplicaSync, SyncResult

log = logging.getLogger(__name__)

ResultCallback = Callable[[str, SyncResult], None]  # (municipality code, result)
ReportCallback = Callable[[str, ChecksumReport], None]
ErrorCallback = Callable[[str, BaseException], None]


class ReplicaScheduler:
    """Runs the pull job of one or more replicas (own municipality, partners) in the background."""

    PULL_JOB = "replica-pull"
    CHECK_JOB = "replica-checksum"

    def __init__(
        self,
        syncs: Sequence[ReplicaSync],
        *,
        interval_seconds: int = 60,
        nightly_hour: int = 2,
        on_result: ResultCallback | None = None,
        on_checksum: ReportCallback | None = None,
        on_error: ErrorCallback | None = None,
        scheduler: BackgroundScheduler | None = None,
    ) -> None:
        if interval_seconds < 1:
            raise ValueError("sync interval must be at least 1 second")
        self.syncs = list(syncs)
        self.interval_seconds = interval_seconds
        self.nightly_hour = nightly_hour
        self.on_result = on_result
        self.on_checksum = on_checksum
        self.on_error = on_error
        self._scheduler = scheduler or BackgroundScheduler(daemon=True)
        self._run_lock = threading.Lock()  # the job and sync_now never overlap

    def start(self) -> None:
        self._scheduler.add_job(self.pull_all, IntervalTrigger(seconds=self.interval_seconds), id=self.PULL_JOB,
                                max_instances=1, coalesce=True, replace_existing=True,
                                next_run_time=datetime.now().astimezone())
        self._scheduler.add_job(self.check_all, CronTrigger(hour=self.nightly_hour, minute=17), id=self.CHECK_JOB,
                                max_instances=1, coalesce=True, replace_existing=True)
        if not self._scheduler.running:
            self._scheduler.start()

    def shutdown(self, wait: bool = True) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=wait)

    def set_interval(self, seconds: int) -> None:
        self.interval_seconds = seconds
        if self._scheduler.get_job(self.PULL_JOB) is not None:
            self._scheduler.reschedule_job(self.PULL_JOB, trigger=IntervalTrigger(seconds=seconds))

    def sync_now(self) -> None:
        """Ask for a pull as soon as possible (runs in the scheduler's thread pool)."""
        self._scheduler.add_job(self.pull_all, id="replica-pull-now", replace_existing=True, max_instances=1)

    def pull_all(self) -> list[SyncResult]:
        results = []
        with self._run_lock:
            for sync in self.syncs:
                code = sync.store.code
                try:
                    result = sync.pull()
                except Exception as exc:  # noqa: BLE001 - reported to the callback, the job keeps running
                    log.warning("replica pull for %s failed: %s", code, getattr(exc, "message_en", exc))
                    if self.on_error is not None:
                        self.on_error(code, exc)
                    continue
                results.append(result)
                if self.on_result is not None:
                    self.on_result(code, result)
        return results

    def check_all(self) -> list[ChecksumReport]:
        reports = []
        with self._run_lock:
            for sync in self.syncs:
                code = sync.store.code
                try:
                    report = sync.compare_checksums(repair=True)
                except Exception as exc:  # noqa: BLE001
                    log.warning("replica checksum for %s failed: %s", code, getattr(exc, "message_en", exc))
                    if self.on_error is not None:
                        self.on_error(code, exc)
                    continue
                reports.append(report)
                if self.on_checksum is not None:
                    self.on_checksum(code, report)
        return reports
