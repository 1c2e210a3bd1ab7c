"""Verifying a certificate: its PDF and QR against the public keys, offline or at the server."""
