"""The rule engine's input besides the request (the context) and its answer (outcome, reasons).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from client.domain.certificates import CertificateContent
from client.domain.counter import Mode
from client.domain.municipality import MunicipalityParams
from client.domain.protection import SupportMeasure, SupportRelease, Suppression
from client.domain.residents import Resident, SealRegistration, TaxSummary
from client.domain.serialization import Serializable

if TYPE_CHECKING:
    from client.domain.form_params import FormParameters


class Outcome(enum.StrEnum):
    ALLOW = "allow"
    DENY = "deny"
    NEEDS_RELEASE = "needs_release"  # a 支援措置責任者 may release with a reason


@dataclass(frozen=True)
class EvaluationContext:
    """Everything the rule engine looks at besides the request. Built by the server or the replica."""

    now: datetime
    mode: Mode
    municipality: MunicipalityParams
    subject: Resident | None  # None when the 宛名番号 is unknown
    household: tuple[Resident, ...] = ()  # the subject's household (current members)
    seal: SealRegistration | None = None
    tax: TaxSummary | None = None
    support_measures: tuple[SupportMeasure, ...] = ()
    suppressions: tuple[Suppression, ...] = ()
    releases: tuple[SupportRelease, ...] = ()
    replica_as_of: datetime | None = None  # BCP only
    stale_override_reason: str = ""  # supervisor override of the replica age limit (BCP)
    pending_change_atena_nos: frozenset[str] = frozenset()  # BCP: residents with changes in flight
    # 加害者 of the loaded 支援措置 who are residents here, with everyone in their households
    # (for matching a requester acting for the 加害者); online only (BCP blocks every measure)
    perpetrator_households: tuple[Resident, ...] = ()
    # form id → 様式パラメータ (認証文 override, 備考 line, enabled); absent forms use the defaults
    form_parameters: dict[str, FormParameters] = field(default_factory=dict)


@dataclass(frozen=True)
class Reason(Serializable):
    """A machine-readable reason code with messages a clerk (ja) and the log (en) can act on."""

    code: str  # e.g. "support_measure", "third_party_my_number", "replica_stale"
    message_ja: str
    message_en: str
    blocking: bool = True  # False: a warning shown to the clerk, issuance allowed


@dataclass(frozen=True)
class Decision:
    """The rule engine's answer."""

    outcome: Outcome
    reasons: tuple[Reason, ...]
    content: CertificateContent | None  # None unless outcome is ALLOW
    fee_yen: int = 0  # total for all copies
    exemption_reason: str = ""
    release_measure_ids: tuple[str, ...] = ()  # for NEEDS_RELEASE: which 支援措置 to release

    @property
    def allowed(self) -> bool:
        return self.outcome is Outcome.ALLOW

    @property
    def warnings(self) -> tuple[Reason, ...]:
        return tuple(r for r in self.reasons if not r.blocking)

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome.value,
            "reasons": [r.to_dict() for r in self.reasons],
            "content": self.content.to_dict() if self.content else None,
            "fee_yen": self.fee_yen,
            "exemption_reason": self.exemption_reason,
            "release_measure_ids": list(self.release_measure_ids),
        }
