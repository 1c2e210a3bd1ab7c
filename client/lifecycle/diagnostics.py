"""``madoguchi diagnostics --out FILE.zip``: what the help desk needs, and no personal data.

The bundle holds versions, the effective configuration, the mode history, the sync state
(replica as-of times and counts, outbox counts, endpoint reachability), and the recent log files.
It never holds a database, a key or a certificate. Text that comes from logs is redacted again
(non-ASCII runs, digit runs of 10+, and the romanised names of foreign residents found in the
local replicas), so a resident name that slipped into a log line does not leave the terminal.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import zipfile
from collections.abc import Callable
from dataclasses import fields
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from client.fileswap.ops import replace_file
from client.lifecycle.logging_setup import LOG_FILE, log_dir, read_mode_history, redact

StatusCollector = Callable[[Path, Any, datetime], dict[str, Any]]  # (data_dir, config, now) → status

BUNDLE_VERSION = 1
LOG_TAIL_BYTES = 1024 * 1024  # per log file
PACKAGES = ("madoguchi", "PySide6-Essentials", "SQLAlchemy", "sqlcipher3", "httpx", "keyring", "reportlab",
            "APScheduler", "cryptography", "argon2-cffi", "pypdfium2", "qrcode", "pillow")


def versions() -> dict[str, Any]:
    pkgs: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            pkgs[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pkgs[name] = None
    return {"python": sys.version.split()[0], "implementation": platform.python_implementation(),
            "platform": platform.platform(), "machine": platform.machine(), "packages": pkgs}


def configuration(config: Any) -> dict[str, Any]:
    if config is None:
        return {}
    return {f.name: (str(v) if isinstance(v := getattr(config, f.name), Path) else v) for f in fields(config)}


def _foreign_name_tokens(data_dir: Path) -> set[str]:
    """ASCII words of residents' names and aliases in the local replicas (best effort: needs the keys)."""
    tokens: set[str] = set()
    try:
        from client.local.keystore import KeyStore
        from client.replica.status import replica_codes
        from client.replica.store import ReplicaStore

        keystore = KeyStore()
        for code in replica_codes(data_dir):
            store = ReplicaStore(data_dir, code, keystore)
            if not store.path.exists():
                continue
            try:
                with store.read() as conn:
                    for (data,) in conn.exec_driver_sql(
                            "SELECT r.data FROM resident_keys k JOIN residents r ON r.key = k.key "
                            "WHERE k.name_key GLOB '*[A-Za-z]*' OR k.alias_key != ''"):
                        record = json.loads(data)
                        for text in (record.get("name", ""), record.get("alias", ""), record.get("kana", "")):
                            tokens.update(w for w in str(text).replace("\u3000", " ").split() if w.isascii())
            finally:
                store.close()
    except Exception:  # no keyring, no replica, unreadable replica: the generic redaction still applies
        return tokens
    return tokens


def _sync_state(data_dir: Path, config: Any, now: datetime, status: StatusCollector | None) -> dict[str, Any]:
    """``madoguchi status`` (``status``: endpoints probed), or only the local replicas when offline."""
    try:
        if status is not None:
            return status(data_dir, config, now)
        from client.local.keystore import KeyStore
        from client.replica.status import all_replica_status

        return {"checked_at": now.isoformat(), "replicas": all_replica_status(data_dir, KeyStore(), now)}
    except Exception as exc:
        return {"error": type(exc).__name__, "message_en": str(exc)}


def _log_files(data_dir: Path) -> list[Path]:
    directory = log_dir(data_dir)
    if not directory.is_dir():
        return []
    files = [p for p in directory.iterdir() if p.is_file() and p.name.startswith(LOG_FILE)]
    return sorted(files, key=lambda p: p.name)


def _tail(path: Path, limit: int) -> str:
    with path.open("rb") as f:
        f.seek(0, 2)
        size = f.tell()
        f.seek(max(0, size - limit))
        data = f.read()
    text = data.decode("utf-8", errors="replace")
    if size > limit:
        text = text.split("\n", 1)[-1]  # drop the partial first line
    return text


def build_bundle(out: Path, data_dir: Path, config: Any = None, *, now: datetime | None = None,
                 status: StatusCollector | None = None) -> list[str]:
    """Write the zip; returns the names of its members. ``status``: the collector of ``madoguchi
    status`` (``client.continuity.status.collect_status``, which probes the endpoints); without
    one, only the local replicas are described (``--offline``)."""
    now = now or datetime.now(UTC)
    data_dir = Path(data_dir)
    tokens = _foreign_name_tokens(data_dir)

    def clean(value: Any) -> Any:
        if isinstance(value, str):
            return redact(value, tokens)
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    members: dict[str, str] = {
        "versions.json": json.dumps(versions(), indent=2),
        "config.json": json.dumps(clean(configuration(config)), ensure_ascii=False, indent=2),
        "mode_history.json": json.dumps(clean(read_mode_history(data_dir)), ensure_ascii=False, indent=2),
    }
    members["sync_state.json"] = json.dumps(clean(_sync_state(data_dir, config, now, status)),
                                            ensure_ascii=False, indent=2, default=str)
    for path in _log_files(data_dir):
        members[f"logs/{path.name}"] = redact(_tail(path, LOG_TAIL_BYTES), tokens)
    members["manifest.json"] = json.dumps({
        "bundle_version": BUNDLE_VERSION, "created_at": now.isoformat(), "data_dir": str(data_dir),
        "members": sorted(members), "redaction": "non-ASCII runs, digit runs of 10+, foreign residents' names",
    }, indent=2)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(members):
            zf.writestr(name, members[name])
    replace_file(tmp, out)  # Windows: waits out a reader's brief open
    return sorted(members)


# --- CLI ----------------------------------------------------------------------------------------


def register_diagnostics(sub: Any, *, collect_status: StatusCollector | None = None) -> None:
    """``collect_status``: what ``madoguchi status`` reports, passed in by the command line (it
    lives above this room, in ``client.continuity.status``)."""
    p = sub.add_parser("diagnostics", help="診断情報をZIPにまとめる(個人情報を含まない) / diagnostics bundle")
    p.add_argument("--out", type=Path, required=True, help="output .zip")
    p.add_argument("--data-dir", type=Path, default=None)
    p.add_argument("--config", type=Path, default=None)
    p.add_argument("--offline", action="store_true", help="do not probe the endpoints")
    p.set_defaults(func=run_diagnostics, collect_status=collect_status)


def run_diagnostics(args: argparse.Namespace) -> int:
    from client.lifecycle.config import ClientConfig, ConfigError, load_config

    config: ClientConfig | None = None
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"警告: 設定を読み込めません: {exc.message_ja}\nwarning: {exc.message_en}", file=sys.stderr)
    data_dir = Path(args.data_dir) if args.data_dir else Path((config.data_dir if config is not None else None) or ".")
    try:
        members = build_bundle(args.out, data_dir, config,
                               status=None if args.offline else getattr(args, "collect_status", None))
    except OSError as exc:
        print(f"エラー: 診断情報を書き出せません。\nerror: cannot write {args.out}: {exc}", file=sys.stderr)
        return 1
    print(f"{args.out}: {len(members)} files ({', '.join(members)})")
    return 0
