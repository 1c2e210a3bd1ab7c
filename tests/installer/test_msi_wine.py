"""Installing the MSI for real with Wine's Windows Installer (headless, /qn only).

Judged by exit code and by what the installation leaves behind; Wine's msiexec log is not used.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from _msi_build import BASE_VERSION, NEXT_VERSION, OLDER_VERSION, Built, exit_code_exe
from _msi_wine import ERROR_INSTALL_FAILURE, WinePrefix, WineResult

from client.lifecycle.config import REGISTRY_KEY, ClientConfig, RegistrySource, load_config

pytestmark = pytest.mark.msi

PYTHON_KEY = r"HKLM\SOFTWARE\Python\PythonCore\3.11\InstallPath"
CONFIG_KEY = "HKLM\\" + REGISTRY_KEY
INSTALL_DIR = r"C:\Program Files\Madoguchi"
FAKE_PYTHON = "C:\\Python311\\"


def _install_dir(wine: WinePrefix) -> Path:
    return wine.unix_path(INSTALL_DIR)


def _without_python(wine: WinePrefix) -> None:
    wine.reg_delete(r"HKLM\SOFTWARE\Python")
    assert wine.reg_values(PYTHON_KEY) is None


FAKE_PYTHON_EXIT = 42  # the fake system python.exe; the fake bundled runtime's exits with 43
ERROR_NOT_FOUND_CMD = 9009


def _with_python(wine: WinePrefix) -> None:
    folder = wine.unix_path(FAKE_PYTHON)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "python.exe").write_bytes(exit_code_exe(FAKE_PYTHON_EXIT))
    wine.reg_set_default(PYTHON_KEY, FAKE_PYTHON)


def _command_line(wine: WinePrefix, *args: str) -> WineResult:
    """``madoguchi.cmd ARGS`` as IT would run it."""
    return wine.run("cmd", "/c", INSTALL_DIR + "\\madoguchi.cmd", *args)


def _remove_all_products(wine: WinePrefix) -> None:
    """Start from a machine without Madoguchi, whatever an earlier failed test left behind."""
    for product in wine.installed_products("Madoguchi"):
        code = product["key"].rsplit("\\", 1)[-1]
        wine.run("msiexec", "/x", code, "/qn")
    assert wine.installed_products("Madoguchi") == []


def _link_text(link: Path) -> str:
    """The strings of a .lnk file (paths are stored in ANSI and in UTF-16)."""
    data = link.read_bytes()
    return data.decode("latin-1") + "\n" + data.decode("utf-16-le", "replace")


class _WineRegistryReader:
    """The client's registry reader interface, served from the Wine prefix's HKLM (64-bit)."""

    def __init__(self, wine: WinePrefix) -> None:
        self.wine = wine

    def read_values(self, key: str) -> dict[str, object]:
        return dict(self.wine.reg_values("HKLM\\" + key) or {})


def _client_config(wine: WinePrefix, home: Path) -> ClientConfig:
    """What the client's own loader makes of the values the MSI wrote."""
    return load_config(environ={"MADOGUCHI_HOME": str(home)},
                       registry=RegistrySource(_WineRegistryReader(wine)), platform="linux")


def _user_data(wine: WinePrefix) -> Path:
    """A terminal's data as the client keeps it: %LOCALAPPDATA%\\Madoguchi, outside INSTALLDIR."""
    (users,) = [p for p in (wine.prefix / "drive_c" / "users").iterdir() if p.name not in ("Public",)]
    data = users / "AppData" / "Local" / "Madoguchi"
    (data / "logs").mkdir(parents=True, exist_ok=True)
    (data / "outbox.db").write_bytes(b"unsynced BCP issuances")
    (data / "logs" / "madoguchi.log").write_text("started\n", encoding="ascii")
    return data


def test_refused_without_python_and_installs_nothing(wine: WinePrefix, msi_factory: Callable[..., Built]) -> None:
    _remove_all_products(wine)
    _without_python(wine)
    built = msi_factory(BASE_VERSION)
    result = wine.msiexec("/i", built.msi, "SERVERURL=https://dc.example.jp/", "MUNICIPALITYCODE=131016")
    assert result.is_error(ERROR_INSTALL_FAILURE), (result.returncode, result.stderr)
    assert not _install_dir(wine).exists()
    assert wine.reg_values(CONFIG_KEY) is None
    assert wine.shortcuts("Madoguchi") == []
    assert wine.installed_products("Madoguchi") == []


