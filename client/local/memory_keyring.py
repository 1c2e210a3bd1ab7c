"""An in-memory keyring backend: secrets live only for the process (tests, the headless demo).

``client.local.keystore.check_backend`` accepts it; unlike keyrings.alt's file backends nothing is ever
written in plain text. A real terminal uses the OS keyring (Windows Credential Manager).
"""

from __future__ import annotations

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]  # never chosen automatically over a real backend

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError(username)
