"""The card identification at the counter, step by step, without Qt (the dialog draws it).

1. 照合番号B (typed by the clerk from the card) → the 券面事項確認AP: face data and photo, signature,
   expiry. Tries are read first; one left → refused; none → locked (reset at the 市区町村窓口).
2. The resident's 4-digit PIN (typed by the resident, never shown) → the 券面事項入力補助AP: 4情報.
3. Matching against the register through the counter service (online or the replica in BCP).
4. The clerk confirms the photo against the person at the counter; then the 本人確認 is recorded as
   'マイナンバーカード(IC)' with what was checked — no photo, no 個人番号, no card data values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from client.card.matching import CardMatch, MatchStatus, match_card
from client.card.reader import CardFace, CardText, MyNumberCardReader
from client.domain.model import IdentityDocument, Resident

IC_LABEL = "マイナンバーカード(IC)"


class ResidentLookup(Protocol):
    """What the counter service offers: search by birth date, then the resident's record."""

    def search(self, query: str, limit: int = 50) -> list: ...  # type: ignore[type-arg]

    def resident(self, atena_no: str) -> object: ...


@dataclass(frozen=True)
class IdentityCheck:
    """What goes on the request and into the 交付履歴 (labels only, no card values)."""

    document: IdentityDocument
    checks: tuple[str, ...]
    atena_no: str

    @property
    def label(self) -> str:
        return IC_LABEL


def candidates_for(service: ResidentLookup, card: CardText, limit: int = 20) -> list[Resident]:
    """Everyone registered with the card's birth date (the replica in BCP mode, the server online)."""
    rows = service.search(card.birth.isoformat(), limit=limit)
    out: list[Resident] = []
    for row in rows:
        if getattr(row, "protected", False):
            continue  # 支援措置: never matched automatically; the clerk follows the 支援措置 procedure
        detail = service.resident(row.atena_no)
        out.append(detail.resident)  # type: ignore[attr-defined]
    return out


def identity_check(face: CardFace, card: CardText, match: CardMatch, *, photo_confirmed: bool,
                   mismatch_accepted: bool = False) -> IdentityCheck:
    """The record of the 本人確認; refuses when the clerk has not confirmed what they must."""
    if match.resident is None:
        raise ValueError("no resident matched")
    if not photo_confirmed:
        raise ValueError("the photo has not been compared with the person at the counter")
    if match.status is not MatchStatus.MATCHED and not mismatch_accepted:
        raise ValueError("mismatches not acknowledged")
    checks = [
        "券面事項確認AP:照合番号B・署名検証",
        "券面事項入力補助AP:暗証番号・署名検証",
        f"有効期限内({face.expiry.isoformat()}まで)",
        "顔写真:職員が目視確認",
    ]
    checks += [f"{c.label}:{'一致' if c.ok else '不一致(職員確認済)'}" for c in match.checks]
    return IdentityCheck(IdentityDocument.MY_NUMBER_CARD_IC, tuple(checks), match.resident.atena_no)


@dataclass
class CardSession:
    """One card at the counter: the steps' results so far (cleared on any failure)."""

    reader: MyNumberCardReader
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    face: CardFace | None = None
    text: CardText | None = None
    match: CardMatch | None = None

    def reset(self) -> None:
        self.face = self.text = self.match = None

    def read_face(self, pin_b: str) -> CardFace:
        self.reset()
        self.face = self.reader.read_face(pin_b, now=self.clock())
        return self.face

    def read_text(self, pin: str) -> CardText:
        self.text = self.match = None
        self.text = self.reader.read_text(pin, now=self.clock())
        if self.face is not None and (self.face.birth != self.text.birth or self.face.sex != self.text.sex):
            from client.card.errors import SignatureError

            self.reset()
            raise SignatureError(message_en="the two applications of the card disagree (birth date or sex)")
        return self.text

    def find(self, service: ResidentLookup) -> CardMatch:
        assert self.text is not None
        self.match = match_card(self.text, candidates_for(service, self.text))
        return self.match


@dataclass(frozen=True)
class CardHandoff:
    """What the card dialog hands to the issuance: who is identified and what was asked for."""

    identity: IdentityCheck
    subject_atena_no: str  # the card holder (本人) or the resident the request is about
    requester_kind: str  # RequesterKind value
    requester_name: str  # the card holder's name as on the card
    power_of_attorney: bool = False
    purpose: str = ""  # 使用目的 and 提出先, for 12条の3 requests
    qualification: str = ""
    cert_type: str = ""  # the first certificate on the 交付請求書
    copies: int = 1
