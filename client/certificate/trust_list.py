"""The public trust list: what every verifier needs, signed, in one document (docs/trust.md).

Outer document: an envelope (see :mod:`.envelope`) signed by the data centre's *service* key,
whose payload is::

    {"format": "madoguchi-trust-list/1", "issued_at", "next_update",
     "root": {"kid", "pub"},                    # the data-centre root (pinned by verifiers)
     "signer": <key certificate of the service key, signed by the root>,
     "keys": [<key certificate>, …],            # municipality keys (by the root), terminal BCP
                                                # keys (by a municipality key), older service keys
     "revocations": [{"kid", "effective_at", "reason"}],
     "recalls": [{"m", "n", "recorded_at", "reason", "kind"}],    # 誤発行 処分 (recalled), 取消 (voided)
     "leases": [{"m", "terminal_id", "first", "last", "leased_at", "expires_at", "closed"}],
     "countersignatures": [<envelope by a service key: {"m", "n", "kid", "tok", "i", "c", "seq",
                           "prev", "outage"}>]}

:func:`read_trust_list` checks every signature in it before anything is used: a list whose
signature, signer or any key certificate does not verify is refused as a whole.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from client.certificate.envelope import (
    EnvelopeError,
    KeyCertificate,
    b64d,
    open_envelope,
    parse_time,
    read_certificate,
)
from client.certificate.signing import key_id_for

FORMAT = "madoguchi-trust-list/1"


class TrustListError(ValueError):
    """The trust list cannot be used (malformed, bad signature, another root)."""

    def __init__(self, code: str, message_ja: str, message_en: str) -> None:
        super().__init__(message_en)
        self.code = code
        self.message_ja = message_ja
        self.message_en = message_en


@dataclass(frozen=True)
class Revocation:
    kid: str
    effective_at: datetime
    reason: str


@dataclass(frozen=True)
class Recall:
    municipality_code: str
    issue_number: str
    recorded_at: datetime
    reason: str
    kind: str = "recalled"  # recalled (誤発行 処分) | voided (取消 in the 交付履歴)


@dataclass(frozen=True)
class Lease:
    municipality_code: str
    terminal_id: str
    first: int
    last: int
    leased_at: datetime
    expires_at: datetime
    closed: bool  # returned (or the terminal's key revoked): every used serial has been synced


@dataclass(frozen=True)
class Countersignature:
    municipality_code: str
    issue_number: str
    kid: str
    token_sha256: str
    issued_at: datetime
    confirmed_at: datetime
    seq: int
    outage: bool  # the issue time lies inside an outage the terminal reported


@dataclass
class TrustList:
    issued_at: datetime
    next_update: datetime
    root_kid: str
    signer: KeyCertificate
    keys: dict[str, list[KeyCertificate]] = field(default_factory=dict)  # kid → certificates
    revocations: dict[str, Revocation] = field(default_factory=dict)
    recalls: dict[tuple[str, str], Recall] = field(default_factory=dict)
    leases: list[Lease] = field(default_factory=list)
    countersignatures: dict[tuple[str, str], Countersignature] = field(default_factory=dict)
    digest: str = ""  # SHA-256 of the document bytes

    def certificates(self, kid: str) -> list[KeyCertificate]:
        return self.keys.get(kid, [])

    def public_keys(self) -> dict[str, bytes]:
        return {kid: certs[0].public_key for kid, certs in self.keys.items() if certs}


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.strip().encode("ascii", "replace")).hexdigest()


def _bad(code: str, ja: str, en: str) -> TrustListError:
    return TrustListError(code, ja, en)


def read_trust_list(document: bytes, *, pinned_root: str | None = None) -> TrustList:
    """Parse and check a trust list. ``pinned_root``: the root key id the verifier trusts."""
    try:
        outer = json.loads(document.decode("utf-8"))
        if not isinstance(outer, dict):
            raise ValueError("not an object")
        inner = json.loads(b64d(outer.get("payload")).decode("utf-8"))
        if not isinstance(inner, dict) or inner.get("format") != FORMAT:
            raise ValueError(f"format is not {FORMAT}")
        root_pub = b64d(inner["root"]["pub"])
        root_kid = str(inner["root"]["kid"])
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, EnvelopeError) as exc:
        raise _bad("trust_list_malformed", "信頼リストの形式が正しくありません。", f"malformed trust list: {exc}") from exc
    if len(root_pub) != 32 or key_id_for(root_pub) != root_kid:
        raise _bad("trust_list_malformed", "信頼リストのルート鍵が正しくありません。", "root key does not match its id")
    if pinned_root is not None and pinned_root != root_kid:
        raise _bad("trust_root_mismatch",
                   f"信頼リストのルート鍵（{root_kid}）が登録済みのルート鍵（{pinned_root}）と異なります。",
                   f"trust list root {root_kid} is not the pinned root {pinned_root}")
    try:
        signer = read_certificate(inner["signer"], root_pub)
        if signer.role != "service":
            raise EnvelopeError("malformed", "信頼リストの署名鍵の役割が正しくありません。", "signer is not a service key")
        open_envelope(outer, signer.public_key)
        issued_at = parse_time(inner["issued_at"])
        listing = TrustList(issued_at=issued_at, next_update=parse_time(inner["next_update"]),
                            root_kid=root_kid, signer=signer, digest=hashlib.sha256(document).hexdigest())
        if not signer.covers(issued_at):
            raise EnvelopeError("bad_signature", "信頼リストの署名鍵が有効期間外です。",
                                "the signer key was not valid when the list was issued")
        _read_keys(listing, inner.get("keys", []), root_pub)
        _read_rest(listing, inner)
    except EnvelopeError as exc:
        code = "trust_list_bad_signature" if exc.code == "bad_signature" else "trust_list_malformed"
        raise _bad(code, "信頼リストの署名を確認できません（改ざんまたは破損のおそれ）: " + exc.message_ja,
                   f"trust list rejected: {exc.message_en}") from exc
    except (KeyError, TypeError, ValueError) as exc:
        raise _bad("trust_list_malformed", "信頼リストの形式が正しくありません。", f"malformed trust list: {exc}") from exc
    return listing


def _read_keys(listing: TrustList, entries: Any, root_pub: bytes) -> None:
    if not isinstance(entries, list):
        raise EnvelopeError("malformed", "鍵の一覧の形式が正しくありません。", "keys is not a list")
    issuers: dict[str, bytes] = {listing.root_kid: root_pub}
    pending = list(entries)
    # root-issued certificates first, then those whose issuer is now known (terminal keys)
    while pending:
        progressed = False
        rest = []
        for env in pending:
            kid = env.get("kid") if isinstance(env, dict) else None
            if kid not in issuers:
                rest.append(env)
                continue
            cert = read_certificate(env, issuers[str(kid)])
            if cert.role == "terminal" and cert.issuer == listing.root_kid:
                raise EnvelopeError("malformed", "端末鍵はルート鍵では認証されません。", "terminal key issued by root")
            if cert.role != "terminal" and cert.issuer != listing.root_kid:
                raise EnvelopeError("malformed", "団体鍵はルート鍵で認証されます。", f"{cert.kid} not issued by root")
            listing.keys.setdefault(cert.kid, []).append(cert)
            if cert.role == "municipality":
                issuers[cert.kid] = cert.public_key
            progressed = True
        if not progressed:
            raise EnvelopeError("bad_signature", "発行者の分からない鍵証明書があります。", "key certificate of an unknown issuer")
        pending = rest
    listing.keys.setdefault(listing.signer.kid, []).append(listing.signer)


def _read_rest(listing: TrustList, inner: dict[str, Any]) -> None:
    for r in inner.get("revocations", []):
        listing.revocations[str(r["kid"])] = Revocation(str(r["kid"]), parse_time(r["effective_at"]),
                                                        str(r.get("reason", "")))
    for r in inner.get("recalls", []):
        listing.recalls[(str(r["m"]), str(r["n"]))] = Recall(str(r["m"]), str(r["n"]), parse_time(r["recorded_at"]),
                                                             str(r.get("reason", "")),
                                                             "voided" if r.get("kind") == "voided" else "recalled")
    for r in inner.get("leases", []):
        listing.leases.append(Lease(str(r["m"]), str(r["terminal_id"]), int(r["first"]), int(r["last"]),
                                    parse_time(r["leased_at"]), parse_time(r["expires_at"]), bool(r["closed"])))
    services = {kid: certs[0].public_key for kid, certs in listing.keys.items() if certs[0].role == "service"}
    for env in inner.get("countersignatures", []):
        signer = services.get(str(env.get("kid")) if isinstance(env, dict) else "")
        if signer is None:
            raise EnvelopeError("bad_signature", "副署の署名鍵が一覧にありません。", "countersignature by an unknown key")
        c = open_envelope(env, signer)
        cs = Countersignature(str(c["m"]), str(c["n"]), str(c["kid"]), str(c["tok"]), parse_time(c["i"]),
                              parse_time(c["c"]), int(c["seq"]), bool(c.get("outage", False)))
        listing.countersignatures[(cs.municipality_code, cs.issue_number)] = cs
