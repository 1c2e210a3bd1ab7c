"""The in-memory keyring backend the tests install (the same class the headless demo uses)."""

from client.local.memory_keyring import MemoryKeyring

__all__ = ["MemoryKeyring"]
