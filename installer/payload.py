"""Staging the install directory: application, launcher, vendored wheels, optional runtime.

Layout of INSTALLDIR (C:\\Program Files\\Madoguchi):

    madoguchi.pyw   launcher (shortcut: pythonw.exe "madoguchi.pyw")
    madoguchi.cmd   command line (madoguchi.cmd status | sync | decommission ...)
    app\\client\\    the client package (the server stub is not installed on terminals)
    app\\forms\\     certificate form definitions
    app\\resources\\ fonts (with their licence), icons, translations
    site\\           Windows wheels unpacked (vendored site-packages)
    runtime\\        embeddable Python 3.11 x64, only when the build was given one
"""

from __future__ import annotations

import compileall
import py_compile
import shutil
import struct
import sys
from pathlib import Path

APP_TREES = ("client", "forms", "resources")
SKIP_NAMES = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".DS_Store"}
SKIP_SUFFIXES = {".pyc", ".pyo"}
LAUNCHER_DIR = Path(__file__).resolve().parent / "launcher"
RUNTIME_REQUIRED = ("python.exe", "pythonw.exe", "python311.dll")
IMAGE_FILE_MACHINE_AMD64 = 0x8664


class PayloadError(Exception):
    """The payload cannot be staged (missing runtime files, wrong architecture, bad names)."""


def _ignore(_directory: str, names: list[str]) -> set[str]:
    return {n for n in names if n in SKIP_NAMES or Path(n).suffix in SKIP_SUFFIXES or n.startswith(".")}


def stage_app(root: Path, stage: Path) -> None:
    app = stage / "app"
    for tree in APP_TREES:
        source = root / tree
        if source.is_dir():
            shutil.copytree(source, app / tree, ignore=_ignore)
    fonts = list((app / "resources").rglob("*.tt[fc]")) + list((app / "resources").rglob("*.otf"))
    for font in fonts:
        licences = [p for p in font.parent.iterdir() if "licen" in p.name.lower()]
        if not licences:
            raise PayloadError(f"font {font.name} has no licence file beside it in {font.parent}")


def stage_launcher(stage: Path) -> None:
    shutil.copy2(LAUNCHER_DIR / "madoguchi.pyw", stage / "madoguchi.pyw")
    text = (LAUNCHER_DIR / "madoguchi.cmd").read_text(encoding="ascii")
    (stage / "madoguchi.cmd").write_bytes(text.replace("\r\n", "\n").replace("\n", "\r\n").encode("ascii"))


def pe_machine(path: Path) -> int:
    """The machine field of a PE image's COFF header (0x8664 for x64)."""
    with path.open("rb") as handle:
        head = handle.read(4096)
    if head[:2] != b"MZ" or len(head) < 0x40:
        raise PayloadError(f"{path} is not a Windows executable")
    (offset,) = struct.unpack_from("<I", head, 0x3C)
    if head[offset : offset + 4] != b"PE\0\0":
        raise PayloadError(f"{path} has no PE header")
    (machine,) = struct.unpack_from("<H", head, offset + 4)
    return int(machine)


def stage_runtime(runtime: Path, stage: Path) -> None:
    missing = [name for name in RUNTIME_REQUIRED if not (runtime / name).is_file()]
    if missing:
        raise PayloadError(
            f"{runtime} is not an embeddable Python 3.11 runtime: missing {', '.join(missing)}"
        )
    if pe_machine(runtime / "python.exe") != IMAGE_FILE_MACHINE_AMD64:
        raise PayloadError(f"{runtime / 'python.exe'} is not an x64 executable")
    shutil.copytree(runtime, stage / "runtime", ignore=_ignore)


def precompile(stage: Path) -> bool:
    """Byte-compile app\\ and site\\ for CPython 3.11 (unchecked-hash .pyc, valid on any OS).

    Users cannot write __pycache__ under Program Files, so without this every start would compile
    the whole application in memory. Skipped (returns False) when the build Python is not 3.11.
    """
    if sys.version_info[:2] != (3, 11):
        return False
    for tree in ("app", "site"):
        directory = stage / tree
        if directory.is_dir():
            ok = compileall.compile_dir(
                str(directory), quiet=1, workers=1,
                invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
            )
            if not ok and tree == "app":
                raise PayloadError("the application's Python code does not compile")
    return True


def check_names(stage: Path) -> None:
    bad = [p.relative_to(stage).as_posix() for p in stage.rglob("*") if not p.name.isascii()]
    if bad:
        raise PayloadError(f"non-ASCII file names cannot go into the MSI (wixl drops them): {bad[:5]}")
