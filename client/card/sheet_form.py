"""書かない窓口: what the clerk picks in the card dialog, turned into the pre-filled 交付請求書.

Qt-free. The requester is the person whose card was read; the subject is the matched resident
(本人) or, for 同一世帯員 / 代理人 / 第三者, the resident chosen in the main window. The same sheet is
made online and in BCP mode (it needs only what the counter already shows).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from client.card.identification import IC_LABEL, IdentityCheck
from client.card.reader import CardText
from client.domain.model import CertificateType, JuminhyoItem, RequesterKind, Resident
from client.printing.request_sheet import RequestSheet, SheetLine, SheetPerson
from client.services.display import birth_text
from client.services.issuance_form import JUMINHYO_OPTIONS

ITEM_LABELS = dict(JUMINHYO_OPTIONS)
_ITEM_TYPES = frozenset({CertificateType.JUMINHYO, CertificateType.KISAI_JIKO, CertificateType.JOHYO})


def _wareki_birth(d: object, foreign: bool) -> str:
    from client.domain.partial_date import PartialDate

    assert hasattr(d, "year")
    return birth_text(PartialDate.of(d), foreign=foreign)  # type: ignore[arg-type]


@dataclass
class SheetChoice:
    cert_type: CertificateType
    copies: int = 1
    whole_household: bool = False
    items: set[JuminhyoItem] = field(default_factory=set)


@dataclass
class SheetForm:
    """The clerk's choices for the 交付請求書."""

    card: CardText
    holder: Resident | None  # the matched resident (the person at the counter), if registered here
    subject: Resident | None = None  # for requests about someone else
    requester_kind: RequesterKind = RequesterKind.SELF
    choices: dict[CertificateType, SheetChoice] = field(default_factory=dict)
    purpose: str = ""
    submit_to: str = ""
    qualification: str = ""
    power_of_attorney: bool = False
    identity: IdentityCheck | None = None

    def choose(self, cert_type: CertificateType, on: bool, copies: int = 1) -> None:
        if on:
            self.choices.setdefault(cert_type, SheetChoice(cert_type)).copies = max(1, min(20, copies))
        else:
            self.choices.pop(cert_type, None)

    @property
    def target(self) -> Resident | None:
        return self.holder if self.requester_kind is RequesterKind.SELF else self.subject

    def relation(self) -> str:
        return {RequesterKind.HOUSEHOLD: "同一世帯員", RequesterKind.AGENT: "代理人"}.get(self.requester_kind, "")

    def sheet(self, *, municipality_name: str, now: datetime, bcp: bool, terminal: str) -> RequestSheet:
        target = self.target
        if target is None:
            from client.printing.request_sheet import RequestSheetError

            raise RequestSheetError("対象者が決まっていません。メイン画面で対象の住民を選んでからカードを読み取ってください。",
                                    "no subject for the request")
        holder = self.holder
        requester = SheetPerson(
            name=self.card.name,
            address=self.card.address,
            birth=_wareki_birth(self.card.birth, bool(holder and holder.is_foreign)),
            kana=holder.kana if holder else "",
        )
        subject = SheetPerson(name=target.name, address=f"{target.address} {target.katagaki}".strip(),
                              birth=birth_text(target.birth, foreign=target.is_foreign), kana=target.kana)
        lines = []
        for ct in CertificateType:
            ch = self.choices.get(ct)
            if ch is None:
                continue
            items = tuple(ITEM_LABELS[i] for i in JuminhyoItem if i in ch.items and i in ITEM_LABELS) \
                if ct in _ITEM_TYPES else ()
            members = "世帯全員" if ch.whole_household and ct in (CertificateType.JUMINHYO, CertificateType.KISAI_JIKO) \
                else "本人のみ"
            lines.append(SheetLine(ct.label_ja, ch.copies, items, members))
        identity = self.identity
        return RequestSheet(
            municipality_name=municipality_name,
            created_at=now,
            requester_kind=self.requester_kind,
            requester=requester,
            subject=subject,
            lines=tuple(lines),
            identity_method=IC_LABEL if identity is not None else "",
            identity_checks=identity.checks if identity is not None else (),
            relation=self.relation(),
            purpose=self.purpose.strip(),
            submit_to=self.submit_to.strip(),
            qualification=self.qualification.strip(),
            power_of_attorney=self.power_of_attorney and self.requester_kind is RequesterKind.AGENT,
            bcp=bcp,
            terminal=terminal,
        )
