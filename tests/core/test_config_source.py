"""ClientConfig merge: defaults < registry < TOML < environment, with a fake registry reader."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from client.lifecycle.config import (
    REGISTRY_KEY,
    ClientConfig,
    ConfigError,
    RegistrySource,
    default_home,
    load_config,
    msi_properties,
)


class FakeReader:
    def __init__(self, values: Mapping[str, object]) -> None:
        self._values = dict(values)
        self.keys_read: list[str] = []

    def read_values(self, key: str) -> Mapping[str, object]:
        self.keys_read.append(key)
        return self._values


def _load(tmp_path: Path, registry: Mapping[str, object] | None = None, toml: str | None = None,
          env: Mapping[str, str] | None = None) -> ClientConfig:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    if toml is not None:
        (home / "config.toml").write_text(toml, encoding="utf-8")
    environ = {"MADOGUCHI_HOME": str(home), **(env or {})}
    reg = RegistrySource(FakeReader(registry or {}), platform="win32")
    return load_config(environ=environ, registry=reg, platform="linux")


def test_defaults_declared_once(tmp_path: Path) -> None:
    cfg = _load(tmp_path)
    assert cfg.server_url is None and cfg.municipality_code is None
    assert (cfg.sync_interval_seconds, cfg.probe_interval_seconds, cfg.probe_timeout_seconds) == (60, 5, 3)
    assert cfg.bcp_window_seconds == 4.5 and cfg.bcp_policy == "municipality"
    assert cfg.data_dir == tmp_path / "home"
    assert not cfg.configured


def test_registry_values_reach_the_config(tmp_path: Path) -> None:
    reader = FakeReader({"ServerUrl": "https://dc.example.jp/api", "MunicipalityCode": "131016",
                         "TerminalId": "MADO-01", "BcpPolicy": "confirm", "SecondaryUrl": "",
                         "InstallDir": "C:\\Program Files\\Madoguchi\\"})
    home = tmp_path / "h"
    cfg = load_config(environ={"MADOGUCHI_HOME": str(home)}, registry=RegistrySource(reader), platform="linux")
    assert reader.keys_read == [REGISTRY_KEY]
    assert cfg.server_url == "https://dc.example.jp/api"
    assert cfg.municipality_code == "131016" and cfg.terminal_id == "MADO-01"
    assert cfg.bcp_policy == "confirm"
    assert cfg.secondary_url is None  # empty registry value = not set
    assert cfg.configured


def test_toml_overrides_registry_and_env_overrides_toml(tmp_path: Path) -> None:
    cfg = _load(
        tmp_path,
        registry={"ServerUrl": "https://reg.example/", "TerminalId": "REG-1", "BcpPolicy": "auto"},
        toml='server_url = "https://toml.example/"\nsync_interval_seconds = 30\nterminal_id = "TOML-1"\n',
        env={"MADOGUCHI_TERMINAL_ID": "ENV-1", "MADOGUCHI_PROBE_TIMEOUT_SECONDS": "2"},
    )
    assert cfg.server_url == "https://toml.example/"
    assert cfg.terminal_id == "ENV-1"
    assert cfg.bcp_policy == "auto"  # only the registry set it
    assert cfg.sync_interval_seconds == 30 and cfg.probe_timeout_seconds == 2


def test_interactive_timeout_takes_fractions_of_a_second(tmp_path: Path) -> None:
    assert _load(tmp_path).interactive_timeout_seconds == 1.2
    assert _load(tmp_path, toml="interactive_timeout_seconds = 0.8\n").interactive_timeout_seconds == 0.8
    assert _load(tmp_path, toml="interactive_timeout_seconds = 2\n").interactive_timeout_seconds == 2.0
    cfg = _load(tmp_path, env={"MADOGUCHI_INTERACTIVE_TIMEOUT_SECONDS": "1.5"})
    assert cfg.interactive_timeout_seconds == 1.5
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, toml="interactive_timeout_seconds = true\n")
    assert info.value.setting == "interactive_timeout_seconds" and info.value.source != "environment"


def test_registry_ignored_off_windows_without_reader(tmp_path: Path) -> None:
    assert RegistrySource(platform="linux").values() == {}


@pytest.mark.parametrize(
    ("env", "setting"),
    [
        ({"MADOGUCHI_SERVER_URL": "ftp://x"}, "server_url"),
        ({"MADOGUCHI_MUNICIPALITY_CODE": "13101"}, "municipality_code"),
        ({"MADOGUCHI_BCP_POLICY": "sometimes"}, "bcp_policy"),
        ({"MADOGUCHI_SYNC_INTERVAL_SECONDS": "0"}, "sync_interval_seconds"),
        ({"MADOGUCHI_IDLE_LOCK_MINUTES": "ten"}, "idle_lock_minutes"),
        ({"MADOGUCHI_TERMINAL_ID": "has space"}, "terminal_id"),
        ({"MADOGUCHI_INTERACTIVE_TIMEOUT_SECONDS": "0"}, "interactive_timeout_seconds"),
        ({"MADOGUCHI_INTERACTIVE_TIMEOUT_SECONDS": "-1.5"}, "interactive_timeout_seconds"),
        ({"MADOGUCHI_INTERACTIVE_TIMEOUT_SECONDS": "nan"}, "interactive_timeout_seconds"),
        ({"MADOGUCHI_INTERACTIVE_TIMEOUT_SECONDS": "soon"}, "interactive_timeout_seconds"),
    ],
)
def test_bad_values_name_setting_and_source(tmp_path: Path, env: dict[str, str], setting: str) -> None:
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, env=env)
    assert info.value.setting == setting
    assert info.value.source == "environment"
    assert info.value.message_ja and setting in str(info.value)


def test_toml_typos_and_syntax_errors_are_reported(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="server_ulr"):
        _load(tmp_path, toml='server_ulr = "https://x.example/"\n')
    with pytest.raises(ConfigError, match="invalid TOML"):
        _load(tmp_path, toml="server_url = \n")
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, toml="sync_interval_seconds = true\n")
    assert info.value.setting == "sync_interval_seconds"


def test_explicit_config_path_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.toml", environ={}, registry=RegistrySource(platform="linux"), platform="linux")
    path = tmp_path / "site.toml"
    path.write_text('municipality_code = 131016\ndata_dir = "~/mado-data"\n', encoding="utf-8")
    cfg = load_config(path, environ={"MADOGUCHI_HOME": str(tmp_path)}, registry=RegistrySource(platform="linux"),
                      platform="linux")
    assert cfg.municipality_code == "131016"
    assert cfg.data_dir == Path.home() / "mado-data"


def test_default_home_per_platform(tmp_path: Path) -> None:
    assert default_home({"LOCALAPPDATA": "C:/Users/k/AppData/Local"}, "win32") == Path(
        "C:/Users/k/AppData/Local/Madoguchi")
    assert default_home({"XDG_DATA_HOME": str(tmp_path)}, "linux") == tmp_path / "madoguchi"
    assert default_home({"MADOGUCHI_HOME": str(tmp_path), "LOCALAPPDATA": "x"}, "win32") == tmp_path


def test_msi_properties_match_registry_names() -> None:
    props = {p.name: p for p in msi_properties()}
    assert set(props) == {"SERVERURL", "SECONDARYURL", "MUNICIPALITYCODE", "TERMINALID", "BCPPOLICY"}
    assert props["BCPPOLICY"].default == "municipality" and props["SERVERURL"].default is None
    # every property round-trips: a value written under its registry name comes back in its field
    reader = FakeReader({p.registry_value: v for p, v in zip(
        props.values(), ["https://a.example/", "https://b.example/", "011002", "T1", "auto"], strict=True)})
    values = RegistrySource(reader).values()
    assert {p.setting for p in props.values()} == set(values)
