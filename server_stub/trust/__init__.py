"""The data centre's key hierarchy, public trust list, countersignatures and recalls (issue 14).

* :mod:`.models` — tables (migration 0530);
* :mod:`.root` — the root key file the operator keeps apart (``trust init-root``);
* :mod:`.keys` — certify municipality and terminal keys, rollover, renewal, revocation;
* :mod:`.countersign` — the append-only, hash-chained record of confirmed BCP certificates;
* :mod:`.recalls` — 誤発行 処分 against a 交付履歴 entry;
* :mod:`.listing` — the signed trust list document;
* :mod:`.api` and :mod:`.cli` — HTTP endpoints, the ``/verify`` page and ``madoguchi-server trust``.
"""
