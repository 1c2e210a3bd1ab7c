"""Certificate signatures: the signed QR payload (``signing``), the public keys, and the trust that
lets anyone verify for years (docs/trust.md): signed envelopes and key certificates
(``envelope``), the public trust list (``trust_list``) and the verdict under it (``trust_verdict``).
Pure computation; the data centre imports these too."""
