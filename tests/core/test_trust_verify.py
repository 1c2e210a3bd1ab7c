"""Trust verification without a server: QR payload v2, the trust list reader on bad input, the
verdict rules (validity at the issue time, revocation as of a time, recall, BCP, staleness) and a
PDF with two QR codes."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest

from client.certificate.envelope import b64e, dumps
from client.certificate.signing import (
    decode_token,
    generate_keypair,
    key_id_for,
    sign_certificate,
    verify_token,
)
from client.certificate.trust_list import TrustListError, read_trust_list
from client.certificate.trust_verdict import verify_with_trust
from client.printing.render import render_certificate
from client.verification.verify_pdf import verify_pdf
from tests.fixtures.certificates import (
    FIXED_KEY_ID,
    FIXED_KEYS,
    FIXED_PRIVATE_KEY,
    juminhyo,
    sign,
)
from tests.fixtures.trust_lists import NOW, T0
from tests.fixtures.trust_lists import build_list as _list
from tests.fixtures.trust_pdf import two_qr_pdf


def test_v2_payload_carries_what_the_paper_shows_and_nothing_more() -> None:
    content = juminhyo()
    token = sign_certificate(content, FIXED_PRIVATE_KEY, FIXED_KEY_ID, version=2)
    p = decode_token(token)
    assert token.startswith("MDG2.") and p.version == 2
    assert p.persons[0] == (content.persons[0].name, content.persons[0].birth_text)
    assert p.person_count == len(content.persons) and p.issue_date_text == content.issue_date_text
    body = json.dumps(p.to_dict(), ensure_ascii=False)
    assert content.address not in body
    for person in content.persons:
        if person.honseki:
            assert person.honseki not in body
    assert verify_token(token, FIXED_KEYS, content).valid
    renamed = replace(content, persons=(replace(content.persons[0], name="別人 太郎"), *content.persons[1:]))
    assert verify_token(token, FIXED_KEYS, renamed).reason_code in ("digest_mismatch", "content_mismatch")
    # v1 tokens keep verifying
    assert verify_token(sign(content), FIXED_KEYS, content).valid


@pytest.mark.parametrize("doc", [b"", b"not json", b"[]", b'{"payload": "!!", "sig": "x"}',
                                 dumps({"payload": b64e(b'{"format": "other"}'), "sig": "AA"})])
def test_malformed_trust_lists_are_refused(doc: bytes) -> None:
    with pytest.raises(TrustListError) as info:
        read_trust_list(doc)
    assert info.value.code == "trust_list_malformed"


def test_a_tampered_trust_list_is_refused_as_a_whole() -> None:
    doc, _ = _list()
    outer = json.loads(doc)
    inner = json.loads(__import__("base64").urlsafe_b64decode(outer["payload"] + "=="))
    inner["revocations"] = []
    inner["recalls"] = [{"m": "139998", "n": "x", "recorded_at": NOW.isoformat(), "reason": "forged"}]
    outer["payload"] = b64e(dumps(inner))
    with pytest.raises(TrustListError) as info:
        read_trust_list(dumps(outer))
    assert info.value.code == "trust_list_bad_signature"
    sig = outer["sig"]
    outer = json.loads(doc)
    outer["sig"] = ("A" if sig[0] != "A" else "B") + sig[1:]
    with pytest.raises(TrustListError) as info:
        read_trust_list(dumps(outer))
    assert info.value.code == "trust_list_bad_signature"


def test_another_root_is_refused_once_pinned() -> None:
    doc, _ = _list()
    listing = read_trust_list(doc)
    other, _ = _list()
    with pytest.raises(TrustListError) as info:
        read_trust_list(other, pinned_root=listing.root_kid)
    assert info.value.code == "trust_root_mismatch"


def test_verdicts_for_online_certificates() -> None:
    content = juminhyo()
    token = sign_certificate(content, FIXED_PRIVATE_KEY, FIXED_KEY_ID, version=2)
    listing = read_trust_list(_list()[0])
    v = verify_with_trust(token, listing, NOW, content)
    assert (v.status, v.reason_code, v.signer_role) == ("valid", "ok", "municipality")
    # stale after 24 h: still a verdict, with a warning; after 7 days: cannot confirm
    v = verify_with_trust(token, listing, NOW + timedelta(hours=25))
    assert v.status == "valid" and [w["code"] for w in v.warnings] == ["trust_list_stale"]
    v = verify_with_trust(token, listing, NOW + timedelta(days=8))
    assert (v.status, v.reason_code) == ("cannot_confirm", "trust_list_expired")
    # revoked as of a time: before stays valid, at or after fails
    issued = content.issued_at
    for at, want in ((issued + timedelta(minutes=1), "valid"), (issued, "invalid")):
        listing = read_trust_list(_list(revocations=[{"kid": FIXED_KEY_ID, "effective_at": at.isoformat(),
                                                      "reason": "drill"}])[0])
        assert verify_with_trust(token, listing, NOW).status == want
    # a rollover ended the key's period before the issue time: not valid then
    listing = read_trust_list(_list(muni_until=issued - timedelta(seconds=1))[0])
    assert verify_with_trust(token, listing, NOW).reason_code == "key_not_valid_at_issue_time"
    # recalled
    listing = read_trust_list(_list(recalls=[{"m": "139998", "n": content.issue_number,
                                              "recorded_at": NOW.isoformat(), "reason": "誤発行"}])[0])
    assert verify_with_trust(token, listing, NOW).reason_code == "recalled"


@pytest.mark.parametrize("mangle,code", [
    (lambda t: t[:-10], "bad_format"),                                   # truncated
    (lambda t: t[:-3] + ("AAA" if not t.endswith("AAA") else "BBB"), "bad_signature"),  # forged signature
    (lambda t: t.replace("MDG2.", "MDG2.ey", 1), "bad_format"),          # re-encoded / shifted
    (lambda t: t + "==", "bad_format"),                                  # padded base64
    (lambda t: "https://example.com/qr", "bad_format"),                  # another QR code
    (lambda t: "", "bad_format"),
])
def test_bad_tokens_get_a_reason_and_never_valid(mangle, code) -> None:  # type: ignore[no-untyped-def]
    token = sign_certificate(juminhyo(), FIXED_PRIVATE_KEY, FIXED_KEY_ID, version=2)
    v = verify_with_trust(mangle(token), read_trust_list(_list()[0]), NOW)
    assert (v.status, v.reason_code) == ("invalid", code)


def test_a_foreign_qr_is_an_unknown_key() -> None:
    priv, pub = generate_keypair()
    token = sign_certificate(juminhyo(), priv, key_id_for(pub), version=2)
    v = verify_with_trust(token, read_trust_list(_list()[0]), NOW)
    assert (v.status, v.reason_code) == ("invalid", "unknown_key")


def test_bcp_verdicts() -> None:
    content = replace(juminhyo(), issue_number="20261123 桜ヶ丘市 本庁1 プリンタ001 000011")
    term_priv, term_pub = generate_keypair()
    token = sign_certificate(content, term_priv, key_id_for(term_pub), version=2)
    other = sign_certificate(replace(content, address=content.address + "1"), term_priv, key_id_for(term_pub),
                             version=2)
    lease = {"m": "139998", "terminal_id": "T001", "first": 1, "last": 20, "leased_at": T0.isoformat(),
             "expires_at": (NOW + timedelta(days=30)).isoformat(), "closed": False}
    cases = [
        ({}, token, ("invalid", "serial_not_leased")),
        ({"leases": [{**lease, "first": 12}]}, token, ("invalid", "serial_not_leased")),
        ({"leases": [lease]}, token, ("provisional", "bcp_unconfirmed")),
        ({"leases": [{**lease, "closed": True}]}, token, ("invalid", "bcp_never_seen")),
        ({"leases": [lease], "countersign": [token]}, token, ("valid", "bcp_confirmed")),
        ({"leases": [lease], "countersign": [token]}, other, ("invalid", "bcp_countersignature_mismatch")),
        ({"leases": [lease], "revocations": [{"kid": key_id_for(term_pub), "effective_at": NOW.isoformat(),
                                              "reason": "盗難"}]}, token, ("invalid", "bcp_never_seen")),
        ({"leases": [lease], "countersign": [token],
          "revocations": [{"kid": key_id_for(term_pub), "effective_at": NOW.isoformat(), "reason": "盗難"}]},
         token, ("valid", "bcp_confirmed")),
        ({"leases": [lease], "revocations": [{"kid": key_id_for(term_pub), "effective_at": T0.isoformat(),
                                              "reason": "盗難"}]}, token, ("invalid", "key_revoked")),
    ]
    for extra, tok, want in cases:
        doc, _ = _list(terminal=True, terminal_key=term_priv, **extra)  # type: ignore[arg-type]
        v = verify_with_trust(tok, read_trust_list(doc), NOW)
        assert (v.status, v.reason_code) == want, (extra, v)
        assert v.signer_role == "terminal"


def test_a_pdf_with_two_qr_codes_is_not_valid() -> None:
    content = juminhyo()
    pdf = render_certificate(content, sign(content)).pdf
    assert verify_pdf(pdf, FIXED_KEYS).valid
    other = sign(replace(content, issue_number=content.issue_number[:-1] + "9"))
    v = verify_pdf(two_qr_pdf(pdf, other), FIXED_KEYS)
    assert (v.valid, v.reason_code) == (False, "multiple_qr")
