"""Madoguchi launcher, installed next to app\\ and site\\ in the install directory.

The Start-menu shortcut runs ``pythonw.exe "<INSTALLDIR>\\madoguchi.pyw"`` (the Python 3.11 found
by the MSI, or the bundled runtime); madoguchi.cmd runs the same file with python.exe for the
command line (``madoguchi.cmd status``, ``madoguchi.cmd decommission``). No arguments: the GUI.

``--launcher-check [MODULE ...]`` prints where the application package (and each MODULE) was
found and exits: used by the installer tests and by IT to check an installation.
"""

from __future__ import annotations

import os
import site
import sys
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
APP_DIR = HERE / "app"
SITE_DIR = HERE / "site"


def configure_path() -> None:
    """Vendored wheels first (with their .pth files), then the application on top of them."""
    if SITE_DIR.is_dir():
        site.addsitedir(str(SITE_DIR))
        if str(SITE_DIR) in sys.path:
            sys.path.remove(str(SITE_DIR))
        sys.path.insert(0, str(SITE_DIR))
    sys.path.insert(0, str(APP_DIR))
    os.environ.setdefault("MADOGUCHI_INSTALL_DIR", str(HERE))


def _log_failure(text: str) -> Path | None:
    base = os.environ.get("MADOGUCHI_HOME") or os.path.join(
        os.environ.get("LOCALAPPDATA") or str(Path.home()), "Madoguchi"
    )
    try:
        logs = Path(base) / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        target = logs / "launcher.log"
        with target.open("a", encoding="utf-8") as handle:
            handle.write(text + "\n")
        return target
    except OSError:
        return None


def _tell_user(message: str) -> None:
    if sys.stderr is not None:
        print(message, file=sys.stderr)
        return
    if sys.platform == "win32":  # pythonw: no console, show a message box
        import ctypes

        ctypes.windll.user32.MessageBoxW(None, message, "Madoguchi", 0x10)


def main(argv: list[str]) -> int:
    configure_path()
    if argv[:1] == ["--launcher-check"]:
        import importlib

        for name in ["client", *argv[1:]]:
            module = importlib.import_module(name)
            print(f"{name}={Path(module.__file__ or '').resolve()}")
        return 0
    try:
        from client.cli import main as cli_main

        sys.argv = ["madoguchi", *(argv or ["gui"])]
        result = cli_main()
        return int(result or 0)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except Exception:  # noqa: BLE001 - last resort: log it and tell the user where
        where = _log_failure(traceback.format_exc())
        _tell_user(
            "窓口システムを起動できませんでした。システム管理者に連絡してください。\n"
            f"Madoguchi could not start. Details: {where or 'no log written'}"
        )
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
