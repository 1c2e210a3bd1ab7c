"""Building MSIs for the installer tests through the real entry point (installer/build.py)."""

from __future__ import annotations

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


def fake_runtime(directory: Path, machine: int = 0x8664) -> Path:
    """A directory shaped like the embeddable Python 3.11 (x64 PE headers, no real code)."""
    directory.mkdir(parents=True)
    pe = bytearray(256)
    pe[0:2] = b"MZ"
    pe[0x3C:0x40] = (0x80).to_bytes(4, "little")
    pe[0x80:0x84] = b"PE\0\0"
    pe[0x84:0x86] = machine.to_bytes(2, "little")
    for name in ("python.exe", "pythonw.exe", "python311.dll"):
        (directory / name).write_bytes(bytes(pe))
    (directory / "python311._pth").write_text("python311.zip\n.\n", encoding="ascii")
    (directory / "python311.zip").write_bytes(b"PK\x05\x06" + b"\0" * 18)
    return directory
