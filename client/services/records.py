"""What the counter services hand to the UI and the CLI: plain frozen dataclasses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from client.domain.model import (
    CertificateContent,
    MunicipalityParams,
    Resident,
    ResidentStatus,
    Role,
    Sex,
)
from client.domain.partial_date import PartialDate


@dataclass(frozen=True)
class StaffUser:
    user_id: str
    name: str
    role: Role

    @property
    def is_supervisor(self) -> bool:
        return self.role in (Role.SUPERVISOR, Role.ADMIN)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> StaffUser:
        role = d.get("role", "clerk")
        return cls(user_id=str(d["user_id"]), name=str(d.get("name", d["user_id"])), role=Role(role))


@dataclass(frozen=True)
class SignedIn:
    """What a backend returns for a successful sign-in."""

    token: str
    expires_at: datetime | None
    user: StaffUser
    municipality: MunicipalityParams


@dataclass(frozen=True)
class ResidentSummary:
    """One row of the search results."""

    atena_no: str
    name: str
    kana: str
    birth: PartialDate
    address: str
    status: ResidentStatus
    household_no: str = ""
    is_foreign: bool = False
    protected: bool = False  # 支援措置: the server masks the details
    suppressions: tuple[tuple[str, str], ...] = ()  # 抑止 (process, level) on the person or household

    @property
    def status_text(self) -> str:
        """What the status column says, the strongest flag first (Japanese; the UI translates)."""
        if self.protected:
            return "支援措置"
        if any(p == "hakko" and lv == "error" for p, lv in self.suppressions):
            return "発行抑止"
        if self.suppressions:
            return "抑止(警告)"
        return {"resident": "住民", "moved_out": "転出(除票)", "deceased": "死亡(除票)"}[self.status.value]

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ResidentSummary:
        birth = d.get("birth") or "????-??-??"
        return cls(
            atena_no=str(d["atena_no"]),
            name=str(d.get("name", "")),
            kana=str(d.get("kana", "")),
            birth=PartialDate.parse_str(birth) if isinstance(birth, str) else PartialDate(None),
            address=str(d.get("address", "")),
            status=ResidentStatus(d.get("status", "resident")),
            household_no=str(d.get("household_no", "")),
            is_foreign=bool(d.get("is_foreign", False)),
            protected=bool((d.get("flags") or {}).get("support_measure", d.get("protected", False))),
            suppressions=tuple(
                (str(x.get("process", "")), str(x.get("level", "")))
                for x in (d.get("flags") or {}).get("suppressions", ())
            ),
        )

    def as_resident(self) -> Resident:
        """A minimal Resident for a person whose details the server withholds (支援措置)."""
        return Resident(
            atena_no=self.atena_no, household_no=self.household_no, name=self.name, kana=self.kana,
            birth=self.birth, sex=Sex.MALE, relation="", is_head=False, address=self.address, status=self.status,
            is_foreign=self.is_foreign,
        )

    @classmethod
    def of(cls, r: Resident) -> ResidentSummary:
        return cls(r.atena_no, r.name, r.kana, r.birth, r.address, r.status, r.household_no, r.is_foreign)


@dataclass(frozen=True)
class ResidentDetail:
    """A resident and the household in standard order (世帯主 → 配偶者 → 子 → others)."""

    resident: Resident
    household: tuple[Resident, ...]
    has_seal: bool = False
    warnings: tuple[str, ...] = ()  # e.g. 抑止 (alert level) messages in Japanese
    tax_years: tuple[int, ...] = ()  # 課税年度 with income data, newest first


@dataclass(frozen=True)
class IssuedCertificate:
    issue_number: str
    content: CertificateContent
    qr_token: str
    pdf_path: Path | None = None
    pages: int = 0
    alerts: tuple[str, ...] = ()


@dataclass(frozen=True)
class IssuanceOutcome:
    """A completed issuance: the server's record and the rendered PDFs (one per copy)."""

    issuance_id: str
    certificates: tuple[IssuedCertificate, ...]
    fee_yen: int = 0

    @property
    def pdf_paths(self) -> tuple[Path, ...]:
        return tuple(c.pdf_path for c in self.certificates if c.pdf_path is not None)


@dataclass(frozen=True)
class HistoryEntry:
    """One line of the 交付履歴."""

    issuance_id: str
    issued_at: datetime | None
    cert_type: str
    subject_atena_no: str
    subject_name: str
    issue_numbers: tuple[str, ...]
    copies: int
    fee_yen: int
    exemption_reason: str
    user_id: str
    terminal_id: str
    status: str  # issued | voided | reprinted
    mode: str = "online"
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def voided(self) -> bool:
        return self.status == "voided"


@dataclass(frozen=True)
class DayCloseRow:
    """One line of a 日計表 breakdown."""

    key: str  # certificate type label / exemption reason / terminal / user
    count: int  # issuances
    copies: int
    fee_yen: int


@dataclass(frozen=True)
class DayCloseReport:
    """日計表: counts and fees for one day, broken down four ways."""

    day: date
    municipality_name: str
    by_type: tuple[DayCloseRow, ...]
    by_exemption: tuple[DayCloseRow, ...]
    by_terminal: tuple[DayCloseRow, ...]
    by_user: tuple[DayCloseRow, ...]
    total_count: int
    total_copies: int
    total_fee_yen: int
    voided_count: int = 0
    by_mode: tuple[DayCloseRow, ...] = ()  # online / bcp (issued from the replica during an outage)
    notes: tuple[str, ...] = ()  # e.g. unsynced BCP issuances acknowledged by a supervisor
