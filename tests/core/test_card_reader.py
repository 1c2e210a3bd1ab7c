"""Reading the My Number card's 券面 APs through a real pcscd + vpcd stack and the card emulator."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from client.card import layout
from client.card.errors import (
    CardExpiredError,
    CardRemovedError,
    NoCardError,
    NotMyNumberCardError,
    PinLockedError,
    PinTryRefusedError,
    SignatureError,
    TrustConfigurationError,
    WrongPinError,
)
from client.card.reader import InvalidEntryError, MyNumberCardReader
from client.card.signature import TrustStore
from client.card.transport import PcscConnector
from tests.cardsim.card import CardHolder, build_card, other_card
from tests.cardsim.pki import make_chain

HOLDER = CardHolder("山田 太郎", "東京都桜ヶ丘市本町一丁目2番3号", date(1985, 4, 1), "1", date(2031, 4, 1))


@pytest.fixture
def reader(card_chain: Any, tmp_path: Path) -> MyNumberCardReader:
    roots, inter = card_chain.write(tmp_path / "trust")
    return MyNumberCardReader(PcscConnector(), TrustStore.from_files(roots, inter))


def _verifies_with_data(card: Any, pin_fid: bytes) -> int:
    """How many VERIFY commands carrying a PIN reached the card (a spent try)."""
    return sum(1 for c in card.log if c.startswith("00200080") and len(c) > 8)


def test_reads_face_and_text_of_a_valid_card(card_slot: Any, card_chain: Any, reader: MyNumberCardReader) -> None:
    card = build_card(HOLDER, card_chain)
    card_slot.insert(card)
    assert reader.pin_b_tries() == 3
    face = reader.read_face(HOLDER.pin_b)
    assert (face.birth, face.sex, face.expiry) == (date(1985, 4, 1), "M", date(2031, 4, 1))
    assert face.photo.startswith(b"\x89PNG")
    assert reader.pin_tries() == 3
    text = reader.read_text("1234")
    assert (text.name, text.address, text.birth, text.sex) == (HOLDER.name, HOLDER.address, HOLDER.birth, "M")
    assert "Data Signer" in text.signer
    # the 個人番号 file is never selected, 照合番号A never used
    assert not any(c.startswith("00a4020c02" + layout.TEXT_EF_MY_NUMBER.hex()) for c in card.log)
    assert not any(c.startswith("00a4020c02" + layout.VISUAL_EF_PIN_A.hex()) for c in card.log)


def test_wrong_pin_says_how_many_tries_are_left(card_slot: Any, card_chain: Any, reader: MyNumberCardReader) -> None:
    card = build_card(HOLDER, card_chain)
    card_slot.insert(card)
    with pytest.raises(WrongPinError) as info:
        reader.read_text("9999")
    assert info.value.tries_left == 2
    assert "残り2回" in info.value.message_ja
    assert reader.pin_tries() == 2
    assert reader.read_text("1234").name == HOLDER.name  # a right PIN resets the counter
    assert reader.pin_tries() == 3


def test_one_try_left_is_never_spent(card_slot: Any, card_chain: Any, reader: MyNumberCardReader) -> None:
    card = build_card(HOLDER, card_chain, pin_tries=1)
    card_slot.insert(card)
    with pytest.raises(PinTryRefusedError) as info:
        reader.read_text("1234")
    assert "残り回数が1回" in info.value.message_ja
    assert _verifies_with_data(card, layout.TEXT_EF_PIN) == 0
    assert card.pins[(layout.TEXT_AP, layout.TEXT_EF_PIN)].tries == 1


def test_locked_card_is_explained_and_nothing_sent(card_slot: Any, card_chain: Any,
                                                    reader: MyNumberCardReader) -> None:
    card = build_card(HOLDER, card_chain, pin_tries=0)
    card_slot.insert(card)
    with pytest.raises(PinLockedError) as info:
        reader.pin_tries()
    assert "市区町村窓口" in info.value.message_ja
    with pytest.raises(PinLockedError):
        reader.read_text("1234")
    assert _verifies_with_data(card, layout.TEXT_EF_PIN) == 0


def test_third_wrong_pin_locks_with_6983(card_slot: Any, card_chain: Any, reader: MyNumberCardReader) -> None:
    card = build_card(HOLDER, card_chain, pin_tries=2)
    card_slot.insert(card)
    with pytest.raises(WrongPinError):
        reader.read_text("0000")  # 2 → 1
    with pytest.raises(PinTryRefusedError):
        reader.read_text("0000")  # the last try is kept
    assert card.pins[(layout.TEXT_AP, layout.TEXT_EF_PIN)].tries == 1


def test_bad_entries_never_reach_the_card(card_slot: Any, card_chain: Any, reader: MyNumberCardReader) -> None:
    card = build_card(HOLDER, card_chain)
    card_slot.insert(card)
    for bad in ("123", "12345", "12a4"):
        with pytest.raises(InvalidEntryError):
            reader.read_text(bad)
    with pytest.raises(InvalidEntryError):
        reader.read_face("8504012031")
    assert card.log == []


def test_expired_card(card_slot: Any, card_chain: Any, reader: MyNumberCardReader) -> None:
    holder = CardHolder("佐藤 次郎", "東京都桜ヶ丘市本町一丁目1番1号", date(1970, 1, 2), "1", date(2020, 1, 2))
    card_slot.insert(build_card(holder, card_chain))
    with pytest.raises(CardExpiredError) as info:
        reader.read_face(holder.pin_b)
    assert "有効期限が切れた" in info.value.message_ja and "2020年1月2日" in info.value.message_ja


def test_tampered_text_fails_the_signature(card_slot: Any, card_chain: Any, reader: MyNumberCardReader) -> None:
    card_slot.insert(build_card(HOLDER, card_chain, tamper_text=True))
    reader.read_face(HOLDER.pin_b)  # the face data is intact
    with pytest.raises(SignatureError) as info:
        reader.read_text("1234")
    assert "偽造・改ざん" in info.value.message_ja


def test_tampered_face_fails_the_signature(card_slot: Any, card_chain: Any, reader: MyNumberCardReader) -> None:
    card_slot.insert(build_card(HOLDER, card_chain, tamper_face=True))
    with pytest.raises(SignatureError):
        reader.read_face(HOLDER.pin_b)


def test_card_signed_outside_the_configured_chain(card_slot: Any, card_chain: Any,
                                                  reader: MyNumberCardReader) -> None:
    card_slot.insert(build_card(HOLDER, card_chain, signing_chain=make_chain(" (forger)")))
    with pytest.raises(SignatureError) as info:
        reader.read_face(HOLDER.pin_b)
    assert "does not chain" in info.value.message_en


def test_card_pulled_out_mid_read(card_slot: Any, card_chain: Any, reader: MyNumberCardReader) -> None:
    card = build_card(HOLDER, card_chain)
    card.pull_after_reads = 5  # inside the photo
    card_slot.insert(card)
    with pytest.raises(CardRemovedError) as info:
        reader.read_face(HOLDER.pin_b)
    assert "外されました" in info.value.message_ja
    card_slot._wait(False, 10)
    with pytest.raises(NoCardError):
        reader.pin_tries()


def test_not_a_my_number_card(card_slot: Any, reader: MyNumberCardReader) -> None:
    card_slot.insert(other_card())
    with pytest.raises(NotMyNumberCardError):
        reader.read_face(HOLDER.pin_b)


def test_no_card_in_the_reader(card_slot: Any, reader: MyNumberCardReader) -> None:
    card_slot.remove()
    with pytest.raises(NoCardError):
        reader.read_face(HOLDER.pin_b)


def test_trust_store_needs_a_root(tmp_path: Path) -> None:
    empty = tmp_path / "empty.pem"
    empty.write_text("")
    with pytest.raises(TrustConfigurationError):
        TrustStore.from_files(empty)
    with pytest.raises(TrustConfigurationError):
        TrustStore.from_files(tmp_path / "missing.pem")


def test_chain_checked_at_the_read_time(card_chain: Any) -> None:
    store = TrustStore((card_chain.root,), (card_chain.intermediate,))
    assert store.verify_chain(card_chain.signer_der).subject == card_chain.signer_cert.subject
    with pytest.raises(SignatureError):
        store.verify_chain(card_chain.signer_der, datetime(2100, 1, 1, tzinfo=UTC))
    with pytest.raises(SignatureError):  # the intermediate is not configured
        TrustStore((card_chain.root,)).verify_chain(card_chain.signer_der)
