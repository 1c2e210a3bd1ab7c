"""A headless Wine prefix with Windows Installer, for installing the MSI for real.

Known behaviour of this set-up: exit codes arrive modulo 256 (1603 -> 67), Wine's own msiexec
log is not reliable, so the tests judge by exit code and by the state left behind (files,
registry, shortcut). Wine's background processes keep pipes open, so output goes to files.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath

ERROR_INSTALL_FAILURE = 1603
UNINSTALL_KEY = r"HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall"


class WineUnavailable(Exception):
    """Wine is missing or its prefix could not be initialised."""


def _tool(name: str, fallback: str) -> str | None:
    """``wine``/``wineserver`` from PATH (Debian package wine), else wine64's own binaries."""
    found = shutil.which(name)
    if found:
        return found
    return fallback if Path(fallback).is_file() else None


WINE = _tool("wine", "/usr/lib/wine/wine64")
WINESERVER = _tool("wineserver", "/usr/lib/wine/wineserver64")


@dataclass
class WineResult:
    returncode: int
    stdout: str
    stderr: str
    seconds: float = 0.0

    def is_error(self, code: int) -> bool:
        return self.returncode in (code, code % 256)


class WinePrefix:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.prefix = root / "prefix"
        self.home = root / "home"
        self.logs = root / "logs"
        self._count = 0

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("WINE", "DISPLAY", "WAYLAND"))}
        env.update(
            WINEPREFIX=str(self.prefix),
            HOME=str(self.home),
            WINEDEBUG="-all",
            WINEDLLOVERRIDES="mscoree,mshtml=;winemenubuilder.exe=d",
            WINEARCH="win64",
        )
        if WINESERVER and WINESERVER.startswith("/usr/lib/wine/"):
            env["WINESERVER"] = WINESERVER  # bare wine64 (no wrapper package): tell it where its server is
        return env

    def run(self, *args: str, timeout: float = 300) -> WineResult:
        result = self._run_once(*args, timeout=timeout)
        if result.returncode != 0 and "ShellExecuteEx failed" in result.stdout and result.seconds < 5:
            # Wine could not even start the program (seen once in CI right after an msiexec:
            # "Internal error" in 0.06 s) — nothing ran; let the wineserver settle and try again
            if WINESERVER:
                subprocess.run([WINESERVER, "-w"], env=self.env, stdin=subprocess.DEVNULL, timeout=120, check=False)
            result = self._run_once(*args, timeout=timeout)
        return result

    def _run_once(self, *args: str, timeout: float) -> WineResult:
        self._count += 1
        out = self.logs / f"{self._count:03d}.out"
        err = self.logs / f"{self._count:03d}.err"
        started = time.monotonic()
        with out.open("wb") as o, err.open("wb") as e:
            done = subprocess.run(
                [WINE or "wine", *args], stdout=o, stderr=e, stdin=subprocess.DEVNULL, env=self.env, timeout=timeout
            )
        result = WineResult(
            done.returncode,
            out.read_bytes().decode("utf-8", "replace"),
            err.read_bytes().decode("utf-8", "replace"),
            time.monotonic() - started,
        )
        if os.environ.get("MADOGUCHI_WINE_TIMING"):
            print(f"wine {' '.join(args[:2])}: {result.seconds:.2f}s rc={result.returncode}", file=sys.stderr)
        return result

    def boot(self) -> None:
        if WINE is None or WINESERVER is None:
            raise WineUnavailable("wine is not installed (Debian packages wine64 and wine)")
        for d in (self.prefix.parent, self.home, self.logs):
            d.mkdir(parents=True, exist_ok=True)
        try:
            result = self.run("wineboot", "--init", timeout=300)
        except subprocess.TimeoutExpired as exc:
            raise WineUnavailable(f"wineboot did not finish: {exc}") from exc
        if result.returncode != 0 or not (self.prefix / "drive_c" / "windows").is_dir():
            raise WineUnavailable(f"wineboot failed ({result.returncode}): {result.stderr[-2000:]}")
        # let wineboot's background processes finish before the first msiexec
        subprocess.run([WINESERVER, "-w"], env=self.env, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120, check=False)

    def close(self) -> None:
        if WINESERVER is None:
            shutil.rmtree(self.root, ignore_errors=True)
            return
        subprocess.run([WINESERVER, "-k"], env=self.env, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60, check=False)
        shutil.rmtree(self.root, ignore_errors=True)

    # --- paths ------------------------------------------------------------------------------

    def unix_path(self, windows_path: str) -> Path:
        path = PureWindowsPath(windows_path)
        assert path.drive.upper() == "C:", windows_path
        return self.prefix.joinpath("drive_c", *path.parts[1:])

    def windows_path(self, unix_path: Path) -> str:
        return "Z:" + str(unix_path.resolve()).replace("/", "\\")

    # --- msiexec ----------------------------------------------------------------------------

    def msiexec(self, action: str, msi: Path, *properties: str) -> WineResult:
        return self.run("msiexec", action, self.windows_path(msi), "/qn", *properties)

    # --- registry ---------------------------------------------------------------------------

    def reg_values(self, key: str) -> dict[str, str] | None:
        """Values of a key in the 64-bit view, or None when the key does not exist."""
        result = self.run("reg", "query", key, "/reg:64")
        if result.returncode != 0:
            return None
        values: dict[str, str] = {}
        for line in result.stdout.splitlines():
            parts = line.strip().split(None, 2)
            if len(parts) >= 2 and parts[1].startswith("REG_"):
                values[parts[0]] = parts[2] if len(parts) == 3 else ""
        return values

    def reg_set_default(self, key: str, value: str) -> None:
        result = self.run("reg", "add", key, "/ve", "/d", value, "/f", "/reg:64")
        assert result.returncode == 0, result.stderr

    def reg_delete(self, key: str) -> None:
        self.run("reg", "delete", key, "/f", "/reg:64")

    def installed_products(self, display_name: str) -> list[dict[str, str]]:
        """Entries of Add/Remove Programs with this DisplayName."""
        result = self.run("reg", "query", UNINSTALL_KEY, "/s", "/reg:64")
        products: list[dict[str, str]] = []
        current: dict[str, str] = {}
        for line in result.stdout.splitlines():
            if line.startswith("HKEY_"):
                current = {"key": line.strip()}
                products.append(current)
                continue
            parts = line.strip().split(None, 2)
            if len(parts) >= 2 and parts[1].startswith("REG_"):
                current[parts[0]] = parts[2] if len(parts) == 3 else ""
        return [p for p in products if p.get("DisplayName") == display_name]

    def shortcuts(self, name: str) -> list[Path]:
        """Start-menu shortcuts called ``name`` (common or per-user Programs folder).

        With ALLUSERS=1 Windows puts the shortcut under ProgramData; Wine resolves the
        ProgramMenuFolder to the user's Roaming Programs folder. Either is the Start menu.
        """
        roots = [
            self.prefix / "drive_c" / "ProgramData" / "Microsoft" / "Windows" / "Start Menu" / "Programs",
            *(self.prefix / "drive_c" / "users").glob("*/AppData/Roaming/Microsoft/Windows/Start Menu/Programs"),
        ]
        return [p for root in roots if root.is_dir() for p in root.rglob(f"{name}.lnk")]
