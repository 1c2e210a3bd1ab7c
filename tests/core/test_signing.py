"""Signed QR tokens: round trip, and every kind of tampering gives a specific reason."""

from __future__ import annotations

import base64
import json
from dataclasses import replace

import pytest

from client.certificate.signing import (
    SigningError,
    TokenFormatError,
    content_digest,
    decode_token,
    generate_keypair,
    key_id_for,
    public_key_for,
    sign_certificate,
    verify_token,
)
from tests.fixtures.certificates import juminhyo


@pytest.fixture(scope="module")
def keys() -> tuple[bytes, bytes, str]:
    priv, pub = generate_keypair()
    return priv, pub, key_id_for(pub)


def test_keypair_is_raw_ed25519(keys: tuple[bytes, bytes, str]) -> None:
    priv, pub, kid = keys
    assert len(priv) == 32 and len(pub) == 32
    assert public_key_for(priv) == pub
    assert key_id_for(pub) == kid and len(kid) == 16
    other_priv, other_pub = generate_keypair()
    assert other_priv != priv and key_id_for(other_pub) != kid


def test_round_trip_and_payload_fields(keys: tuple[bytes, bytes, str]) -> None:
    priv, pub, kid = keys
    content = juminhyo()
    token = sign_certificate(content, priv, kid)
    assert token.isascii() and token.startswith("MDG1.") and len(token) < 600
    verdict = verify_token(token, {kid: pub}, content)
    assert verdict.valid, verdict
    assert verdict.reason_code == "ok"
    p = decode_token(token)
    assert p.municipality_code == "139998"
    assert p.issue_number == content.issue_number
    assert p.cert_type == "juminhyo"
    assert p.issued_at == content.issued_at.isoformat()
    assert p.digest == content_digest(content)
    assert p.key_id == kid
    # the subject reference never carries the name or the plain 宛名番号
    assert content.persons[0].atena_no not in token
    assert content.persons[0].atena_no not in p.subject_ref


def test_explicit_subject_ref(keys: tuple[bytes, bytes, str]) -> None:
    priv, pub, kid = keys
    token = sign_certificate(juminhyo(), priv, kid, subject_ref="S-42")
    assert decode_token(token).subject_ref == "S-42"
    assert verify_token(token, {kid: pub}).valid


def test_signing_is_deterministic(keys: tuple[bytes, bytes, str]) -> None:
    priv, _, kid = keys
    assert sign_certificate(juminhyo(), priv, kid) == sign_certificate(juminhyo(), priv, kid)


def test_every_changed_character_is_invalid(keys: tuple[bytes, bytes, str]) -> None:
    priv, pub, kid = keys
    content = juminhyo()
    token = sign_certificate(content, priv, kid)
    codes = set()
    for pos in range(len(token)):
        ch = token[pos]
        repl = "A" if ch != "A" else "B"
        forged = token[:pos] + repl + token[pos + 1 :]
        verdict = verify_token(forged, {kid: pub}, content)
        assert not verdict.valid, (pos, forged)
        assert verdict.reason_code in {"bad_format", "bad_signature", "unknown_key"}
        assert verdict.message_ja and verdict.message_en
        codes.add(verdict.reason_code)
    assert {"bad_format", "bad_signature"} <= codes


def test_reasons_are_specific(keys: tuple[bytes, bytes, str]) -> None:
    priv, pub, kid = keys
    content = juminhyo()
    token = sign_certificate(content, priv, kid)

    assert verify_token("garbage", {kid: pub}).reason_code == "bad_format"
    assert verify_token("", {kid: pub}).reason_code == "bad_format"
    assert verify_token(token, {}).reason_code == "unknown_key"

    # a valid signature by another key registered under the same id
    _, other_pub = generate_keypair()
    assert verify_token(token, {kid: other_pub}).reason_code == "bad_signature"

    # the payload re-encoded with a changed field but the old signature
    prefix, body, sig = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    data["n"] = data["n"].replace("000011", "000012")
    new_body = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    assert verify_token(f"{prefix}.{new_body}.{sig}", {kid: pub}).reason_code == "bad_signature"

    # the content changed after signing
    changed = replace(content, address=content.address + "5")
    v = verify_token(token, {kid: pub}, changed)
    assert (v.valid, v.reason_code) == (False, "digest_mismatch")
    assert v.payload is not None and v.payload.issue_number == content.issue_number


def test_decode_rejects_wrong_shapes(keys: tuple[bytes, bytes, str]) -> None:
    priv, _, kid = keys
    token = sign_certificate(juminhyo(), priv, kid)
    with pytest.raises(TokenFormatError):
        decode_token(token.replace("MDG1", "MDG2", 1))
    with pytest.raises(TokenFormatError):
        decode_token(token + ".x")
    with pytest.raises(TokenFormatError):
        decode_token(token[:-4])  # signature too short
    body = base64.urlsafe_b64encode(b'{"m":"1"}').rstrip(b"=").decode()
    with pytest.raises(TokenFormatError):
        decode_token(f"MDG1.{body}.{token.split('.')[2]}")


def test_signing_refuses_bad_input(keys: tuple[bytes, bytes, str]) -> None:
    priv, _, kid = keys
    with pytest.raises(SigningError):
        sign_certificate(juminhyo(issue_number=""), priv, kid)
    with pytest.raises(SigningError):
        sign_certificate(juminhyo(), priv[:31], kid)
    with pytest.raises(SigningError):
        key_id_for(b"short")


def test_verdict_to_dict_is_json(keys: tuple[bytes, bytes, str]) -> None:
    priv, pub, kid = keys
    v = verify_token(sign_certificate(juminhyo(), priv, kid), {kid: pub})
    d = json.loads(json.dumps(v.to_dict(), ensure_ascii=False))
    assert d["valid"] is True and d["payload"]["key_id"] == kid


def test_payload_that_disagrees_with_the_content_is_a_content_mismatch(keys: tuple[bytes, bytes, str]) -> None:
    """A correctly signed payload whose 発行番号 differs from the content it is shown with."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    priv, pub, kid = keys
    content = juminhyo()
    payload = {
        "m": content.municipality_code,
        "n": content.issue_number.replace("000011", "000099"),
        "t": content.cert_type.value,
        "s": "x",
        "i": content.issued_at.isoformat(),
        "d": content_digest(content),
        "k": kid,
    }

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing_input = "MDG1." + b64(json.dumps(payload, ensure_ascii=False).encode())
    signature = Ed25519PrivateKey.from_private_bytes(priv).sign(signing_input.encode())
    token = f"{signing_input}.{b64(signature)}"
    assert verify_token(token, {kid: pub}).valid  # the signature itself is fine
    verdict = verify_token(token, {kid: pub}, content)
    assert (verdict.valid, verdict.reason_code) == (False, "content_mismatch")
