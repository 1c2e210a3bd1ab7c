"""Issuing: online issuance, idempotency keys, and the reconciliation of BCP issuances pushed back (conflicts for a supervisor)."""
