"""Building MSIs for the installer tests through the real entry point (installer/build.py)."""

from __future__ import annotations

import struct
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = REPO_ROOT / "installer" / "build.py"
WXS_SOURCE = REPO_ROOT / "installer" / "madoguchi.wxs"

# Versions for the upgrade tests (independent of pyproject.toml's version).
BASE_VERSION = "5.0.0"
NEXT_VERSION = "5.0.1"
OLDER_VERSION = "4.9.0"


@dataclass(frozen=True)
class Built:
    msi: Path
    stage: Path  # the staged payload (--keep-stage), to compare with what the MSI carries
    version: str


def build_msi(
    out: Path,
    *,
    version: str | None = None,
    wheels: bool = False,
    runtime: Path | None = None,
    sign: tuple[Path, Path] | None = None,
) -> Built:
    work = out / "work"
    cmd = [sys.executable, str(BUILD_SCRIPT), "--out", str(out), "--work-dir", str(work), "--keep-stage"]
    if version:
        cmd += ["--version", version]
    if not wheels:
        cmd.append("--no-wheels")
    if runtime is not None:
        cmd += ["--runtime", str(runtime)]
    if sign is not None:
        cmd += ["--sign-cert", str(sign[0]), "--sign-key", str(sign[1])]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=REPO_ROOT)
    assert done.returncode == 0, f"build failed:\n{done.stdout}\n{done.stderr}"
    msi = Path(done.stdout.strip().splitlines()[-1])
    stages = list(work.glob("madoguchi-msi-*/stage"))
    assert msi.is_file() and len(stages) == 1
    name_version = msi.name.removeprefix("madoguchi-").removesuffix("-x64.msi")
    return Built(msi=msi, stage=stages[0], version=name_version)


def exit_code_exe(code: int, machine: int = 0x8664) -> bytes:
    """A minimal PE32+ console program whose entry point returns ``code`` (the process exit code).

    No imports, one section: ``mov eax, code; ret``. It stands in for python.exe where the tests
    only need to see that a launcher ran the right file.
    """
    dos = bytearray(0x40)
    dos[0:2] = b"MZ"
    struct.pack_into("<I", dos, 0x3C, 0x40)
    coff = struct.pack("<HHIIIHH", machine, 1, 0, 0, 0, 0xF0, 0x0022)
    optional = struct.pack("<HBBIIIII", 0x20B, 14, 0, 0x200, 0, 0, 0x1000, 0x1000)
    optional += struct.pack("<QIIHHHHHHIIIIHHQQQQII", 0x140000000, 0x1000, 0x200, 6, 0, 0, 0, 6, 0, 0,
                            0x2000, 0x200, 0, 3, 0, 0x100000, 0x1000, 0x100000, 0x1000, 0, 16)
    optional += bytes(16 * 8)  # data directories: none
    section = struct.pack("<8sIIIIIIHHI", b".text", 0x1000, 0x1000, 0x200, 0x200, 0, 0, 0, 0, 0x60000020)
    headers = bytes(dos) + b"PE\0\0" + coff + optional + section
    code_bytes = b"\xB8" + struct.pack("<I", code) + b"\xC3"
    return headers.ljust(0x200, b"\0") + code_bytes.ljust(0x200, b"\0")


def fake_runtime(directory: Path, machine: int = 0x8664, exit_code: int = 43) -> Path:
    """A directory shaped like the embeddable Python 3.11; its python.exe just exits with a code."""
    directory.mkdir(parents=True)
    for name in ("python.exe", "pythonw.exe", "python311.dll"):
        (directory / name).write_bytes(exit_code_exe(exit_code, machine))
    (directory / "python311._pth").write_text("python311.zip\n.\n", encoding="ascii")
    (directory / "python311.zip").write_bytes(b"PK\x05\x06" + b"\0" * 18)
    return directory
