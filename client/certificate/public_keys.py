"""Published public keys (municipality and terminal keys) for verification, with a local cache.

Wire/file format (the server's GET /api/v1/keys answers the same):
``{"keys": [{"key_id": "…", "public_key_b64": "…", "owner": "139998" | "terminal:…"}, …]}``
"""

from __future__ import annotations

import base64
import binascii
import json
from pathlib import Path
from typing import Any

from client.certificate.signing import key_id_for
from client.fileswap.ops import replace_file

KEYS_PATH = "/api/v1/keys"
CACHE_FILE = "public_keys.json"


class PublicKeysError(ValueError):
    """The key list cannot be read or fetched."""

    def __init__(self, message_ja: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_ja = message_ja
        self.message_en = message_en


def parse_keys(data: Any) -> dict[str, bytes]:
    """key_id → raw public key. A key whose id does not match its bytes is rejected."""
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        raise PublicKeysError("公開鍵の一覧の形式が正しくありません。", 'expected {"keys": [...]}')
    keys: dict[str, bytes] = {}
    for entry in data["keys"]:
        try:
            key_id = str(entry["key_id"])
            raw = base64.b64decode(entry["public_key_b64"], validate=True)
        except (KeyError, TypeError, binascii.Error) as exc:
            raise PublicKeysError(
                "公開鍵の一覧に読み取れない項目があります。", f"bad key entry: {exc}"
            ) from exc
        if len(raw) != 32 or key_id_for(raw) != key_id:
            raise PublicKeysError(
                f"公開鍵 {key_id} の内容が鍵IDと一致しません。", f"key {key_id!r} does not match its id"
            )
        keys[key_id] = raw
    return keys


def keys_document(keys: dict[str, bytes], owners: dict[str, str] | None = None) -> dict[str, Any]:
    """The JSON document for ``keys`` (what the server publishes and the cache holds)."""
    owners = owners or {}
    return {
        "keys": [
            {"key_id": k, "public_key_b64": base64.b64encode(v).decode("ascii"), "owner": owners.get(k, "")}
            for k, v in sorted(keys.items())
        ]
    }


def load_keys_file(path: Path) -> dict[str, bytes]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise PublicKeysError(f"公開鍵ファイル {path} がありません。", f"no such keys file: {path}") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PublicKeysError(
            f"公開鍵ファイル {path} を読み込めません。", f"cannot read {path}: {exc}"
        ) from exc
    return parse_keys(data)


def fetch_keys(server_url: str, *, token: str | None = None, timeout: float = 5.0) -> dict[str, bytes]:
    """GET {server}/api/v1/keys (with a staff bearer token when the server asks for one)."""
    import httpx

    url = server_url.rstrip("/") + KEYS_PATH
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        response = httpx.get(url, timeout=timeout, headers=headers)
        if response.status_code in (401, 403):
            raise PublicKeysError(
                "公開鍵の取得にはログインが必要です（--token を指定してください）。",
                f"{url} answered {response.status_code}: pass a staff token with --token",
            )
        response.raise_for_status()
        data = response.json()
    except PublicKeysError:
        raise
    except httpx.HTTPError as exc:
        raise PublicKeysError(
            "サーバーから公開鍵を取得できません。", f"cannot fetch keys from {url}: {exc}"
        ) from exc
    except ValueError as exc:
        raise PublicKeysError("サーバーの応答が公開鍵の一覧ではありません。", f"{url}: not JSON") from exc
    return parse_keys(data)


def cache_path(home: Path) -> Path:
    return home / CACHE_FILE


def load_cached_keys(home: Path) -> dict[str, bytes]:
    path = cache_path(home)
    return load_keys_file(path) if path.exists() else {}


def save_cached_keys(home: Path, keys: dict[str, bytes]) -> Path:
    """Merge ``keys`` into the cache (keys are never dropped: old certificates stay verifiable)."""
    try:
        previous = load_cached_keys(home)
    except PublicKeysError:
        previous = {}  # a damaged cache is rebuilt from what was just fetched
    merged = {**previous, **keys}
    path = cache_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(keys_document(merged), indent=2), encoding="utf-8")
    replace_file(tmp, path)  # Windows: waits out a reader's brief open
    return path
