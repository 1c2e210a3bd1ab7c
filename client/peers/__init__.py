"""The terminals of one hall as a peer group in BCP mode (issue 18; docs/peers.md).

* ``wire`` — the peer list, signed envelopes (Ed25519 terminal keys), replay protection, the
  LAN-only address rule;
* ``holds`` — emergency 抑止 / 仮支援措置 recorded during an outage, signed by the terminal that
  recorded them, kept in their own SQLCipher file, turned into rule-engine inputs;
* ``node`` — the peer endpoint (HTTP on the LAN) and its client: push a hold to every reachable
  peer, anti-entropy on joining;
* ``directory`` — the peer list from the data centre and the hold proposals sent back to it.

Qt-free; below ``services`` (the BCP backend enforces the holds it is handed).
"""
