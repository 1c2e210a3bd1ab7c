"""The seam between the counter facade and where the data lives.

``CounterBackend`` is what the facade calls; ``OnlineBackend`` implements it over the
data-centre API. A replica-backed (BCP) backend implements the same protocol, and
``BackendRouter`` picks the one for the current connection mode: the connectivity state
machine calls ``router.use(mode)``, nothing else changes.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Protocol

from client.domain.model import (
    CertificateContent,
    Decision,
    IssuanceRequest,
    MunicipalityParams,
    Outcome,
    Reason,
    Resident,
    SupportRelease,
)
from client.services.day_close import NO_EXEMPTION
from client.services.display import cert_label
from client.services.errors import ConfigurationError, LineDownError, RejectedError, SignInError
from client.services.household import order_household
from client.services.online_api import OnlineApi
from client.services.records import (
    DayCloseReport,
    DayCloseRow,
    HistoryEntry,
    IssuanceOutcome,
    IssuedCertificate,
    ResidentDetail,
    ResidentSummary,
    SignedIn,
    StaffUser,
)

API = "/api/v1"


class CounterBackend(Protocol):
    """Everything the counter needs from a data source (online server or local replica)."""

    mode: str

    def sign_in(self, municipality_code: str, user_id: str, password: str, terminal_id: str) -> SignedIn: ...
    def for_user(
        self, municipality_code: str, user_id: str, password: str, terminal_id: str
    ) -> tuple[SignedIn, CounterBackend]: ...
    def search(self, query: str, limit: int = 50) -> list[ResidentSummary]: ...
    def resident(self, atena_no: str) -> ResidentDetail: ...
    def evaluate(self, request: IssuanceRequest, release: SupportRelease | None = None) -> Decision: ...
    def issue(
        self, request: IssuanceRequest, release: SupportRelease | None, printer_id: str
    ) -> IssuanceOutcome: ...
    def history(self, day: date | None = None, atena_no: str | None = None) -> list[HistoryEntry]: ...
    def void(self, issuance_id: str, reason: str) -> None: ...
    def reprint(self, issuance_id: str, reason: str) -> IssuanceOutcome: ...
    def day_close(self, day: date, municipality_name: str) -> DayCloseReport: ...


def reasons_from_dicts(items: Any) -> tuple[Reason, ...]:
    """Reasons as the server sends them (missing fields defaulted, non-objects skipped)."""
    return tuple(
        Reason(
            code=str(r.get("code", "")),
            message_ja=str(r.get("message_ja", "")),
            message_en=str(r.get("message_en", "")),
            blocking=bool(r.get("blocking", True)),
        )
        for r in items or ()
        if isinstance(r, dict)
    )


def decision_from_dict(d: dict[str, Any]) -> Decision:
    content = d.get("content")
    return Decision(
        outcome=Outcome(d["outcome"]),
        reasons=reasons_from_dicts(d.get("reasons")),
        content=CertificateContent.from_dict(content) if content else None,
        fee_yen=int(d.get("fee_yen", 0)),
        exemption_reason=str(d.get("exemption_reason", "")),
        release_measure_ids=tuple(d.get("release_measure_ids", ())),
    )


def release_to_dict(release: SupportRelease | None) -> dict[str, Any] | None:
    if release is None:
        return None
    return {"measure_id": release.measure_id, "reason": release.reason}  # the supervisor is the token's user


def _parse_dt(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def history_entry_from_dict(d: dict[str, Any]) -> HistoryEntry:
    request = d.get("request") or {}
    numbers = d.get("issue_numbers") or [c.get("issue_number", "") for c in d.get("certificates", ())]
    status = str(d.get("status", "voided" if d.get("voided") or d.get("voided_at") else "issued"))
    return HistoryEntry(
        issuance_id=str(d.get("issuance_id", d.get("id", ""))),
        issued_at=_parse_dt(d.get("issued_at") or d.get("created_at")),
        cert_type=str(d.get("cert_type", request.get("cert_type", ""))),
        subject_atena_no=str(d.get("subject_atena_no", request.get("subject_atena_no", ""))),
        subject_name=str(d.get("subject_name", "")),
        issue_numbers=tuple(str(n) for n in numbers if n),
        copies=int(d.get("copies", request.get("copies", len(numbers) or 1))),
        fee_yen=int(d.get("fee_yen", 0)),
        exemption_reason=str(d.get("exemption_reason", request.get("exemption_reason", ""))),
        user_id=str(d.get("user_id", "")),
        terminal_id=str(d.get("terminal_id", "")),
        status=status,
        mode=str(d.get("mode", "online")),
        raw=d,
    )


def _issued_from_dict(d: dict[str, Any]) -> IssuanceOutcome:
    certs = tuple(
        IssuedCertificate(
            issue_number=str(c.get("issue_number", "")),
            content=CertificateContent.from_dict(c["content"]),
            qr_token=str(c.get("qr_token", "")),
        )
        for c in d.get("certificates", ())
    )
    fee = d.get("fee_yen")
    if fee is None:
        fee = sum(c.content.fee_yen for c in certs)
    return IssuanceOutcome(issuance_id=str(d.get("issuance_id", "")), certificates=certs, fee_yen=int(fee))


class OnlineBackend:
    """The data-centre API (thin client): the server evaluates, numbers, logs and signs."""

    mode = "online"

    def __init__(self, api: OnlineApi) -> None:
        self.api = api
        self._unanswered: dict[str, str] = {}  # request body → key of an issuance whose answer never came

    def sign_in(self, municipality_code: str, user_id: str, password: str, terminal_id: str) -> SignedIn:
        from client.services.errors import NotFoundError, SessionExpiredError

        body = {
            "municipality_code": municipality_code,
            "user_id": user_id,
            "password": password,
            "terminal_id": terminal_id,
        }
        try:
            d = self.api.post(f"{API}/auth/login", body)
        except (SessionExpiredError, RejectedError, NotFoundError) as exc:
            raise SignInError(exc.message_ja if exc.message_ja != exc.default_ja else "", exc.message_en) from exc
        self.api.token = str(d["token"])
        return SignedIn(
            token=self.api.token,
            expires_at=_parse_dt(d.get("expires_at")),
            user=StaffUser.from_dict(d["user"]),
            municipality=MunicipalityParams.from_dict(d["municipality"]),
        )

    def for_user(
        self, municipality_code: str, user_id: str, password: str, terminal_id: str
    ) -> tuple[SignedIn, OnlineBackend]:
        """Sign a second person in (a supervisor at the clerk's terminal) without touching this session."""
        other = OnlineBackend(self.api.fork())
        return other.sign_in(municipality_code, user_id, password, terminal_id), other

    def search(self, query: str, limit: int = 50) -> list[ResidentSummary]:
        d = self.api.get(f"{API}/residents/search", q=query, limit=limit)
        rows: Any = d.get("results", d.get("residents")) if isinstance(d, dict) else d
        return [ResidentSummary.from_dict(r) for r in rows or ()]

    def resident(self, atena_no: str) -> ResidentDetail:
        d = self.api.get(f"{API}/residents/{atena_no}")
        resident = Resident.from_dict(d["resident"] if "resident" in d else d)
        members = tuple(Resident.from_dict(m) for m in d.get("household", ()))
        if not any(m.atena_no == resident.atena_no for m in members) and resident.status.value == "resident":
            members = (*members, resident)
        warnings = tuple(
            str(w.get("message_ja", w)) if isinstance(w, dict) else str(w) for w in d.get("warnings", ())
        )
        return ResidentDetail(
            resident=resident,
            household=order_household(members),
            has_seal=bool(d.get("seal") or d.get("has_seal")),
            warnings=warnings,
            tax_years=tuple(sorted((int(y) for y in d.get("tax_years", ())), reverse=True)),
        )

    def evaluate(self, request: IssuanceRequest, release: SupportRelease | None = None) -> Decision:
        body: dict[str, Any] = {"request": request.to_dict()}
        if release is not None:
            body["release"] = release_to_dict(release)
        return decision_from_dict(self.api.post(f"{API}/issuances/evaluate", body))

    def issue(self, request: IssuanceRequest, release: SupportRelease | None, printer_id: str) -> IssuanceOutcome:
        body: dict[str, Any] = {"request": request.to_dict(), "printer_id": printer_id}
        if release is not None:
            body["release"] = release_to_dict(release)
        # One key per issuance: a resend on the other line (a silent line) is issued once. When the
        # answer never came (every line failed), the same request tried again keeps its key, so an
        # issuance the server did make is returned instead of made twice.
        digest = json.dumps(body, sort_keys=True, ensure_ascii=False)
        key = self._unanswered.get(digest) or str(uuid.uuid4())
        try:
            answer = self.api.post(f"{API}/issuances", body, idempotency_key=key)
        except LineDownError:
            self._unanswered = {digest: key}
            raise
        self._unanswered = {}
        return _issued_from_dict(answer)

    def history(self, day: date | None = None, atena_no: str | None = None) -> list[HistoryEntry]:
        d = self.api.get(
            f"{API}/issuances", date=day.isoformat() if day else None, atena_no=atena_no or None, limit=1000
        )
        rows: Any = d.get("issuances", d.get("results")) if isinstance(d, dict) else d
        return [history_entry_from_dict(r) for r in rows or ()]

    def void(self, issuance_id: str, reason: str) -> None:
        self.api.post(f"{API}/issuances/{issuance_id}/void", {"reason": reason})

    def reprint(self, issuance_id: str, reason: str) -> IssuanceOutcome:
        d = self.api.post(f"{API}/issuances/{issuance_id}/reprint", {"reason": reason})
        if not isinstance(d, dict) or "certificates" not in d:
            raise RejectedError(message_en=f"reprint answer without certificates: {str(d)[:200]}")
        return _issued_from_dict(d)

    def day_close(self, day: date, municipality_name: str) -> DayCloseReport:
        return day_close_from_dict(self.api.get(f"{API}/day-close", date=day.isoformat()), municipality_name)


def _rows(buckets: dict[str, Any], label: Callable[[str], str] = str) -> tuple[DayCloseRow, ...]:
    return tuple(
        DayCloseRow(label(k), int(v.get("issuances", 0)), int(v.get("copies", 0)), int(v.get("fee_yen", 0)))
        for k, v in buckets.items()
    )


_MODE_JA = {"online": "オンライン", "bcp": "BCP(縮退運用)"}


def day_close_from_dict(d: dict[str, Any], municipality_name: str) -> DayCloseReport:
    """The server's 日計表 (``GET /api/v1/day-close``)."""
    total = d.get("total", {})
    return DayCloseReport(
        day=date.fromisoformat(d["date"]),
        municipality_name=municipality_name,
        by_type=_rows(d.get("by_type", {}), cert_label),
        by_exemption=_rows({(k if k != "-" else NO_EXEMPTION): v for k, v in d.get("by_exemption", {}).items()}),
        by_terminal=_rows(d.get("by_terminal", {})),
        by_user=_rows(d.get("by_user", {})),
        total_count=int(total.get("issuances", 0)),
        total_copies=int(total.get("copies", 0)),
        total_fee_yen=int(total.get("fee_yen", 0)),
        voided_count=int(d.get("voided", {}).get("issuances", 0)),
        by_mode=_rows(d.get("by_mode", {}), lambda m: _MODE_JA.get(m, m)),
    )


class BackendRouter:
    """Holds one backend per mode and hands out the current one (the BCP plug point)."""

    def __init__(self, online: CounterBackend | None = None) -> None:
        """``online`` may be registered later (the composition root registers the online backend
        once the terminal's connectivity machine it reports to exists)."""
        self._lock = threading.Lock()
        self._backends: dict[str, CounterBackend] = {"online": online} if online is not None else {}
        self._mode = "online"

    def register(self, mode: str, backend: CounterBackend) -> None:
        with self._lock:
            self._backends[mode] = backend

    def use(self, mode: str) -> None:
        with self._lock:
            if mode not in self._backends:
                raise ConfigurationError(message_en=f"no backend registered for mode {mode!r}")
            self._mode = mode

    @property
    def mode(self) -> str:
        return self._mode

    @property
    def current(self) -> CounterBackend:
        with self._lock:
            return self._backends[self._mode]

    def backend(self, mode: str) -> CounterBackend:
        return self._backends[mode]

    def backends(self) -> dict[str, CounterBackend]:
        with self._lock:
            return dict(self._backends)
