"""Verify a certificate PDF (or a bare QR token) under a trust list.

The PDF checks of :func:`client.verification.verify_pdf.verify_pdf` (embedded content, digest, visible
text, printed QR, 見本, a second QR code) come first, with the trust list's keys; then the trust
verdict (key validity at the issue time, revocation, recall, BCP countersignature, staleness).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime

from client.certificate.trust_list import TrustList
from client.certificate.trust_verdict import TrustVerdict, verify_with_trust
from client.domain.model import CertificateContent
from client.printing.embed import EmbeddedDataError, read_certificate_pdf
from client.verification.verify_pdf import verify_pdf


def verify_pdf_trusted(pdf: bytes, listing: TrustList, now: datetime) -> TrustVerdict:
    base = verify_pdf(pdf, listing.public_keys())
    if not base.valid:
        return TrustVerdict("invalid", base.reason_code, base.message_ja, base.message_en, base.payload,
                            list_issued_at=listing.issued_at)
    try:
        embedded = read_certificate_pdf(pdf)
        content = CertificateContent.from_dict(json.loads(embedded.content_json))
    except (EmbeddedDataError, ValueError, KeyError, TypeError):  # pragma: no cover - verify_pdf checked it
        return TrustVerdict("invalid", "not_a_certificate", "証明書データを読み取れません。", "unreadable")
    verdict = verify_with_trust(embedded.token, listing, now, content)
    if base.notes:  # e.g. seal_not_checked: said with the verdict, whatever it is
        verdict = replace(verdict, warnings=(*verdict.warnings, *base.notes))
    return verdict


def verify_text_trusted(text: str, listing: TrustList, now: datetime) -> TrustVerdict:
    """A pasted QR text (the token alone: the printed content is compared by the reader)."""
    return verify_with_trust(text.strip(), listing, now)
