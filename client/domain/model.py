"""The domain vocabulary in one import: a re-export of the modules it is written in.

About a hundred modules (client, server and tests) import from here, so the name stays; new code
imports from the module of the purpose instead:

- ``certificates``: CertificateType, Layout, JuminhyoItem, PrintedPerson, CertificateContent
- ``residents``: Resident, SealRegistration, TaxSummary, ResidentStatus, Sex, ForeignResidentCategory
- ``request``: Requester, IssuanceRequest, RequesterKind, IdentityDocument, SPECIFIED_PROFESSIONS
- ``protection``: SupportMeasure, Suppression, SupportRelease, Process, SuppressionLevel
- ``municipality``: MunicipalityParams, Deputy
- ``decision``: EvaluationContext, Decision, Reason, Outcome
- ``counter``: Mode, Role
- ``serialization``: Serializable (``to_dict``) and the ``from_dict`` helpers

Plain dataclasses and enums only: no I/O, no clock reads. Everything that crosses the wire has
``to_dict``/``from_dict`` with JSON-safe values (dates as ISO strings, enums as their values).
"""

from __future__ import annotations

from client.domain.certificates import (
    CertificateContent,
    CertificateType,
    JuminhyoItem,
    Layout,
    PrintedPerson,
)
from client.domain.counter import Mode, Role
from client.domain.decision import Decision, EvaluationContext, Outcome, Reason
from client.domain.municipality import Deputy, MunicipalityParams
from client.domain.protection import Process, SupportMeasure, SupportRelease, Suppression, SuppressionLevel
from client.domain.request import (
    SPECIFIED_PROFESSIONS,
    IdentityDocument,
    IssuanceRequest,
    Requester,
    RequesterKind,
)
from client.domain.residents import (
    ForeignResidentCategory,
    Resident,
    ResidentStatus,
    SealRegistration,
    Sex,
    TaxSummary,
)
from client.domain.serialization import Serializable

__all__ = [
    "SPECIFIED_PROFESSIONS",
    "CertificateContent",
    "CertificateType",
    "Decision",
    "Deputy",
    "EvaluationContext",
    "ForeignResidentCategory",
    "IdentityDocument",
    "IssuanceRequest",
    "JuminhyoItem",
    "Layout",
    "Mode",
    "MunicipalityParams",
    "Outcome",
    "PrintedPerson",
    "Process",
    "Reason",
    "Requester",
    "RequesterKind",
    "Resident",
    "ResidentStatus",
    "Role",
    "SealRegistration",
    "Serializable",
    "Sex",
    "SupportMeasure",
    "SupportRelease",
    "Suppression",
    "SuppressionLevel",
    "TaxSummary",
]
