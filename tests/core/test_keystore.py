"""Keystore: backend refusal, raw database keys and the encrypted terminal key."""

from __future__ import annotations

from pathlib import Path

import keyring
import keyring.backends.fail
import keyring.backends.null
import pytest
from cryptography.hazmat.primitives import serialization
from keyrings.alt.file import EncryptedKeyring, PlaintextKeyring

from client.local.keystore import (
    TERMINAL_KEY_FILE,
    KeyringUnavailableError,
    KeyStore,
    MissingKeyError,
    check_backend,
)
from tests.keyring_memory import MemoryKeyring


@pytest.mark.parametrize(
    "backend",
    [keyring.backends.fail.Keyring(), keyring.backends.null.Keyring(), PlaintextKeyring(), object.__new__(EncryptedKeyring)],
    ids=["fail", "null", "plaintext", "alt-encrypted"],
)
def test_refused_backends(backend: object) -> None:
    with pytest.raises(KeyringUnavailableError) as info:
        KeyStore(backend)  # type: ignore[arg-type]
    assert "キーリング" in info.value.message_ja
    assert type(backend).__name__ in info.value.message_en


def test_chainer_with_a_plaintext_member_is_refused() -> None:
    from keyring.backends.chainer import ChainerBackend

    chain = ChainerBackend()
    chain.__dict__["backends"] = [MemoryKeyring(), PlaintextKeyring()]
    with pytest.raises(KeyringUnavailableError):
        check_backend(chain)


def test_default_backend_is_checked(memory_keyring: MemoryKeyring) -> None:
    store = KeyStore()
    assert store.backend_name.endswith("MemoryKeyring")
    keyring.set_keyring(keyring.backends.fail.Keyring())
    with pytest.raises(KeyringUnavailableError):
        KeyStore()


def test_database_keys_are_random_32_bytes_and_stable(memory_keyring: MemoryKeyring) -> None:
    store = KeyStore(memory_keyring)
    a = store.create_database_key("replica-131016")
    b = store.create_database_key("outbox")
    assert len(a) == len(b) == 32 and a != b
    assert store.database_key("replica-131016") == a
    assert store.create_database_key("replica-131016") == a  # no silent overwrite
    c = store.create_database_key("replica-131016", replace=True)
    assert c != a and store.database_key("replica-131016") == c


def test_missing_and_malformed_keys(memory_keyring: MemoryKeyring) -> None:
    store = KeyStore(memory_keyring)
    with pytest.raises(MissingKeyError) as info:
        store.database_key("outbox")
    assert "暗号鍵" in info.value.message_ja
    memory_keyring.set_password("madoguchi", "db:outbox", "abcd")
    with pytest.raises(MissingKeyError):
        store.database_key("outbox")
    store.create_database_key("replica")
    store.delete_database_key("replica")
    store.delete_database_key("replica")  # idempotent
    assert not store.has_database_key("replica")


def test_terminal_key_is_encrypted_on_disk(memory_keyring: MemoryKeyring, tmp_path: Path) -> None:
    store = KeyStore(memory_keyring)
    private = store.create_terminal_key(tmp_path)
    pem = (tmp_path / TERMINAL_KEY_FILE).read_bytes()
    assert b"ENCRYPTED PRIVATE KEY" in pem
    with pytest.raises(TypeError):
        serialization.load_pem_private_key(pem, password=None)
    loaded = store.terminal_private_key(tmp_path)
    assert loaded.private_bytes_raw() == private.private_bytes_raw()
    signature = loaded.sign(b"payload")
    private.public_key().verify(signature, b"payload")


def test_terminal_key_without_passphrase_or_file(memory_keyring: MemoryKeyring, tmp_path: Path) -> None:
    store = KeyStore(memory_keyring)
    with pytest.raises(MissingKeyError):
        store.terminal_private_key(tmp_path)
    store.create_terminal_key(tmp_path)
    (tmp_path / TERMINAL_KEY_FILE).unlink()
    with pytest.raises(MissingKeyError):
        store.terminal_private_key(tmp_path)
    store.create_terminal_key(tmp_path)
    memory_keyring.set_password("madoguchi", "terminal-key-passphrase", "not-the-passphrase")
    with pytest.raises(MissingKeyError):
        store.terminal_private_key(tmp_path)


def test_a_backend_that_cannot_start_is_refused_with_what_to_configure(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 20: keyring.get_keyring() raising (Secret Service without D-Bus) is no traceback."""
    def broken() -> object:
        raise RuntimeError("Unable to initialize SecretService: Environment variable DBUS_SESSION_BUS_ADDRESS is unset")

    monkeypatch.setattr(keyring, "get_keyring", broken)
    with pytest.raises(KeyringUnavailableError) as info:
        KeyStore()
    assert "PYTHON_KEYRING_BACKEND" in info.value.message_ja and "Secret Service" in info.value.message_ja
    assert "DBUS_SESSION_BUS_ADDRESS" in info.value.message_en and "PYTHON_KEYRING_BACKEND" in info.value.message_en


def test_a_backend_error_on_read_is_a_keyring_error() -> None:
    class Flaky(MemoryKeyring):
        def get_password(self, service: str, username: str) -> str | None:
            raise RuntimeError("D-Bus connection lost")

    with pytest.raises(KeyringUnavailableError) as info:
        KeyStore(Flaky()).database_key("replica-132403")
    assert "D-Bus connection lost" in info.value.message_en
