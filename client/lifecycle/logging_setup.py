"""Rotating log files on the terminal: ``<data dir>/logs/madoguchi.log`` (5 × 2 MB by default),
and the mode history (``logs/mode-history.jsonl``) that diagnostics bundles include.

Log lines are English. As a second line of defence against personal data on disk, the file
handler redacts what a log line should never hold: runs of non-ASCII text (氏名, 住所 and any
Japanese message) and digit runs of ten or more (宛名番号, 住民票コード, 個人番号).
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

LOG_FILE = "madoguchi.log"
MODE_HISTORY_FILE = "mode-history.jsonl"
MAX_BYTES = 2 * 1024 * 1024
BACKUPS = 5
FORMAT = "%(asctime)s %(levelname)s [%(threadName)s] %(name)s: %(message)s"
_MARK = "_madoguchi_rotating"

_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_LONG_DIGITS = re.compile(r"(?<![0-9])[0-9]{10,}(?![0-9])")


def redact(text: str, tokens: Iterable[str] = ()) -> str:
    """Mask non-ASCII runs, digit runs of 10+ and any of ``tokens`` (case-insensitive words)."""
    text = _NON_ASCII.sub("<redacted>", text)
    text = _LONG_DIGITS.sub("<number>", text)
    words = sorted({t for t in tokens if len(t) >= 2}, key=len, reverse=True)
    if words:
        pattern = re.compile(r"(?<![A-Za-z])(?:" + "|".join(re.escape(w) for w in words) + r")(?![A-Za-z])",
                             re.IGNORECASE)
        text = pattern.sub("<redacted>", text)
    return text


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def log_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "logs"


def setup_logging(data_dir: Path, *, level: str = "INFO", max_bytes: int = MAX_BYTES,
                  backups: int = BACKUPS) -> Path | None:
    """Attach one rotating, redacting file handler to the root logger (idempotent per process).

    Returns the log file, or None when the directory cannot be written (the application still runs).
    """
    root = logging.getLogger()
    directory = log_dir(data_dir)
    target = (directory / LOG_FILE).resolve()
    for handler in list(root.handlers):
        if getattr(handler, _MARK, False):
            if Path(handler.baseFilename) == target:  # type: ignore[attr-defined]
                return target
            root.removeHandler(handler)  # another data directory now (tests, several terminals)
            handler.close()
    if not root.handlers:  # keep warnings visible on stderr, as Python's last-resort handler did
        console = logging.StreamHandler()
        console.setLevel(logging.WARNING)
        root.addHandler(console)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(directory / LOG_FILE, maxBytes=max_bytes,
                                                       backupCount=backups, encoding="utf-8")
    except OSError:
        return None
    setattr(handler, _MARK, True)
    handler.setFormatter(RedactingFormatter(FORMAT))
    root.addHandler(handler)
    root.setLevel(getattr(logging, level.upper(), logging.INFO))
    return target


def remove_logging() -> None:
    """Detach and close the rotating handler (tests, and before the data directory is removed)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _MARK, False):
            root.removeHandler(handler)
            handler.close()


class ModeHistoryRecorder:
    """A ConnectivityMachine listener: appends each mode change, with wall-clock time, to
    ``logs/mode-history.jsonl`` and logs it. Wire with ``machine.subscribe(recorder)``."""

    def __init__(self, data_dir: Path, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.path = log_dir(data_dir) / MODE_HISTORY_FILE
        self.clock = clock
        self._lock = threading.Lock()
        self._log = logging.getLogger("madoguchi.mode")

    def __call__(self, event: Any) -> None:
        if not hasattr(event, "new") or not hasattr(event, "old"):
            return  # BcpConfirmationNeeded and other events are not mode changes
        entry = {"at": self.clock().isoformat(), "old": str(getattr(event.old, "value", event.old)),
                 "new": str(getattr(event.new, "value", event.new)), "reason": str(event.reason),
                 "endpoint": event.endpoint}
        self._log.info("mode %s -> %s (%s)", entry["old"], entry["new"], entry["reason"])
        try:
            with self._lock:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with self.path.open("a", encoding="utf-8") as f:
                    f.write(json.dumps(entry, ensure_ascii=False) + "\n")
        except OSError as exc:
            self._log.warning("mode history not written: %s", exc)


def read_mode_history(data_dir: Path, limit: int = 500) -> list[dict[str, Any]]:
    path = log_dir(data_dir) / MODE_HISTORY_FILE
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    out = []
    for line in lines[-limit:]:
        try:
            out.append(json.loads(line))
        except ValueError:
            continue
    return out


def setup_logging_for_cli(data_dir: Path | None = None, config_path: Path | None = None) -> Path | None:
    """The CLI's hook: log under ``data_dir``, else the configured data directory, else the home.

    Never fails: a configuration problem is reported by the command itself, not here.
    """
    if data_dir is None:
        try:
            from client.lifecycle.config import load_config

            data_dir = load_config(config_path).data_dir
        except Exception:
            import os

            from client.lifecycle.config import default_home

            data_dir = default_home(os.environ)
    return setup_logging(Path(data_dir)) if data_dir is not None else None


@contextmanager
def logging_for_cli(data_dir: Path | None = None, config_path: Path | None = None) -> Iterator[Path | None]:
    """Rotating logs for the duration of one CLI command; the root logger is restored afterwards
    (so commands run in-process, as tests do, leave no handler behind)."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    path = setup_logging_for_cli(data_dir, config_path)
    try:
        yield path
    finally:
        for handler in list(root.handlers):
            if handler not in handlers:
                root.removeHandler(handler)
                handler.close()
        root.setLevel(level)
