"""Terminal configuration: declared once, read from defaults, the registry, a TOML file and env.

Load order (later wins): the defaults declared on :class:`ClientConfig` < the Windows registry
(``HKLM\\Software\\Madoguchi``, 64-bit view, written by the MSI from its public properties) <
the TOML file (``--config`` or ``$MADOGUCHI_HOME/config.toml``) < ``MADOGUCHI_*`` environment
variables.

Each field carries its own metadata (registry value name, MSI property, parser), so the installer
build reads the same declaration and the names cannot drift apart. No Qt here; the registry is
read through an injected reader so the merge is testable on Linux.
"""

from __future__ import annotations

import importlib
import math
import os
import sys
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from client.errors import ClerkError
from client.remote.line_timeouts import INTERACTIVE_TIMEOUT_SECONDS

REGISTRY_KEY = r"Software\Madoguchi"
ENV_PREFIX = "MADOGUCHI_"
HOME_ENV = "MADOGUCHI_HOME"
CONFIG_FILE_NAME = "config.toml"
BCP_POLICIES = ("municipality", "auto", "confirm")


class ConfigError(ClerkError):
    """A configuration value is unusable: says which setting, from which source, and why."""

    def __init__(self, setting: str, source: str, problem_ja: str, problem_en: str) -> None:
        self.setting = setting
        self.source = source
        super().__init__(f"設定「{setting}」({source})が正しくありません: {problem_ja}",
                         f"configuration {setting!r} from {source}: {problem_en}")


# --- parsers: raw value (str from registry/env, typed from TOML) -> typed value -------------------


class _Invalid(ValueError):
    def __init__(self, en: str, ja: str) -> None:
        super().__init__(en)
        self.en = en
        self.ja = ja


def _text(raw: object) -> str:
    if not isinstance(raw, str):
        raise _Invalid(f"expected text, got {type(raw).__name__}", "文字列で指定してください")
    return raw.strip()


def _url(raw: object) -> str:
    value = _text(raw)
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise _Invalid(f"not an http(s) URL: {value!r}", f"http(s) の URL ではありません: {value!r}")
    return value


def _municipality_code(raw: object) -> str:
    value = _text(str(raw) if isinstance(raw, int) else raw)
    if len(value) != 6 or not value.isascii() or not value.isdigit():
        raise _Invalid(
            f"municipality code must be 6 digits (全国地方公共団体コード), got {value!r}",
            f"団体コードは6桁の数字で指定してください: {value!r}",
        )
    return value


def _terminal_id(raw: object) -> str:
    value = _text(raw)
    if not value or not value.isascii() or any(c.isspace() for c in value) or len(value) > 64:
        raise _Invalid(
            f"terminal id must be 1-64 ASCII characters without spaces, got {value!r}",
            f"端末IDは空白を含まない半角64文字以内で指定してください: {value!r}",
        )
    return value


def _bcp_policy(raw: object) -> str:
    value = _text(raw).lower()
    if value not in BCP_POLICIES:
        raise _Invalid(
            f"BCP policy must be one of {', '.join(BCP_POLICIES)}, got {value!r}",
            f"縮退運用ポリシーは {', '.join(BCP_POLICIES)} のいずれかです: {value!r}",
        )
    return value


def _path(raw: object) -> Path:
    value = _text(raw)
    if not value:
        raise _Invalid("empty path", "パスが空です")
    return Path(os.path.expandvars(os.path.expanduser(value)))


def _positive_int(raw: object) -> int:
    if isinstance(raw, bool):
        raise _Invalid("expected a whole number, got a boolean", "整数で指定してください")
    if isinstance(raw, int):
        value = raw
    else:
        try:
            value = int(_text(raw))
        except ValueError:
            raise _Invalid(f"expected a whole number, got {raw!r}", f"整数で指定してください: {raw!r}") from None
    if value <= 0:
        raise _Invalid(f"must be greater than zero, got {value}", f"1以上で指定してください: {value}")
    return value


