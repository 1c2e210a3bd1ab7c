"""Pull sync of the replica: bootstrap (snapshot), delta (change feed), checksum and repair.

Named, resumable stages (as in Morango): ``snapshot`` pages into the building file, each page
applied and its cursor stored in one transaction; ``catch-up`` applies the change feed from the
sequence read before the first page; ``swap`` replaces the live replica atomically. A delta
pull applies each change page in one transaction together with the new cursor, so a failure or
a kill leaves the previous replica intact and the next pull resumes from the stored cursor.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from client.local.keystore import LocalDataError, MissingKeyError
from client.local.secure_db import CorruptDatabaseError, WrongKeyError, classify_error
from client.remote.errors import GarbledResponseError, TruncatedResponseError
from client.remote.http import DataCentreClient
from client.remote.wire import PageFormatError, PendingRecords, combine, text_digest
from client.replica.apply import apply_records
from client.replica.schema import ALL_KINDS, KIND_TABLES, create_kind_indexes
from client.replica.store import ReplicaNotReadyError, ReplicaStore, get_meta, set_meta

log = logging.getLogger(__name__)

DEFAULT_PAGE_SIZE = 5000


@dataclass(frozen=True)
class SyncProgress:
    phase: str  # snapshot | catchup | delta
    done: int  # records applied so far in this phase
    total: int | None  # records expected (snapshot), when the server said
    pages: int


@dataclass(frozen=True)
class SyncResult:
    action: str  # bootstrap | delta | noop | repair
    applied: int
    pages: int
    as_of_seq: int
    as_of: datetime | None
    repaired_because: str = ""


@dataclass(frozen=True)
class ChecksumReport:
    as_of_seq: int
    matches: bool
    mismatched_kinds: tuple[str, ...]
    local: dict[str, dict[str, Any]] = field(default_factory=dict)
    remote: dict[str, dict[str, Any]] = field(default_factory=dict)
    repaired: bool = False


class SyncHooks:
    """Test seams: called inside the page transaction (before commit) and after it."""

    def before_commit(self, phase: str, page_no: int) -> None:  # pragma: no cover - default no-op
        pass

    def after_commit(self, phase: str, page_no: int) -> None:  # pragma: no cover - default no-op
        pass


def _parse_dt(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def local_checksums(conn: Connection, kinds: Iterable[str] = ()) -> dict[str, dict[str, Any]]:
    """Per kind: count and order-free digest of the stored (key, data text) — the kinds with their
    own table, every kind kept in ``other_records`` (e.g. form_parameter), and ``kinds`` (empty
    ones included, so a kind the server has and the replica lacks compares as count 0)."""
    out: dict[str, dict[str, Any]] = {}
    for kind in ALL_KINDS:
        table = KIND_TABLES[kind]
        count = 0
        digests = []
        for key, data in conn.exec_driver_sql(f"SELECT key, data FROM {table}"):
            count += 1
            digests.append(text_digest(key, data))
        out[kind] = {"count": count, "digest": combine(digests)}
    other: dict[str, list[int]] = {kind: [] for kind in kinds if kind not in KIND_TABLES}
    for kind, key, data in conn.exec_driver_sql("SELECT kind, key, data FROM other_records"):
        other.setdefault(kind, []).append(text_digest(key, data))
    for kind, digests in other.items():
        out[kind] = {"count": len(digests), "digest": combine(digests)}
    return out


def records_of(page: dict[str, Any]) -> list[Any]:
    """The page's records, parsing them now if the fetch deferred it."""
    records = page["records"]
    if isinstance(records, PendingRecords):
        try:
            return records.parse()
        except PageFormatError as exc:
            raise GarbledResponseError(message_en=f"replica page {exc}") from exc
    return records  # type: ignore[no-any-return]


def _completed_kinds(records: list[Any], *, last_page: bool) -> list[str]:
    """Kinds a snapshot page shows to be complete: every kind but the page's last one (and that
    one too on the last page)."""
    def kind_of(rec: Any) -> Any:
        return rec[0] if type(rec) is tuple else rec.get("kind")

    if records and kind_of(records[0]) == kind_of(records[-1]):  # most pages: one kind only
        return [kind_of(records[0])] if last_page else []
    kinds: list[str] = []
    for rec in records:
        kind = kind_of(rec)
        if isinstance(kind, str) and (not kinds or kinds[-1] != kind):
            kinds.append(kind)
    return kinds if last_page else kinds[:-1]


