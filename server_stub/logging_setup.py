"""Rotating log files for the server: ``<server home>/logs/server.log`` (5 × 5 MB by default).

English messages, no personal data (宛名番号 and names stay out of log lines). The directory can
be moved with ``MADOGUCHI_SERVER_LOG_DIR``; ``MADOGUCHI_SERVER_LOG_LEVEL`` sets the level.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from pathlib import Path

from server_stub.config import server_home

LOG_DIR_ENV = "MADOGUCHI_SERVER_LOG_DIR"
LOG_LEVEL_ENV = "MADOGUCHI_SERVER_LOG_LEVEL"
LOG_FILE = "server.log"
MAX_BYTES = 5 * 1024 * 1024
BACKUPS = 5
FORMAT = "%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"
_MARK = "_madoguchi_rotating"


def log_dir() -> Path:
    override = os.environ.get(LOG_DIR_ENV, "").strip()
    return Path(override) if override else server_home() / "logs"


def setup_logging(directory: Path | None = None, *, level: str | None = None, max_bytes: int = MAX_BYTES,
                  backups: int = BACKUPS) -> Path | None:
    """Attach one rotating file handler to the root logger (idempotent). Returns the log file, or
    None when the directory cannot be written (a warning goes to stderr; the server still runs)."""
    directory = Path(directory) if directory is not None else log_dir()
    root = logging.getLogger()
    for handler in root.handlers:
        if getattr(handler, _MARK, False):
            return Path(handler.baseFilename)  # type: ignore[attr-defined]
    if not root.handlers:  # keep warnings visible on stderr, as Python's last-resort handler did
        console = logging.StreamHandler()
        console.setLevel(logging.WARNING)
        root.addHandler(console)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(directory / LOG_FILE, maxBytes=max_bytes,
                                                       backupCount=backups, encoding="utf-8")
    except OSError as exc:
        print(f"warning: cannot write server logs under {directory}: {exc}", file=sys.stderr)
        return None
    setattr(handler, _MARK, True)
    handler.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(handler)
    wanted = (level or os.environ.get(LOG_LEVEL_ENV) or "INFO").upper()
    root.setLevel(getattr(logging, wanted, logging.INFO))
    return directory / LOG_FILE
