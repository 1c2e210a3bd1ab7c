"""The few file operations a replacement needs, behind one small interface.

Windows refuses to rename over, or delete, a file that some process holds open (a sharing
violation, ``PermissionError``); POSIX allows both. Code that replaces files goes through
:class:`FileOps` so that it can be tested on Linux with :class:`WindowsSemantics`, which refuses
exactly what Windows refuses, judged from the real open file handles of every process (/proc).

:func:`replace_file` is for small files that are only ever opened briefly (a pointer, a JSON
settings file, a key-check sidecar): written to a temporary name, then renamed over the old one,
retried for a moment when a reader (or a virus scanner) holds it open for those microseconds.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path
from typing import Protocol

RETRY_SECONDS = 2.0  # how long a replacement waits out another process's brief open


class FileOps(Protocol):
    def replace(self, src: Path, dst: Path) -> None:
        """Rename ``src`` over ``dst`` (``dst`` may exist; neither may be open on Windows)."""

    def rename_new(self, src: Path, dst: Path) -> None:
        """Rename ``src`` to the free name ``dst`` (FileExistsError if taken)."""

    def remove(self, path: Path) -> None:
        """Delete ``path`` (PermissionError on Windows while it is open)."""


class OsFileOps:
    """The real file system. On Windows the refusals are real; on POSIX nothing is refused."""

    def replace(self, src: Path, dst: Path) -> None:
        os.replace(src, dst)

    def rename_new(self, src: Path, dst: Path) -> None:
        if os.path.lexists(dst):
            raise FileExistsError(f"{dst} exists")
        os.rename(src, dst)  # on Windows, rename refuses an existing target by itself

    def remove(self, path: Path) -> None:
        os.remove(path)


def _open_paths() -> set[str]:
    """Every file some process of this machine holds open (what /proc lets us see)."""
    out: set[str] = set()
    with contextlib.suppress(OSError):
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
        for pid in pids:
            fd_dir = f"/proc/{pid}/fd"
            try:
                fds = os.listdir(fd_dir)
            except OSError:
                continue
            for fd in fds:
                with contextlib.suppress(OSError):
                    out.add(os.readlink(f"{fd_dir}/{fd}"))
    return out


class WindowsSemantics:
    """Windows' refusals, enforced on Linux from the real open handles of every process.

    ``replace``: refused if either name is open; ``remove``: refused if the file is open;
    ``rename_new``: refused if ``src`` is open or ``dst`` exists. Wraps another FileOps (the real
    one by default) for what it allows. Records every refusal in ``refusals``.
    """

    def __init__(self, inner: FileOps | None = None) -> None:
        self.inner = inner or OsFileOps()
        self.refusals: list[tuple[str, str]] = []

    def is_open(self, path: Path) -> bool:
        target = os.path.realpath(path)
        return target in _open_paths()

    def _refuse_if_open(self, op: str, *paths: Path) -> None:
        for p in paths:
            if os.path.exists(p) and self.is_open(p):
                self.refusals.append((op, str(p)))
                raise PermissionError(13, f"[WinError 32] The process cannot access the file because it is being "
                                          f"used by another process ({op})", str(p))

    def replace(self, src: Path, dst: Path) -> None:
        self._refuse_if_open("replace", src, dst)
        self.inner.replace(src, dst)

    def rename_new(self, src: Path, dst: Path) -> None:
        self._refuse_if_open("rename", src)
        self.inner.rename_new(src, dst)

    def remove(self, path: Path) -> None:
        self._refuse_if_open("remove", path)
        self.inner.remove(path)


def replace_file(src: Path, dst: Path, *, ops: FileOps | None = None, retry_seconds: float = RETRY_SECONDS) -> None:
    """Rename ``src`` over ``dst``, waiting out a brief open of ``dst`` by another process.

    For small files that are never held open (read, then closed at once). A file that stays open
    (a database) is replaced through :class:`~client.fileswap.generations.Generations` instead.
    """
    ops = ops or OsFileOps()
    deadline = time.monotonic() + retry_seconds
    delay = 0.01
    while True:
        try:
            ops.replace(Path(src), Path(dst))
            return
        except PermissionError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.2)