def test_install_upgrade_downgrade_uninstall(wine: WinePrefix, msi_factory: Callable[..., Built]) -> None:
    _remove_all_products(wine)
    _with_python(wine)
    base, upgrade, older = msi_factory(BASE_VERSION), msi_factory(NEXT_VERSION), msi_factory(OLDER_VERSION)

    # 1. install with properties
    result = wine.msiexec("/i", base.msi, "SERVERURL=https://dc.example.jp/madoguchi",
                          "MUNICIPALITYCODE=131016", "TERMINALID=MADO-01")
    assert result.returncode == 0, result.stderr
    install_dir = _install_dir(wine)
    staged = {p.relative_to(base.stage).as_posix() for p in base.stage.rglob("*") if p.is_file()}
    installed = {p.relative_to(install_dir).as_posix() for p in install_dir.rglob("*") if p.is_file()}
    assert installed == staged
    values = wine.reg_values(CONFIG_KEY)
    assert values is not None
    assert values["ServerUrl"] == "https://dc.example.jp/madoguchi"
    assert values["MunicipalityCode"] == "131016" and values["TerminalId"] == "MADO-01"
    assert values["BcpPolicy"] == "municipality"  # the default
    assert values["Version"] == BASE_VERSION
    assert values["InstallDir"].rstrip("\\") == INSTALL_DIR and values["PythonDir"] == FAKE_PYTHON
    (shortcut,) = wine.shortcuts("Madoguchi")
    link = _link_text(shortcut)
    assert "C:\\Python311\\pythonw.exe" in link and "C:\\Program Files\\Madoguchi\\madoguchi.pyw" in link
    (product,) = wine.installed_products("Madoguchi")
    assert product["DisplayVersion"] == BASE_VERSION
    data = _user_data(wine)
    config = _client_config(wine, data)
    assert (config.server_url, config.municipality_code, config.terminal_id) == (
        "https://dc.example.jp/madoguchi", "131016", "MADO-01")
    assert config.secondary_url is None and config.bcp_policy == "municipality"
    # the command line finds the Python the MSI recorded (PythonDir) and passes its exit code on
    assert _command_line(wine, "status").returncode == FAKE_PYTHON_EXIT
    wine.run("reg", "delete", CONFIG_KEY, "/v", "PythonDir", "/f", "/reg:64")
    missing = _command_line(wine, "status")
    assert missing.is_error(ERROR_NOT_FOUND_CMD) and "PythonDir is missing" in missing.stderr

    # 2. the next version upgrades in place; values given again change, the others are kept
    result = wine.msiexec("/i", upgrade.msi, "SERVERURL=https://dc2.example.jp/madoguchi", "BCPPOLICY=confirm")
    assert result.returncode == 0, result.stderr
    (product,) = wine.installed_products("Madoguchi")
    assert product["DisplayVersion"] == NEXT_VERSION
    values = wine.reg_values(CONFIG_KEY)
    assert values is not None
    assert values["ServerUrl"] == "https://dc2.example.jp/madoguchi" and values["BcpPolicy"] == "confirm"
    assert values["MunicipalityCode"] == "131016" and values["TerminalId"] == "MADO-01"  # remembered
    assert values["Version"] == NEXT_VERSION
    config = _client_config(wine, data)
    assert (config.server_url, config.bcp_policy) == ("https://dc2.example.jp/madoguchi", "confirm")
    assert values["PythonDir"] == FAKE_PYTHON  # written again by the upgrade
    assert (install_dir / "madoguchi.pyw").is_file() and len(wine.shortcuts("Madoguchi")) == 1
    assert (data / "outbox.db").read_bytes() == b"unsynced BCP issuances"

    # 2b. a rebuild of the same version (new ProductCode) replaces it rather than sitting beside it
    rebuilt = msi_factory(NEXT_VERSION, rebuild="b")
    result = wine.msiexec("/i", rebuilt.msi)
    assert result.returncode == 0, result.stderr
    (product,) = wine.installed_products("Madoguchi")
    assert product["DisplayVersion"] == NEXT_VERSION
    assert wine.reg_values(CONFIG_KEY)["ServerUrl"] == "https://dc2.example.jp/madoguchi"  # type: ignore[index]

    # 3. an older version is refused and changes nothing
    result = wine.msiexec("/i", older.msi, "SERVERURL=https://old.example.jp/")
    assert result.is_error(ERROR_INSTALL_FAILURE), (result.returncode, result.stderr)
    (product,) = wine.installed_products("Madoguchi")
    assert product["DisplayVersion"] == NEXT_VERSION
    assert wine.reg_values(CONFIG_KEY)["ServerUrl"] == "https://dc2.example.jp/madoguchi"  # type: ignore[index]

    # 4. uninstall removes files, key and shortcut, and leaves the user data alone
    result = wine.msiexec("/x", rebuilt.msi)
    assert result.returncode == 0, result.stderr
    assert not install_dir.exists() or not any(install_dir.rglob("*"))
    assert wine.reg_values(CONFIG_KEY) is None
    assert wine.shortcuts("Madoguchi") == []
    assert wine.installed_products("Madoguchi") == []
    assert (data / "outbox.db").read_bytes() == b"unsynced BCP issuances"
    assert (data / "logs" / "madoguchi.log").is_file()


