"""Encrypted local replica (SQLCipher via SQLAlchemy), pull sync, integrity, search and lookups."""
