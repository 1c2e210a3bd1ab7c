"""Generation-numbered files behind a pointer: replace a file that may be open, on any OS.

``replica-132403.db`` is generation 1 (the name an older client wrote); later generations are
``replica-132403.g2.db``, ``.g3.db`` …; the pointer ``replica-132403.db.current`` names the live
one. Installing a new generation never touches an open file:

1. the new file (closed) is *renamed to a free name* — the next generation;
2. the pointer, a tiny file only ever opened for a moment, is written to a temporary name and
   renamed over the old pointer (:func:`~client.fileswap.ops.replace_file`, which waits out a
   reader's brief open);
3. older generations are deleted when nothing holds them open; one still open (another process
   reading it, or Windows refusing the delete) is kept and collected at a later open or swap.

A kill between 1 and 2 leaves the pointer on the old generation, which is complete: the
orphaned new one is collected. A pointer naming a missing file falls back to the newest
generation present.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from pathlib import Path

from client.fileswap.ops import FileOps, OsFileOps, replace_file

log = logging.getLogger(__name__)

SIDECARS = ("-wal", "-shm", "-journal", ".kcv")  # SQLite's and the key-check file of a database


class Generations:
    def __init__(self, base: Path, *, ops: FileOps | None = None, sidecars: tuple[str, ...] = SIDECARS) -> None:
        self.base = Path(base)
        self.ops = ops or OsFileOps()
        self.sidecars = sidecars
        self.pointer = self.base.with_name(self.base.name + ".current")
        stem, dot, ext = self.base.name.rpartition(".")
        self._stem, self._ext = (stem, "." + ext) if dot else (self.base.name, "")
        self._pattern = re.compile(rf"^{re.escape(self._stem)}(?:\.g(\d+))?{re.escape(self._ext)}$")

    # -- naming -------------------------------------------------------------------------------

    def path_of(self, generation: int) -> Path:
        if generation <= 1:
            return self.base
        return self.base.with_name(f"{self._stem}.g{generation}{self._ext}")

    def generation_of(self, path: Path) -> int | None:
        m = self._pattern.match(Path(path).name)
        if m is None:
            return None
        return int(m.group(1)) if m.group(1) else 1

    def present(self) -> list[tuple[int, Path]]:
        """Generations whose main file exists, oldest first."""
        out = []
        if self.base.parent.is_dir():
            for p in self.base.parent.iterdir():
                n = self.generation_of(p)
                if n is not None and p.is_file():
                    out.append((n, p))
        return sorted(out)

    def _files(self, path: Path) -> list[Path]:
        return [path] + [path.with_name(path.name + s) for s in self.sidecars]

    # -- the live generation --------------------------------------------------------------------

    def current(self) -> Path:
        """The live file (which may not exist yet: then generation 1's name)."""
        try:
            name = self.pointer.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError):
            name = ""
        if name and self.generation_of(Path(name)) is not None:
            candidate = self.base.with_name(name)
            if candidate.exists():
                return candidate
        present = self.present()
        if self.base.exists() and not name:
            return self.base
        return present[-1][1] if present else self.base

    def _write_pointer(self, target: Path) -> None:
        tmp = self.pointer.with_name(self.pointer.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(target.name + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        replace_file(tmp, self.pointer, ops=self.ops)

    def next_free(self) -> Path:
        """A generation newer than any present whose main file and sidecars are all free."""
        n = max((g for g, _ in self.present()), default=0) + 1
        while any(os.path.lexists(f) for f in self._files(self.path_of(n))):
            n += 1
        return self.path_of(n)

    def install(self, new_file: Path) -> Path:
        """Make the closed file ``new_file`` (with its sidecars) the live generation; returns its path."""
        target = self.next_free()
        for suffix in ("",) + self.sidecars:
            src = new_file.with_name(new_file.name + suffix)
            if src.exists():
                self.ops.rename_new(src, target.with_name(target.name + suffix))
        self._write_pointer(target)
        _fsync_dir(self.base.parent)
        self.collect()
        return target

    def collect(self) -> list[Path]:
        """Delete generations other than the live one that nothing holds open; returns what went."""
        live = self.current()
        removed: list[Path] = []
        for _, path in self.present():
            if path == live:
                continue
            try:
                for f in reversed(self._files(path)):  # sidecars first: the main file goes last
                    if f.exists():
                        self.ops.remove(f)
                removed.append(path)
            except PermissionError:
                log.info("old generation %s still open; kept for a later clean-up", path.name)
            except FileNotFoundError:
                removed.append(path)
        return removed

    def remove_all(self) -> None:
        """Every generation and the pointer (decommission, an ended mutual-backup agreement)."""
        for _, path in self.present():
            for f in self._files(path):
                if f.exists():
                    self.ops.remove(f)
        for f in (self.pointer, self.pointer.with_name(self.pointer.name + ".tmp")):
            if f.exists():
                self.ops.remove(f)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
