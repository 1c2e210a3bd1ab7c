"""Keys kept in the OS keyring: per-database raw SQLCipher keys and the terminal signing key.

Every local database (replica per municipality, outbox) is encrypted with its own random
256-bit raw key. The keys live in the OS keyring (Windows Credential Manager, Secret Service on
Linux desktops); there is never a plaintext fallback: a missing or refused backend is
``KeyringUnavailableError``.

The terminal's Ed25519 private key is stored on disk as encrypted PKCS#8 (PEM), encrypted with a
random passphrase that is itself held in the keyring, so neither the file nor the keyring entry
alone yields the key.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import keyring
import keyring.errors
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from keyring.backend import KeyringBackend

from client.errors import ClerkError
from client.fileswap.ops import replace_file

SERVICE = "madoguchi"
KEY_BYTES = 32
_TERMINAL_PASSPHRASE_ENTRY = "terminal-key-passphrase"
TERMINAL_KEY_FILE = "terminal_key.pem"


class LocalDataError(ClerkError):
    """Base of local storage failures: a message for the clerk (ja) and one for the log (en)."""

    default_ja = "端末のデータにアクセスできません。"


BACKEND_VARIABLE = "PYTHON_KEYRING_BACKEND"  # the keyring library's own variable (README "Configuration")
KEYRING_HINT_JA = (
    "Windows では資格情報マネージャーを使用します。Linux ではログインセッションで Secret Service"
    "(GNOME Keyring または KWallet)を起動するか、環境変数 PYTHON_KEYRING_BACKEND に安全なバックエンド"
    "(例: keyring.backends.SecretService.Keyring)を指定してください。平文で保存するバックエンド"
    "(keyrings.alt など)は使用できません。"
)
KEYRING_HINT_EN = (
    "configure a secure keyring: on Windows the Credential Manager is used; on Linux run a Secret Service "
    "(GNOME Keyring or KWallet) in the login session, or set PYTHON_KEYRING_BACKEND to a secure backend "
    "(e.g. keyring.backends.SecretService.Keyring); plaintext backends (keyrings.alt) are refused"
)


class KeyringUnavailableError(LocalDataError):
    """No usable, secure keyring backend: refuse rather than store keys in plain text.

    The message says what to configure (``KEYRING_HINT_*``); nothing has been changed."""

    default_ja = (
        "安全な鍵保管庫(OSのキーリング)が利用できません。暗号鍵を平文で保存することはできないため、"
        "処理を中止しました(何も変更していません)。" + KEYRING_HINT_JA
    )

    def __init__(self, message_ja: str = "", message_en: str = "") -> None:
        if KEYRING_HINT_EN not in message_en:
            message_en = f"{message_en}; {KEYRING_HINT_EN}"
        super().__init__(message_ja, message_en)


class MissingKeyError(LocalDataError):
    """The keyring has no entry for a database or for the terminal key."""

    default_ja = "暗号鍵がキーリングに見つかりません。端末の再登録またはデータの再取得が必要です。"


def _backend_name(backend: KeyringBackend) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def _refusal_reason(backend: KeyringBackend) -> str | None:
    module = type(backend).__module__
    if module.startswith("keyring.backends.fail"):
        return "no keyring backend is available (keyring.backends.fail)"
    if module.startswith("keyring.backends.null"):
        return "the null keyring backend stores nothing"
    if module.startswith("keyrings.alt"):
        return "keyrings.alt backends keep secrets in files (plaintext or weakly encrypted)"
    try:
        priority = float(type(backend).priority)  # type: ignore[arg-type]
    except Exception:  # noqa: BLE001 - a backend whose priority raises is not viable
        return "the keyring backend reports itself as not viable"
    if priority <= 0 and not module.startswith("keyring.backends.chainer"):
        return "the keyring backend reports itself as not viable"
    return None


def check_backend(backend: KeyringBackend | None = None) -> KeyringBackend:
    """Return the backend if it is acceptable, else raise ``KeyringUnavailableError``.

    The fail and null backends and every keyrings.alt backend are refused. A chainer backend
    is accepted only if every backend it chains is acceptable (it writes to the first one).
    """
    if backend is None:
        try:
            backend = keyring.get_keyring()
        except Exception as exc:  # noqa: BLE001 - e.g. RuntimeError: Unable to initialize SecretService
            raise KeyringUnavailableError(message_en=f"the keyring backend cannot start: {type(exc).__name__}: {exc}") from exc
    chained = getattr(backend, "backends", None)
    if type(backend).__module__.startswith("keyring.backends.chainer"):
        members = list(chained or [])
        if not members:
            raise KeyringUnavailableError(message_en=f"refused keyring backend {_backend_name(backend)}: chain is empty")
        for member in members:
            reason = _refusal_reason(member)
            if reason:
                raise KeyringUnavailableError(message_en=f"refused keyring backend {_backend_name(member)}: {reason}")
        return backend
    reason = _refusal_reason(backend)
    if reason:
        raise KeyringUnavailableError(message_en=f"refused keyring backend {_backend_name(backend)}: {reason}")
    return backend


class KeyStore:
    """Raw database keys and the terminal key passphrase, in one checked keyring backend."""

    def __init__(self, backend: KeyringBackend | None = None, service: str = SERVICE,
                 clock: Callable[[], datetime] | None = None) -> None:
        self._backend = check_backend(backend)
        self._service = service
        self.clock = clock  # read by the replica wrapping-key lease (issue 15); None: the system clock

    @property
    def backend_name(self) -> str:
        return _backend_name(self._backend)

    # -- raw database keys -------------------------------------------------------------------

    @staticmethod
    def database_entry(name: str) -> str:
        return f"db:{name}"

    def _get(self, entry: str) -> str | None:
        try:
            return self._backend.get_password(self._service, entry)
        except Exception as exc:  # noqa: BLE001 - KeyringError, or a backend's own (D-Bus) error
            raise KeyringUnavailableError(message_en=f"keyring read failed for {entry}: {type(exc).__name__}: {exc}") from exc

    def _set(self, entry: str, value: str) -> None:
        try:
            self._backend.set_password(self._service, entry, value)
        except Exception as exc:  # noqa: BLE001 - KeyringError, or a backend's own (D-Bus) error
            raise KeyringUnavailableError(message_en=f"keyring write failed for {entry}: {type(exc).__name__}: {exc}") from exc

    def has_database_key(self, name: str) -> bool:
        from client.local.wrapping import has_wrapped_key  # issue 15: wrapped replica keys

        return self._get(self.database_entry(name)) is not None or has_wrapped_key(self, name)

    def database_key(self, name: str) -> bytes:
        """The 32-byte raw key of database ``name``; ``MissingKeyError`` if the entry is absent.

        A replica key held wrapped by the data centre's wrapping-key lease is unwrapped here
        (``client.local.wrapping``: an expired lease or a clock set back raises
        its own error, which says why)."""
        value = self._get(self.database_entry(name))
        if value is None:
            from client.local.wrapping import wrapped_database_key

            wrapped = wrapped_database_key(self, name)
            if wrapped is not None:
                return wrapped
            raise MissingKeyError(message_en=f"no keyring entry for database {name!r} (service {self._service!r})")
        try:
            key = bytes.fromhex(value)
        except ValueError as exc:
            raise MissingKeyError(message_en=f"keyring entry for database {name!r} is not a hex key") from exc
        if len(key) != KEY_BYTES:
            raise MissingKeyError(message_en=f"keyring entry for database {name!r} has {len(key)} bytes, not 32")
        return key

    def create_database_key(self, name: str, *, replace: bool = False) -> bytes:
        """Generate and store a new random key; refuses to overwrite unless ``replace``."""
        if not replace and self.has_database_key(name):
            return self.database_key(name)
        key = secrets.token_bytes(KEY_BYTES)
        from client.local.wrapping import store_database_key

        if not store_database_key(self, name, key):  # issue 15: replica keys go wrapped when leased
            self._set(self.database_entry(name), key.hex())
        return key

    def ensure_database_key(self, name: str) -> bytes:
        return self.create_database_key(name, replace=False)

    def delete_database_key(self, name: str) -> None:
        from client.local.wrapping import delete_wrapped_key

        delete_wrapped_key(self, name)
        try:
            self._backend.delete_password(self._service, self.database_entry(name))
        except keyring.errors.PasswordDeleteError:
            pass
        except keyring.errors.KeyringError as exc:
            raise KeyringUnavailableError(message_en=f"keyring delete failed for {name}: {exc}") from exc

    # -- terminal signing key ----------------------------------------------------------------

    def create_terminal_key(self, data_dir: Path) -> Ed25519PrivateKey:
        """Generate the terminal's Ed25519 key, store it encrypted in ``data_dir``."""
        private = Ed25519PrivateKey.generate()
        passphrase = secrets.token_urlsafe(32)
        self._set(_TERMINAL_PASSPHRASE_ENTRY, passphrase)
        pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(passphrase.encode()),
        )
        data_dir.mkdir(parents=True, exist_ok=True)
        target = data_dir / TERMINAL_KEY_FILE
        tmp = target.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
            fh.flush()
            os.fsync(fh.fileno())
        replace_file(tmp, target)  # Windows: waits out a reader's brief open
        return private

    def terminal_private_key(self, data_dir: Path) -> Ed25519PrivateKey:
        passphrase = self._get(_TERMINAL_PASSPHRASE_ENTRY)
        if passphrase is None:
            raise MissingKeyError(message_en="no keyring entry for the terminal key passphrase")
        path = data_dir / TERMINAL_KEY_FILE
        if not path.exists():
            raise MissingKeyError(
                "端末の署名鍵ファイルが見つかりません。端末の再登録が必要です。", f"terminal key file {path} is missing"
            )
        try:
            key = serialization.load_pem_private_key(path.read_bytes(), password=passphrase.encode())
        except (ValueError, TypeError) as exc:
            raise MissingKeyError(
                "端末の署名鍵を復号できません。端末の再登録が必要です。",
                f"terminal key file {path} cannot be decrypted with the keyring passphrase",
            ) from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise MissingKeyError(message_en=f"terminal key file {path} does not hold an Ed25519 key")
        return key


def public_key_pem(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def public_key_raw_b64(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    import base64

    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")
