"""The verdict on a certificate's QR token under a trust list (pure: ``now`` is passed in).

Statuses:

``valid``           the signature verifies, the key was certified and not revoked at the issue
                    time, the 発行番号 is not recalled; a BCP certificate is countersigned.
``provisional``     BCP — not yet confirmed by the data centre (signature and key are fine, the
                    lease is still open): the holder may ask again later.
``cannot_confirm``  the trust list is older than ``EXPIRED_AFTER`` (7 days): nothing is vouched for.
``invalid``         anything else, with the reason code.

A trust list older than ``STALE_AFTER`` (24 h) still gives verdicts, with a warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from client.certificate.envelope import EnvelopeError, KeyCertificate, parse_time
from client.certificate.signing import QrPayload, verify_token
from client.certificate.trust_list import TrustList, token_sha256
from client.domain.model import CertificateContent

STALE_AFTER = timedelta(hours=24)
EXPIRED_AFTER = timedelta(days=7)


@dataclass(frozen=True)
class TrustVerdict:
    status: str  # valid | provisional | cannot_confirm | invalid
    reason_code: str
    message_ja: str
    message_en: str
    payload: QrPayload | None = None
    signer_role: str = ""  # municipality (online) | terminal (BCP)
    confirmed_at: datetime | None = None
    warnings: tuple[dict[str, str], ...] = field(default=())
    list_issued_at: datetime | None = None

    @property
    def valid(self) -> bool:
        return self.status == "valid"

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "valid": self.valid,
            "reason_code": self.reason_code,
            "message_ja": self.message_ja,
            "message_en": self.message_en,
            "payload": self.payload.to_dict() if self.payload else None,
            "signer_role": self.signer_role,
            "confirmed_at": self.confirmed_at.isoformat() if self.confirmed_at else None,
            "warnings": list(self.warnings),
            "trust_list_issued_at": self.list_issued_at.isoformat() if self.list_issued_at else None,
        }


def _serial_of(issue_number: str) -> int | None:
    last = issue_number.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else None


def _covering(certs: list[KeyCertificate], when: datetime) -> KeyCertificate | None:
    return next((c for c in certs if c.covers(when)), None)


def verify_with_trust(
    token: str, listing: TrustList, now: datetime, content: CertificateContent | None = None
) -> TrustVerdict:
    """The verdict on ``token`` (and ``content`` when given) under ``listing`` at time ``now``."""
    age = now - listing.issued_at
    warnings: list[dict[str, str]] = []
    if age > STALE_AFTER:
        hours = int(age.total_seconds() // 3600)
        warnings.append({"code": "trust_list_stale",
                         "message_ja": f"信頼リストが{hours}時間前のものです。最新の信頼リストで確認してください。",
                         "message_en": f"The trust list is {hours} hours old; refresh it"})

    def out(status: str, code: str, ja: str, en: str, payload: QrPayload | None = None,
            role: str = "", confirmed: datetime | None = None) -> TrustVerdict:
        return TrustVerdict(status, code, ja, en, payload, role, confirmed, tuple(warnings), listing.issued_at)

    base = verify_token(token, listing.public_keys(), content)
    if not base.valid:
        return out("invalid", base.reason_code, base.message_ja, base.message_en, base.payload)
    payload = base.payload
    assert payload is not None
    if age > EXPIRED_AFTER:
        return out("cannot_confirm", "trust_list_expired",
                   f"信頼リストが古すぎるため（{age.days}日前）有効性を確認できません。信頼リストを更新してください。",
                   f"Cannot confirm: the trust list is {age.days} days old (limit 7)", payload)
    try:
        issued = parse_time(payload.issued_at)
    except EnvelopeError:
        return out("invalid", "bad_format", "発行日時の形式が正しくありません。", "The issue time is malformed", payload)
    certs = listing.certificates(payload.key_id)
    role = certs[0].role
    if role == "service":
        return out("invalid", "wrong_key_role", "この鍵は証明書の署名には使われません。",
                   "A service key never signs certificates", payload)
    revoked = listing.revocations.get(payload.key_id)
    if revoked is not None and issued >= revoked.effective_at:
        return out("invalid", "key_revoked",
                   f"署名鍵は {revoked.effective_at.isoformat()} 以降失効しています（{revoked.reason}）。",
                   f"The signing key was revoked as of {revoked.effective_at.isoformat()}: {revoked.reason}",
                   payload, role)
    cert = _covering(certs, issued)
    if cert is None:
        return out("invalid", "key_not_valid_at_issue_time",
                   f"署名鍵（{payload.key_id}）は発行日時 {payload.issued_at} に有効ではありませんでした。",
                   f"Key {payload.key_id} was not certified at the issue time {payload.issued_at}", payload, role)
    # a terminal may sign for a partner municipality (相互バックアップ): its lease decides below
    if role != "terminal" and cert.municipality_code != payload.municipality_code:
        return out("invalid", "wrong_municipality", "署名鍵が証明書の市区町村のものではありません。",
                   "The signing key belongs to another municipality", payload, role)
    if role == "terminal":
        issuer_revoked = listing.revocations.get(cert.issuer)
        if issuer_revoked is not None and cert.issued_at >= issuer_revoked.effective_at:
            return out("invalid", "issuer_revoked", "端末鍵を認証した団体鍵が失効しています。",
                       "The municipality key that certified the terminal key was revoked", payload, role)
    recall = listing.recalls.get((payload.municipality_code, payload.issue_number))
    if recall is not None and recall.kind == "voided":
        return out("invalid", "voided", f"この証明書は取り消されています（{recall.reason or '理由未登録'}）。",
                   f"The certificate was voided: {recall.reason}", payload, role)
    if recall is not None:
        return out("invalid", "recalled",
                   f"この証明書（発行番号 {payload.issue_number}）は誤発行として回収されています（{recall.reason}）。",
                   f"Recalled (誤発行): {recall.reason}", payload, role)
    if role != "terminal":
        return out("valid", "ok", "有効な証明書です（データセンターの団体鍵による署名）。",
                   "Valid certificate (signed online by the municipality key)", payload, role)
    return _bcp(listing, payload, cert, token, out)


def _bcp(listing: TrustList, payload: QrPayload, cert: KeyCertificate, token: str, out: Any) -> TrustVerdict:
    cs = listing.countersignatures.get((payload.municipality_code, payload.issue_number))
    if cs is not None:
        if cs.kid != payload.key_id or cs.token_sha256 != token_sha256(token):
            return out("invalid", "bcp_countersignature_mismatch",
                       "データセンターが確認した同じ発行番号の証明書と内容が異なります（偽造のおそれ）。",
                       "The data centre confirmed a different certificate under this 発行番号", payload, "terminal")
        day = cs.confirmed_at.isoformat()
        return out("valid", "bcp_confirmed", f"縮退運用（BCP）で発行され、{day} にデータセンターが確認した証明書です。",
                   f"BCP — confirmed by the data centre on {day}", payload, "terminal", cs.confirmed_at)
    serial = _serial_of(payload.issue_number)
    leases = [lease for lease in listing.leases
              if lease.municipality_code == payload.municipality_code
              and lease.terminal_id in (cert.terminal_id, f"{cert.municipality_code}/{cert.terminal_id}")
              and serial is not None and lease.first <= serial <= lease.last]
    if not leases:
        return out("invalid", "serial_not_leased", "この発行番号はこの端末に貸し出されていません（偽造のおそれ）。",
                   "The serial was never leased to the signing terminal", payload, "terminal")
    revoked = listing.revocations.get(payload.key_id)
    if all(lease.closed for lease in leases) or revoked is not None:
        return out("invalid", "bcp_never_seen",
                   "縮退運用の証明書ですが、データセンターに発行記録がありません（端末の同期は完了済み：偽造のおそれ）。",
                   "BCP certificate the data centre never saw, although the terminal has synced", payload, "terminal")
    return out("provisional", "bcp_unconfirmed",
               "縮退運用（BCP）で発行された証明書で、データセンターの確認はまだです。署名と端末鍵は有効です。",
               "BCP — not yet confirmed by the data centre (signature and terminal key are valid)", payload, "terminal")
