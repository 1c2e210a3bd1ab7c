"""The data-centre root key: a file the operator keeps apart (offline-style, never in the database).

File format (JSON, mode 0600)::

    {"format": "madoguchi-trust-root/1", "kid": "…", "private_key": base64url, "public_key": base64url,
     "created_at": ISO 8601}
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from client.certificate.envelope import EnvelopeError, b64d, b64e
from client.certificate.signing import generate_keypair, key_id_for, public_key_for

FORMAT = "madoguchi-trust-root/1"


class RootKeyError(ValueError):
    def __init__(self, message_ja: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_ja = message_ja
        self.message_en = message_en


@dataclass(frozen=True)
class RootKey:
    kid: str
    private_key: bytes
    public_key: bytes


def create_root_file(path: Path, now: datetime) -> RootKey:
    """Write a new root key to ``path`` (refuses to overwrite an existing file)."""
    private, public = generate_keypair()
    data = {"format": FORMAT, "kid": key_id_for(public), "private_key": b64e(private),
            "public_key": b64e(public), "created_at": now.isoformat()}
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise RootKeyError(f"{path} は既に存在します（上書きしません）。", f"{path} exists; not overwritten") from exc
    except OSError as exc:
        raise RootKeyError(f"{path} に書き込めません。", f"cannot write {path}: {exc}") from exc
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2)
    return RootKey(key_id_for(public), private, public)


def load_root_file(path: Path) -> RootKey:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError("not a root key file")
        private = b64d(data["private_key"])
        public = public_key_for(private)
    except FileNotFoundError as exc:
        raise RootKeyError(f"ルート鍵ファイル {path} がありません。", f"no root key file {path}") from exc
    except (OSError, ValueError, KeyError, TypeError, EnvelopeError) as exc:
        raise RootKeyError(f"ルート鍵ファイル {path} を読み込めません。", f"cannot read root key {path}: {exc}") from exc
    if key_id_for(public) != data.get("kid"):
        raise RootKeyError(f"ルート鍵ファイル {path} の鍵IDが一致しません。", "root key id mismatch")
    return RootKey(key_id_for(public), private, public)
