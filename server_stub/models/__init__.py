"""ORM models of the data-centre database (one table family per module)."""

from server_stub.models.agreements import BackupAgreement
from server_stub.models.audit import AccessLogBatch, AccessLogEntry, AccessLogPending
from server_stub.models.base import Base
from server_stub.models.bcp import BcpConflict
from server_stub.models.changes import ChangeLogEntry
from server_stub.models.forms import FormParameter
from server_stub.models.idempotency import IssuanceKey
from server_stub.models.issuance import Issuance, IssuedCopy, SerialLease
from server_stub.models.municipality import Counter, Deputy, Municipality
from server_stub.models.ops import HealthSample, OutageReport, ResponseSample, SampleBatch, TerminalLogCursor
from server_stub.models.peers import HoldProposal, PeerAddress
from server_stub.models.residents import (
    Household,
    Resident,
    SealRegistration,
    SupportMeasure,
    SupportMeasurePerson,
    Suppression,
    TaxSummary,
)
from server_stub.models.staff import AuthToken, Staff, Terminal, TerminalNonce

__all__ = [
    "AccessLogBatch",
    "AccessLogEntry",
    "AccessLogPending",
    "BackupAgreement",
    "AuthToken",
    "Base",
    "BcpConflict",
    "ChangeLogEntry",
    "Counter",
    "Deputy",
    "FormParameter",
    "HealthSample",
    "HoldProposal",
    "Household",
    "Issuance",
    "IssuanceKey",
    "IssuedCopy",
    "Municipality",
    "OutageReport",
    "PeerAddress",
    "Resident",
    "ResponseSample",
    "SampleBatch",
    "SealRegistration",
    "SerialLease",
    "Staff",
    "SupportMeasure",
    "SupportMeasurePerson",
    "Suppression",
    "TaxSummary",
    "Terminal",
    "TerminalNonce",
    "TerminalLogCursor",
]

import server_stub.trust.models as _trust_models  # noqa: E402,F401  (trust tables, issue 14)