def _positive_seconds(raw: object) -> float:
    """Seconds, fractions allowed (``1.2``): a positive finite number."""
    if isinstance(raw, bool):
        raise _Invalid("expected a number of seconds, got a boolean", "秒数(数値)で指定してください")
    if isinstance(raw, int | float):
        value = float(raw)
    else:
        try:
            value = float(_text(raw))
        except ValueError:
            raise _Invalid(f"expected a number of seconds, got {raw!r}", f"秒数(数値)で指定してください: {raw!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise _Invalid(f"must be greater than zero, got {raw!r}", f"0より大きい値で指定してください: {raw!r}")
    return value


def _setting(
    default: Any,
    parse: Callable[[object], Any],
    *,
    registry: str | None = None,
    msi_property: str | None = None,
) -> Any:
    """Declare a setting: its default, its parser and, if the MSI sets it, its registry name."""
    return field(default=default, metadata={"parse": parse, "registry": registry, "msi": msi_property})


@dataclass(frozen=True)
class ClientConfig:
    """Everything a terminal needs to know about where it is and how it behaves."""

    server_url: str | None = _setting(None, _url, registry="ServerUrl", msi_property="SERVERURL")
    secondary_url: str | None = _setting(None, _url, registry="SecondaryUrl", msi_property="SECONDARYURL")
    municipality_code: str | None = _setting(
        None, _municipality_code, registry="MunicipalityCode", msi_property="MUNICIPALITYCODE"
    )
    terminal_id: str | None = _setting(None, _terminal_id, registry="TerminalId", msi_property="TERMINALID")
    # "municipality": follow the policy the server sends; "auto"/"confirm" override it locally.
    bcp_policy: str = _setting("municipality", _bcp_policy, registry="BcpPolicy", msi_property="BCPPOLICY")
    ca_bundle: Path | None = _setting(None, _path, registry="CaBundle")
    client_cert: Path | None = _setting(None, _path, registry="ClientCert")
    idle_lock_minutes: int = _setting(15, _positive_int)
    sync_interval_seconds: int = _setting(60, _positive_int)
    probe_interval_seconds: int = _setting(5, _positive_int)
    probe_timeout_seconds: int = _setting(3, _positive_int)
    # a search or resident detail waits this long on the active line before the other line is tried
    interactive_timeout_seconds: float = _setting(INTERACTIVE_TIMEOUT_SECONDS, _positive_seconds)
    # every line failing this long (from the first failed attempt's send time) → BCP; see
    # docs/performance.md "BCP entry timings" for why 4.5 s and the settings below
    bcp_window_seconds: float = _setting(4.5, _positive_seconds)
    # a line that failed counts as failing until this many answers in a row (hysteresis)
    line_up_successes: int = _setting(2, _positive_int)
    # a line is trusted again (BCP → recovering, secondary → primary) after this many good
    # answers in a row spanning at least line_steady_seconds (doubled after each relapse)
    line_steady_successes: int = _setting(3, _positive_int)
    line_steady_seconds: float = _setting(10.0, _positive_seconds)
    data_dir: Path | None = _setting(None, _path, registry="DataDir")
    # マイナンバーカード (client/card): the chain the card's data signer must chain to, and the reader
    card_trust_roots: Path | None = _setting(None, _path, registry="CardTrustRoots")
    card_trust_intermediates: Path | None = _setting(None, _path, registry="CardTrustIntermediates")
    card_reader: str = _setting("", _text, registry="CardReader")

    @property
    def configured(self) -> bool:
        """True when the terminal knows its server and municipality (enough to enrol)."""
        return bool(self.server_url and self.municipality_code)


@dataclass(frozen=True)
class MsiProperty:
    """A public MSI property written to ``HKLM\\Software\\Madoguchi`` and read back by the client."""

    name: str  # MSI property, upper case (public)
    registry_value: str
    setting: str  # ClientConfig field
    default: str | None


def msi_properties() -> tuple[MsiProperty, ...]:
    """The public MSI properties, derived from the ClientConfig declaration (used by the build)."""
    out = []
    for f in fields(ClientConfig):
        if f.metadata.get("msi"):
            default = None if f.default is None else str(f.default)
            out.append(MsiProperty(f.metadata["msi"], f.metadata["registry"], f.name, default))
    return tuple(out)


# --- sources ------------------------------------------------------------------------------------


class RegistryReader(Protocol):
    """Reads all values of one key under HKEY_LOCAL_MACHINE; empty mapping when the key is absent."""

    def read_values(self, key: str) -> Mapping[str, object]: ...


class WinregReader:
    """The real reader: ``winreg`` on the 64-bit view (the MSI is x64)."""

    def read_values(self, key: str) -> Mapping[str, object]:
        winreg: Any = importlib.import_module("winreg")  # Windows only; Any keeps mypy quiet on Linux

        values: dict[str, object] = {}
        try:
            handle = winreg.OpenKey(
                winreg.HKEY_LOCAL_MACHINE, key, 0, winreg.KEY_READ | winreg.KEY_WOW64_64KEY
            )
        except FileNotFoundError:
            return values
        with handle:
            index = 0
            while True:
                try:
                    name, data, _kind = winreg.EnumValue(handle, index)
                except OSError:
                    break
                values[name] = data
                index += 1
        return values


class RegistrySource:
    """Values the MSI wrote under ``HKLM\\Software\\Madoguchi``. Empty values count as unset."""

    name = "registry HKLM\\" + REGISTRY_KEY

    def __init__(self, reader: RegistryReader | None = None, *, platform: str = sys.platform) -> None:
        if reader is None and platform == "win32":
            reader = WinregReader()
        self._reader = reader

    def values(self) -> dict[str, object]:
        if self._reader is None:
            return {}
        raw = self._reader.read_values(REGISTRY_KEY)
        by_registry_name = {
            f.metadata["registry"].lower(): f.name for f in fields(ClientConfig) if f.metadata.get("registry")
        }
        out: dict[str, object] = {}
        for value_name, data in raw.items():
            setting = by_registry_name.get(value_name.lower())
            if setting is None:
                continue  # InstallDir, Version, PythonDir: the installer's own bookkeeping
            if isinstance(data, str) and not data.strip():
                continue  # a property left empty at install time
            out[setting] = data
        return out


class TomlSource:
    """A TOML file with top-level keys named like the ClientConfig fields. Absent file: no values."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = f"config file {path}"

    def values(self) -> dict[str, object]:
        try:
            text = self.path.read_bytes().decode("utf-8")
        except FileNotFoundError:
            return {}
        except UnicodeDecodeError as exc:
            raise ConfigError("*", self.name, "UTF-8 で保存してください", f"not UTF-8: {exc}") from exc
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError("*", self.name, f"TOML の書式が誤っています: {exc}", f"invalid TOML: {exc}") from exc
        known = {f.name for f in fields(ClientConfig)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(
                ", ".join(unknown), self.name, "不明な設定項目です(綴りを確認してください)", "unknown setting (typo?)"
            )
        return dict(data)


class EnvSource:
    """``MADOGUCHI_<FIELD>`` variables, e.g. ``MADOGUCHI_SERVER_URL``. Empty values count as unset."""

    name = "environment"

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ

    def values(self) -> dict[str, object]:
        out: dict[str, object] = {}
        for f in fields(ClientConfig):
            raw = self._environ.get(ENV_PREFIX + f.name.upper())
            if raw is not None and raw.strip():
                out[f.name] = raw
        return out


class ConfigSource(Protocol):
    name: str

    def values(self) -> dict[str, object]: ...


# --- locations and loading ----------------------------------------------------------------------


def default_home(environ: Mapping[str, str], platform: str = sys.platform) -> Path:
    """Where user data (replica, outbox, logs) and config.toml live: never the install directory."""
    explicit = environ.get(HOME_ENV, "").strip()
    if explicit:
        return Path(explicit)
    if platform == "win32":
        local = environ.get("LOCALAPPDATA", "").strip()
        base = Path(local) if local else Path.home() / "AppData" / "Local"
        return base / "Madoguchi"
    xdg = environ.get("XDG_DATA_HOME", "").strip()
    return (Path(xdg) if xdg else Path.home() / ".local" / "share") / "madoguchi"


def merge(sources: list[ConfigSource], *, home: Path) -> ClientConfig:
    """Apply the sources in order over the defaults; parse each value; fill ``data_dir``."""
    parsed: dict[str, Any] = {}
    by_name = {f.name: f for f in fields(ClientConfig)}
    for source in sources:
        for setting, raw in source.values().items():
            parse = by_name[setting].metadata["parse"]
            try:
                parsed[setting] = parse(raw)
            except _Invalid as exc:
                raise ConfigError(setting, source.name, exc.ja, exc.en) from None
    if parsed.get("data_dir") is None:
        parsed["data_dir"] = home
    return ClientConfig(**parsed)


def load_config(
    config_path: Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    registry: RegistrySource | None = None,
    platform: str = sys.platform,
) -> ClientConfig:
    """Defaults < registry (Windows) < TOML file < environment."""
    env = os.environ if environ is None else environ
    home = default_home(env, platform)
    path = config_path if config_path is not None else home / CONFIG_FILE_NAME
    if config_path is not None and not config_path.is_file():
        raise ConfigError(
            "--config", str(config_path), "指定された設定ファイルが見つかりません", "file not found"
        )
    reg = registry if registry is not None else RegistrySource(platform=platform)
    return merge([reg, TomlSource(path), EnvSource(env)], home=home)
