"""Verifying a certificate: its PDF and QR against the public keys or the trust list
(``trusted_pdf``, fetched and cached by ``trust_store``), offline or at the server."""