class PagePrefetcher:
    """Fetches snapshot pages on a worker thread, up to ``depth`` pages ahead of the applier.

    The server builds the next pages while this process applies one and builds indexes; a queue
    of several pages keeps the server busy through an index build. The first error ends the
    thread and is raised by ``next()``; leaving the ``with`` block stops the thread.
    """

    def __init__(self, fetch: Callable[[str | None], dict[str, Any]], cursor: str | None, depth: int = 8) -> None:
        self._fetch = fetch
        self._queue: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._cursor = cursor

    def __enter__(self) -> PagePrefetcher:
        if self._cursor is not None:
            self._thread = threading.Thread(target=self._run, name="replica-prefetch", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            while self._thread.is_alive():
                with contextlib.suppress(queue.Empty):
                    self._queue.get(timeout=0.05)  # unblock a pending put
            self._thread.join()

    def _put(self, item: tuple[str, Any]) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        cursor = self._cursor
        try:
            while not self._stop.is_set():
                page = self._fetch(cursor or None)
                if not self._put(("page", page)):
                    return
                cursor = page.get("next_cursor")
                if not cursor:
                    return
        except BaseException as exc:  # handed to the applier, which raises it
            self._put(("error", exc))

    def next(self) -> dict[str, Any]:
        kind, value = self._queue.get()
        if kind == "error":
            raise value
        return value  # type: ignore[no-any-return]


class ReplicaSync:
    """Keeps one municipality's replica in step with the server."""

    def __init__(
        self,
        store: ReplicaStore,
        client: DataCentreClient,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        partner: bool = False,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        retries: int = 3,
        hooks: SyncHooks | None = None,
        progress: Callable[[SyncProgress], None] | None = None,
    ) -> None:
        self.store = store
        self.client = client
        self.page_size = page_size
        self.municipality = store.code if partner else None  # own municipality comes from the token
        self.clock = clock
        self.retries = retries
        self.hooks = hooks or SyncHooks()
        self.progress = progress
        self.last_error: LocalDataError | None = None

    # -- fetching with retries on damaged pages -----------------------------------------------

    def _fetch(self, call: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        attempt = 0
        while True:
            try:
                return call()
            except (GarbledResponseError, TruncatedResponseError) as exc:
                attempt += 1
                if attempt > self.retries:
                    raise
                log.warning("damaged replica page (%s), retry %d/%d", exc.message_en, attempt, self.retries)
                time.sleep(min(0.2 * attempt, 1.0))

    def _report(self, phase: str, done: int, total: int | None, pages: int) -> None:
        if self.progress is not None:
            self.progress(SyncProgress(phase, done, total, pages))

    # -- bootstrap ---------------------------------------------------------------------------

    def _snapshot_page(self, cursor: str | None) -> dict[str, Any]:
        # checked but not parsed here: the prefetch thread asks for the next page at once
        return self._fetch(lambda: self.client.replica_snapshot(cursor or None, self.page_size, self.municipality,
                                                                defer=True))

    def bootstrap(self, *, fresh: bool = False, reason: str = "") -> SyncResult:
        """Build a complete replica into the building file (resuming it) and swap it in."""
        engine = self.store.open_building(fresh=fresh)
        try:
            with engine.connect() as conn:
                cursor = get_meta(conn, "snapshot_cursor") or ""
                done = get_meta(conn, "snapshot_done") == "1"
                applied = int(get_meta(conn, "records_done") or 0)
                total_text = get_meta(conn, "snapshot_total") or ""
                as_of_seq = int(get_meta(conn, "as_of_seq") or 0)
            total = int(total_text) if total_text.isdigit() else None
            pages = 0
            indexed: set[str] = set()
            with PagePrefetcher(self._snapshot_page, None if done else cursor) as prefetch:
                while not done:
                    page = prefetch.next()
                    pages += 1
                    next_cursor = page.get("next_cursor")
                    records = records_of(page)
                    with self._guard(engine, self.store.building_path) as conn:
                        apply_records(conn, records, unique=True)
                        applied += len(records)
                        values: dict[str, object] = {
                            "snapshot_cursor": next_cursor or "",
                            "records_done": applied,
                            "snapshot_done": 0 if next_cursor else 1,
                        }
                        if not cursor:
                            as_of_seq = int(page["as_of_seq"])
                            values["as_of_seq"] = as_of_seq
                            if page.get("total") is not None:
                                total = int(page["total"])
                                values["snapshot_total"] = total
                        set_meta(conn, **values)
                        self.hooks.before_commit("snapshot", pages)
                    self.hooks.after_commit("snapshot", pages)
                    self._report("snapshot", applied, total, pages)
                    cursor = next_cursor or ""
                    done = not next_cursor
                    # The server walks the kinds in order: a kind followed by another is complete.
                    # Its indexes are built now (SQLite sorts without the GIL) while the prefetch
                    # thread goes on fetching the next kind's pages.
                    for kind in _completed_kinds(records, last_page=done):
                        if kind not in indexed:
                            with self._guard(engine, self.store.building_path) as conn:
                                create_kind_indexes(conn, kind)
                            indexed.add(kind)
            caught_up, catch_pages, as_of_seq = self._pull_into(engine, self.store.building_path, "catchup")
            self.store.finalize_building(engine)
        except BaseException:
            engine.dispose()
            raise
        as_of = self.as_of()
        return SyncResult("repair" if reason else "bootstrap", applied + caught_up, pages + catch_pages,
                          as_of_seq, as_of, reason)

    # -- delta -------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _guard(self, engine: Engine, path: Any) -> Iterator[Connection]:
        """One page transaction; database failures become the specific local errors."""
        try:
            with engine.begin() as conn:
                yield conn
        except DBAPIError as exc:
            err = classify_error(exc, path, self.store.key())
            if err is not None:
                raise err from exc
            raise

    def _pull_into(self, engine: Engine, path: Any, phase: str) -> tuple[int, int, int]:
        """Apply change pages until the feed is exhausted; returns (records, pages, last seq)."""
        with engine.connect() as conn:
            since = int(get_meta(conn, "as_of_seq") or 0)
        applied = pages = 0
        while True:
            page = self._fetch(functools.partial(self.client.replica_changes, since, self.page_size, self.municipality))
            received_at = self.clock().isoformat()
            current = page.get("current_seq")
            if current is not None and int(current) < since:
                raise CorruptDatabaseError(
                    "データセンターのデータが端末の複製より古くなっています。複製を作り直します。",
                    f"server change sequence {current} is behind the replica's {since}: the server was reset",
                )
            records = page["records"]
            last_seq = int(page["last_seq"])
            with self._guard(engine, path) as conn:
                if records:
                    apply_records(conn, records)
                set_meta(conn, as_of_seq=max(since, last_seq), as_of=received_at,
                         server_time=page.get("server_time") or "")
                pages += 1
                if records:
                    self.hooks.before_commit(phase, pages)
            if records:
                self.hooks.after_commit(phase, pages)
            applied += len(records)
            since = max(since, last_seq)
            if records:
                self._report(phase, applied, None, pages)
            if not page.get("has_more"):
                return applied, pages, since

    def pull(self) -> SyncResult:
        """One scheduled sync: bootstrap if there is no usable replica, else apply the change feed."""
        try:
            engine = self.store.engine()
        except ReplicaNotReadyError:
            return self.bootstrap()
        except (WrongKeyError, CorruptDatabaseError, MissingKeyError) as exc:
            return self._rebuild(exc)
        try:
            applied, pages, seq = self._pull_into(engine, self.store.path, "delta")
        except (WrongKeyError, CorruptDatabaseError) as exc:
            return self._rebuild(exc)
        return SyncResult("delta" if applied else "noop", applied, pages, seq, self.as_of())

    def _rebuild(self, exc: LocalDataError) -> SyncResult:
        self.last_error = exc
        log.error("replica %s unusable, rebuilding: %s", self.store.code, exc.message_en)
        self.store.discard_live()
        if isinstance(exc, MissingKeyError):
            self.store.keystore.create_database_key(f"replica-{self.store.code}", replace=True)
        return self.bootstrap(fresh=True, reason=exc.message_en)

    # -- as-of, checksum, repair -------------------------------------------------------------

    def as_of(self) -> datetime | None:
        try:
            with self.store.read() as conn:
                return _parse_dt(get_meta(conn, "as_of"))
        except LocalDataError:
            return None

    def as_of_seq(self) -> int | None:
        try:
            with self.store.read() as conn:
                return int(get_meta(conn, "as_of_seq") or 0)
        except LocalDataError:
            return None

    def compare_checksums(self, *, repair: bool = True, attempts: int = 3) -> ChecksumReport:
        """The nightly comparison: pull, compare per-kind counts and digests, repair on mismatch."""
        report: ChecksumReport | None = None
        for _ in range(attempts):
            self.pull()
            remote = self.client.replica_checksum(self.municipality)
            local_seq = self.as_of_seq() or 0
            if int(remote["as_of_seq"]) > local_seq:
                self.pull()
                local_seq = self.as_of_seq() or 0
            if int(remote["as_of_seq"]) != local_seq:
                continue  # the server moved on meanwhile; try again
            with self.store.read() as conn:
                local = local_checksums(conn, remote["kinds"])
            kinds = [*ALL_KINDS, *sorted((set(local) | set(remote["kinds"])) - set(ALL_KINDS))]
            bad = tuple(k for k in kinds if local.get(k) != remote["kinds"].get(k))
            report = ChecksumReport(local_seq, not bad, bad, local, dict(remote["kinds"]))
            break
        if report is None:
            raise GarbledResponseError(message_en="server kept changing during the checksum comparison")
        if report.matches or not repair:
            return report
        log.error("replica checksum mismatch in %s; rebuilding", ", ".join(report.mismatched_kinds))
        self.bootstrap(fresh=True, reason=f"checksum mismatch: {', '.join(report.mismatched_kinds)}")
        return ChecksumReport(report.as_of_seq, False, report.mismatched_kinds, report.local, report.remote, True)
