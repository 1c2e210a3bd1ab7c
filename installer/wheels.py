"""Windows wheels for the payload: resolve for win_amd64 / CPython 3.11, download, unpack.

pip's ``--platform`` alone evaluates environment markers for the build machine (Linux), so
``keyring`` would come without ``pywin32-ctypes`` and with Linux-only Secret Service packages.
``uv pip compile --python-platform x86_64-pc-windows-msvc`` resolves with Windows markers; pip then
downloads the exact pins (``--no-deps``) as Windows binary wheels.

Everything is cached under one directory (``build/wheels-win`` by default): the pin list, keyed by
a hash of the requirements and the target, and the wheel files. A second build with the same
requirements needs no network.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

TARGET_TRIPLE = "x86_64-pc-windows-msvc"
TARGET_PLATFORM_TAG = "win_amd64"
TARGET_PYTHON = "3.11"
TARGET_ABIS = ("cp311", "abi3", "none")

# Parts of wheels a widgets application on a counter terminal never loads: QML modules, headers,
# type stubs, binding generators' data and the Qt developer tools. Matched against paths in the
# unpacked site directory (forward slashes).
TRIM_PATTERNS = (
    "PySide6/qml/*",
    "PySide6/include/*",
    "PySide6/typesystems/*",
    "PySide6/glue/*",
    "PySide6/scripts/*",
    "PySide6/examples/*",
    "PySide6/*.exe",
    "shiboken6/include/*",
    "*.pyi",
    "*/__pycache__/*",
)


class WheelError(Exception):
    """The Windows wheels could not be resolved, fetched or unpacked."""


@dataclass(frozen=True)
class Pin:
    name: str  # normalised (PEP 503)
    version: str

    @property
    def requirement(self) -> str:
        return f"{self.name}=={self.version}"


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _cache_key(requirements: Sequence[str]) -> str:
    blob = json.dumps({"reqs": sorted(requirements), "target": [TARGET_TRIPLE, TARGET_PYTHON]})
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _uv_command() -> list[str]:
    """uv from the build venv (``python -m uv``) or from PATH."""
    beside = Path(sys.executable).with_name("uv")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("uv")
    if found:
        return [found]
    return [sys.executable, "-m", "uv"]


def parse_pins(text: str) -> list[Pin]:
    pins = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)", line)
        if not match:
            raise WheelError(f"unexpected line in the resolved pins: {line!r}")
        pins.append(Pin(normalise(match.group(1)), match.group(2)))
    return pins


def resolve(requirements: Sequence[str], cache: Path) -> list[Pin]:
    """Pins for Windows x64 / CPython 3.11, from the cache or by running the resolver."""
    cache.mkdir(parents=True, exist_ok=True)
    pins_file = cache / f"pins-{_cache_key(requirements)}.txt"
    if not pins_file.exists():
        source = cache / f"requirements-{_cache_key(requirements)}.in"
        source.write_text("\n".join(requirements) + "\n", encoding="utf-8")
        cmd = [
            *_uv_command(), "pip", "compile", str(source),
            "--python-platform", TARGET_TRIPLE, "--python-version", TARGET_PYTHON,
            "--only-binary", ":all:", "--no-header", "--no-annotate", "--quiet",
            "--output-file", str(pins_file.with_suffix(".tmp")),
        ]
        done = subprocess.run(cmd, capture_output=True, text=True, env=_uv_env(cache))
        if done.returncode != 0:
            raise WheelError(f"resolving Windows wheels failed:\n{done.stderr.strip()}")
        pins_file.with_suffix(".tmp").replace(pins_file)
    return parse_pins(pins_file.read_text(encoding="utf-8"))


def _uv_env(cache: Path) -> dict[str, str]:
    import os

    env = dict(os.environ)
    env.setdefault("UV_CACHE_DIR", str(cache / "uv-cache"))
    env["UV_NO_PROGRESS"] = "1"
    return env


def _wheel_matches(path: Path, pin: Pin) -> bool:
    parts = path.name[: -len(".whl")].split("-")
    if len(parts) < 5:
        return False
    name, version, pythons, abi, platforms = parts[0], parts[1], parts[-3], parts[-2], parts[-1]
    if normalise(name) != pin.name or version != pin.version:
        return False
    platform_ok = any(p in ("any", TARGET_PLATFORM_TAG) for p in platforms.split("."))
    abi_ok = any(a in TARGET_ABIS for a in abi.split("."))
    python_ok = any(p.startswith(("py3", "cp3")) for p in pythons.split("."))
    return platform_ok and abi_ok and python_ok


def find_wheel(cache: Path, pin: Pin) -> Path | None:
    for path in sorted(cache.glob("*.whl")):
        if _wheel_matches(path, pin):
            return path
    return None


def download(pins: Sequence[Pin], cache: Path) -> list[Path]:
    """The wheel file of every pin, downloading only the ones not cached yet."""
    missing = [pin for pin in pins if find_wheel(cache, pin) is None]
    if missing:
        cmd = [
            sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
            "--no-deps", "--only-binary=:all:", "--platform", TARGET_PLATFORM_TAG,
            "--python-version", TARGET_PYTHON, "--implementation", "cp", "--abi", "cp311",
            "--abi", "abi3", "--abi", "none", "--dest", str(cache),
            *[pin.requirement for pin in missing],
        ]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            raise WheelError(f"downloading Windows wheels failed:\n{done.stderr.strip()[-4000:]}")
    wheels = []
    for pin in pins:
        found = find_wheel(cache, pin)
        if found is None:
            raise WheelError(f"no win_amd64 / cp311 wheel for {pin.requirement}")
        wheels.append(found)
    return wheels


def _trimmed(relative: str) -> bool:
    return any(fnmatch.fnmatch(relative, pattern) for pattern in TRIM_PATTERNS)


def unpack(wheels: Sequence[Path], site: Path) -> int:
    """Unpack wheels into one vendored site-packages directory; returns the number of files.

    Wheels are zip files: purelib/platlib of ``*.data`` go to the site root, scripts and headers
    are dropped (the launcher runs the application module directly). dist-info stays, because
    keyring finds its backends through entry points.
    """
    count = 0
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as archive:
            for info in archive.infolist():
                if info.is_dir():
                    continue
                relative = info.filename
                data_match = re.match(r"[^/]+\.data/([^/]+)/(.*)", relative)
                if data_match:
                    if data_match.group(1) not in ("purelib", "platlib"):
                        continue
                    relative = data_match.group(2)
                if _trimmed(relative):
                    continue
                if not relative.isascii():
                    raise WheelError(f"{wheel.name}: non-ASCII file name {relative!r} cannot go into the MSI")
                target = site / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as src, target.open("wb") as dst:
                    shutil.copyfileobj(src, dst)
                count += 1
    return count


def vendor(requirements: Sequence[str], cache: Path, site: Path) -> list[Pin]:
    """Resolve, fetch (if needed) and unpack the Windows wheels of ``requirements`` into ``site``."""
    pins = resolve(requirements, cache)
    unpack(download(pins, cache), site)
    (site / "madoguchi-wheels.txt").write_text(
        "".join(f"{pin.requirement}\n" for pin in pins), encoding="ascii"
    )
    return pins
