"""Certificates anyone can verify, offline, for years (issue 14).

* :mod:`.envelope` — signed envelopes (Ed25519 over exact bytes) and key certificates;
* :mod:`.trust_list` — the public trust list: parse and check it against the root;
* :mod:`.verify` — the verdict for a QR token under a trust list (validity at the issue time,
  revocation as of a time, recall, BCP countersignature, staleness);
* :mod:`.store` — fetch, cache and pin the trust list for ``madoguchi verify``.

Pure computation except :mod:`.store`; the server imports the first three too.
The format is documented in docs/trust.md.
"""