def test_bundled_runtime_needs_no_python(wine: WinePrefix, msi_factory: Callable[..., Built]) -> None:
    _remove_all_products(wine)
    _without_python(wine)
    built = msi_factory(BASE_VERSION, bundled_runtime=True)
    result = wine.msiexec("/i", built.msi, "SERVERURL=https://dc.example.jp/", "MUNICIPALITYCODE=011002")
    assert result.returncode == 0, result.stderr
    install_dir = _install_dir(wine)
    assert (install_dir / "runtime" / "pythonw.exe").is_file()
    assert (install_dir / "runtime" / "python311._pth").is_file()
    values = wine.reg_values(CONFIG_KEY)
    assert values is not None and values["PythonDir"] == INSTALL_DIR + "\\runtime\\"
    (shortcut,) = wine.shortcuts("Madoguchi")
    assert "C:\\Program Files\\Madoguchi\\runtime\\pythonw.exe" in _link_text(shortcut)
    assert _command_line(wine, "status").returncode == 43  # the bundled runtime's python.exe
    result = wine.msiexec("/x", built.msi)
    assert result.returncode == 0, result.stderr
    assert not (install_dir / "runtime").exists()
    assert wine.installed_products("Madoguchi") == []


def test_full_payload_installs_and_uninstalls_cleanly(wine: WinePrefix, full_msi: Built) -> None:
    """The release MSI (every Windows wheel, thousands of files in one cabinet)."""
    _remove_all_products(wine)
    _with_python(wine)
    result = wine.msiexec("/i", full_msi.msi, "SERVERURL=https://dc.example.jp/", "MUNICIPALITYCODE=131016")
    assert result.returncode == 0, result.stderr
    install_dir = _install_dir(wine)
    staged = {p.relative_to(full_msi.stage).as_posix(): p.stat().st_size
              for p in full_msi.stage.rglob("*") if p.is_file()}
    installed = {p.relative_to(install_dir).as_posix(): p.stat().st_size
                 for p in install_dir.rglob("*") if p.is_file()}
    assert installed == staged
    assert (install_dir / "site" / "PySide6" / "Qt6Widgets.dll").is_file()
    result = wine.msiexec("/x", full_msi.msi)
    assert result.returncode == 0, result.stderr
    assert not install_dir.exists() or not [p for p in install_dir.rglob("*") if p.is_file()]
    assert wine.installed_products("Madoguchi") == []


def test_custom_install_dir_is_kept_on_upgrade(wine: WinePrefix, msi_factory: Callable[..., Built]) -> None:
    _remove_all_products(wine)
    _with_python(wine)
    custom = "C:\\Apps\\Madoguchi\\"
    result = wine.msiexec("/i", msi_factory(BASE_VERSION).msi, f"INSTALLDIR={custom}", "SERVERURL=https://a.example/")
    assert result.returncode == 0, result.stderr
    assert (wine.unix_path(custom) / "madoguchi.pyw").is_file()
    assert not _install_dir(wine).exists()
    result = wine.msiexec("/i", msi_factory(NEXT_VERSION).msi)  # no INSTALLDIR: the installed one is kept
    assert result.returncode == 0, result.stderr
    (product,) = wine.installed_products("Madoguchi")
    assert product["DisplayVersion"] == NEXT_VERSION
    assert (wine.unix_path(custom) / "madoguchi.pyw").is_file() and not _install_dir(wine).exists()
    values = wine.reg_values(CONFIG_KEY)
    assert values is not None and values["InstallDir"] == custom and values["ServerUrl"] == "https://a.example/"
    result = wine.msiexec("/x", msi_factory(NEXT_VERSION).msi)
    assert result.returncode == 0, result.stderr
    assert not (wine.unix_path(custom) / "madoguchi.pyw").exists()
