"""What the MSI carries: extracted with msiextract and compared with the source tree."""

from __future__ import annotations

import compileall
import os
import py_compile
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from _msi_build import REPO_ROOT, Built

from installer.msitables import read_table

pytestmark = pytest.mark.msi


@pytest.fixture(scope="module")
def extracted(full_msi: Built, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("extracted")
    done = subprocess.run(["msiextract", "-C", str(target), str(full_msi.msi)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    install_dir = target / "Madoguchi"
    assert install_dir.is_dir(), list(target.iterdir())
    return install_dir


def _files(root: Path) -> dict[str, int]:
    return {p.relative_to(root).as_posix(): p.stat().st_size for p in root.rglob("*") if p.is_file()}


def test_file_table_matches_the_staged_payload(full_msi: Built, extracted: Path) -> None:
    staged = _files(full_msi.stage)
    assert _files(extracted) == staged
    # every installed path fits in MAX_PATH (260) under C:\Program Files\Madoguchi\
    longest = max(len("C:\\Program Files\\Madoguchi\\" + name) for name in staged)
    assert longest < 260, longest
    rows = read_table(full_msi.msi, "File")
    assert len(rows) == len(staged)
    assert sorted(int(r["FileSize"]) for r in rows) == sorted(staged.values())
    assert len({r["File"] for r in rows}) == len(rows)


def _existed_at_build(path: Path, built: Built) -> bool:
    """Files created after the build (a shared checkout keeps changing) are not expected in it."""
    return path.stat().st_mtime < built.msi.stat().st_mtime - 60


def test_payload_holds_the_client_not_the_server(full_msi: Built, extracted: Path) -> None:
    app = extracted / "app"
    sources = {p.relative_to(REPO_ROOT).as_posix() for p in (REPO_ROOT / "client").rglob("*.py")
               if "__pycache__" not in p.parts and _existed_at_build(p, full_msi)}
    shipped = {p.relative_to(app).as_posix() for p in (app / "client").rglob("*.py")}
    assert sources and sources <= shipped
    assert not (app / "server_stub").exists()
    assert not list(extracted.rglob("server_stub*"))
    for tree in ("forms", "resources"):
        for source in (REPO_ROOT / tree).rglob("*"):
            if (source.is_file() and "__pycache__" not in source.parts and not source.name.startswith(".")
                    and _existed_at_build(source, full_msi)):
                assert (app / source.relative_to(REPO_ROOT)).is_file(), source
    fonts = list((app / "resources").rglob("*.ttf")) + list((app / "resources").rglob("*.otf"))
    for font in fonts:
        assert [p for p in font.parent.iterdir() if "licen" in p.name.lower()], f"no licence beside {font}"
    assert (extracted / "madoguchi.pyw").is_file()
    assert (extracted / "madoguchi.cmd").read_bytes().count(b"\r\n") > 5  # CRLF for cmd.exe


def test_windows_wheels_resolved_with_windows_markers(extracted: Path) -> None:
    site = extracted / "site"
    pins = (site / "madoguchi-wheels.txt").read_text().split()
    names = {pin.split("==")[0] for pin in pins}
    # keyring's Windows backend needs pywin32-ctypes; its Linux Secret Service deps must be absent
    assert {"keyring", "pywin32-ctypes", "pyside6-essentials", "sqlcipher3", "cryptography", "pyscard"} <= names
    assert not names & {"jeepney", "secretstorage", "fastapi", "uvicorn", "psycopg", "alembic"}
    assert (site / "win32ctypes").is_dir()
    for package in ("PySide6", "shiboken6", "sqlcipher3", "cryptography", "smartcard"):
        binaries = list((site / package).rglob("*.pyd"))
        assert binaries, f"{package} has no Windows extension module"
        assert not list((site / package).rglob("*.so"))
    assert list((site / "PySide6").glob("Qt6Widgets.dll"))
    assert list(site.glob("keyring-*.dist-info/entry_points.txt"))  # backends found by entry points


def test_python_code_compiles(extracted: Path, tmp_path: Path) -> None:
    app_sources = list((extracted / "app").rglob("*.py")) + [extracted / "madoguchi.pyw"]
    for source in app_sources:
        py_compile.compile(str(source), cfile=str(tmp_path / "x.pyc"), doraise=True)
    assert compileall.compile_dir(str(extracted / "site"), quiet=2, legacy=True, ddir="site",
                                  workers=2) or pytest.fail("vendored site-packages do not compile")
    # byte code shipped for Python 3.11 (users cannot write __pycache__ under Program Files)
    assert list((extracted / "app" / "client").rglob("__pycache__/*.cpython-311.pyc"))


def test_launcher_finds_the_installed_package(extracted: Path) -> None:
    """Run the launcher with a bare interpreter (no venv, no site): it must find app\\ and site\\."""
    base_python = Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    done = subprocess.run(
        [str(base_python), "-I", "-S", str(extracted / "madoguchi.pyw"), "--launcher-check",
         "httpx", "client.lifecycle.config"],
        capture_output=True, text=True, cwd="/", env=env, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    found = dict(line.split("=", 1) for line in done.stdout.splitlines())
    assert Path(found["client"]) == (extracted / "app" / "client" / "__init__.py").resolve()
    assert Path(found["httpx"]).is_relative_to((extracted / "site").resolve())
    assert Path(found["client.lifecycle.config"]).is_relative_to((extracted / "app").resolve())


def test_launcher_failure_is_logged_for_support(tmp_path: Path) -> None:
    """A broken installation does not die silently under pythonw: the traceback goes to a log."""
    install = tmp_path / "Madoguchi"
    (install / "app" / "client").mkdir(parents=True)
    (install / "app" / "client" / "__init__.py").write_text("", encoding="ascii")  # no client.cli
    shutil.copy2(REPO_ROOT / "installer" / "launcher" / "madoguchi.pyw", install / "madoguchi.pyw")
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["MADOGUCHI_HOME"] = str(home)
    base_python = Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    done = subprocess.run([str(base_python), "-I", "-S", str(install / "madoguchi.pyw")],
                          capture_output=True, text=True, cwd="/", env=env, timeout=60)
    assert done.returncode == 1
    assert "起動できませんでした" in done.stderr and "launcher.log" in done.stderr
    log = (home / "logs" / "launcher.log").read_text(encoding="utf-8")
    assert "ModuleNotFoundError" in log and "client.cli" in log
