"""Local secrets and encrypted files: SQLCipher databases and the OS keyring."""
