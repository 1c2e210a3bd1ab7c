"""The counter backend in BCP mode: the replica answers, the outbox records, the terminal signs.

Implements the same ``CounterBackend`` protocol as the online backend, so the UI and the CLI
do not change when the connectivity state machine switches the router to ``"bcp"``.

* Sign-in checks the replica's argon2id hashes; five failures lock the account on this terminal
  until the line is back (the lock is kept in the outbox database, which survives restarts).
* A resident touched by a 支援措置 is never shown or issued for (no release in BCP mode).
* Void is refused offline (it needs the data centre's 交付履歴); reprint gives back the stored
  certificates of an outbox record, numbered as issued.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from client.domain.blocks import check_access
from client.domain.calendar_day import japan_date
from client.domain.involved import named_on_request, people_involved
from client.domain.model import (
    Decision,
    IssuanceRequest,
    Mode,
    Outcome,
    Process,
    Reason,
    Role,
    SupportMeasure,
    SupportRelease,
    Suppression,
)
from client.outbox.issuer import BcpIssuer, BcpRefused
from client.outbox.store import Outbox
from client.replica.damage import IntegrityGate, ReplicaDamagedError
from client.replica.lookups import ReplicaLookups
from client.replica.search import ReplicaSearch
from client.services.errors import NotFoundError, ProtectedResidentError, RejectedError, SignInError
from client.services.records import (
    HistoryEntry,
    IssuanceOutcome,
    IssuedCertificate,
    ResidentDetail,
    ResidentSummary,
    SignedIn,
    StaffUser,
)
from client.wire.bcp import BcpIssuanceRecord

MAX_OFFLINE_FAILURES = 5
BORROW_BLOCK = 10  # serials asked of a peer at a time when this terminal runs short (issue 18)


class HeldPersons(Protocol):
    """Emergency holds recorded in BCP mode on any terminal of the hall (``client.peers.holds.HoldStore``)."""

    def support_measures(self) -> tuple[SupportMeasure, ...]: ...

    def suppressions(self) -> tuple[Suppression, ...]: ...


class BcpBackend:
    mode = "bcp"

    def __init__(
        self,
        lookups: ReplicaLookups,
        search: ReplicaSearch,
        outbox: Outbox,
        issuer: BcpIssuer,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        user: StaffUser | None = None,
        stale_override: tuple[str, str] | None = None,  # (reason, supervisor) for an old replica
        training: bool = False,  # drill mode: every certificate is a 「見本」
        holds: HeldPersons | None = None,  # the hall's emergency 抑止 / 仮支援措置 (issue 18)
        # copies each stored outbox record to a peer before the certificates are handed over (issue 18)
        mirror: Callable[[BcpIssuanceRecord], object] | None = None,
        # asks an idle peer for n unused serials; returns how many were added (issue 18)
        borrow_serials: Callable[[int], int] | None = None,
    ) -> None:
        self.lookups = lookups
        self.searcher = search
        self.outbox = outbox
        self.issuer = issuer
        self.clock = clock
        self.user = user
        self.stale_override = stale_override
        self.training = training
        self.integrity = IntegrityGate(lookups.store)  # no decision from a damaged replica (issue 20)
        self.holds = holds
        self.mirror = mirror
        self.borrow_serials = borrow_serials

    # -- sign-in -----------------------------------------------------------------------------

    def sign_in(self, municipality_code: str, user_id: str, password: str, terminal_id: str) -> SignedIn:
        params = self.lookups.municipality()
        if municipality_code and municipality_code != params.code:
            raise SignInError("この端末はその団体の複製データを保持していません。",
                              f"no replica for municipality {municipality_code}")
        from client.outbox.store import MAX_TERMINAL_OFFLINE_FAILURES, TERMINAL_WIDE

        if self.outbox.offline_locked(TERMINAL_WIDE):  # issue 15: per terminal as well as per user
            raise SignInError("この端末でパスワードの誤りが続いたため、オフラインでのログインはロックされています。"
                              "データセンターとの回線が復旧すると解除されます。",
                              "offline sign-in locked on this terminal until it reaches the data centre")
        if self.outbox.offline_locked(user_id):
            raise SignInError("パスワードの誤りが続いたため、オフラインでのログインはロックされています。"
                              "回線復旧後に管理者へ解除を依頼してください。", f"offline sign-in locked for {user_id}")
        staff = self.lookups.staff(user_id)
        ok = False
        if staff is not None and staff.active:
            try:
                ok = PasswordHasher().verify(staff.password_hash, password)
            except (VerificationError, InvalidHashError):
                ok = False
        if not ok:
            self.outbox.note_offline_failure(user_id, lock_after=MAX_OFFLINE_FAILURES)
            self.outbox.note_offline_failure(TERMINAL_WIDE, lock_after=MAX_TERMINAL_OFFLINE_FAILURES)
            raise SignInError("職員IDまたはパスワードが正しくありません。", f"offline sign-in refused for {user_id}")
        self.outbox.clear_offline_failures(user_id)
        assert staff is not None
        user = StaffUser(staff.user_id, staff.name, Role(staff.role))
        self.user = user
        return SignedIn(token="", expires_at=None, user=user, municipality=params)

    def for_user(self, municipality_code: str, user_id: str, password: str, terminal_id: str
                 ) -> tuple[SignedIn, BcpBackend]:
        other = BcpBackend(self.lookups, self.searcher, self.outbox, self.issuer, clock=self.clock,
                           stale_override=self.stale_override, training=self.training, holds=self.holds,
                           mirror=self.mirror, borrow_serials=self.borrow_serials)
        other.integrity = self.integrity
        return other.sign_in(municipality_code, user_id, password, terminal_id), other

    def _vouch(self) -> None:
        """The whole replica checks out (SQLCipher HMAC, structure), or nothing is decided from it."""
        try:
            self.integrity.vouch()
        except ReplicaDamagedError as exc:
            raise RejectedError(exc.message_ja, exc.message_en, detail="replica_damaged") from exc

    def _user_id(self) -> str:
        if self.user is None:
            raise SignInError("ログインしてください。", "not signed in (BCP)")
        return self.user.user_id

    # -- search and view ---------------------------------------------------------------------

    def search(self, query: str, limit: int = 50) -> list[ResidentSummary]:
        self._vouch()  # the protected flags shown come from the replica too
        hits = self.searcher.search(query, limit)
        now = self.clock()
        self.outbox.log_access({"at": now.isoformat(), "user_id": self._user_id(), "action": "search",
                                "subject": "", "mode": "bcp", "hits": len(hits)})
        out = []
        for h in hits:
            summary = ResidentSummary.of(h.resident)
            if h.protected:
                summary = ResidentSummary(summary.atena_no, summary.name, summary.kana, summary.birth, "",
                                          summary.status, summary.household_no, summary.is_foreign, True)
            out.append(summary)
        return out

    def resident(self, atena_no: str) -> ResidentDetail:
        self._vouch()
        now = self.clock()
        subject = self.lookups.resident(atena_no)
        if subject is None:
            raise NotFoundError("該当する住民が見つかりません。", f"no resident {atena_no} in the replica")
        household = self.lookups.household_members(subject.household_no, current_only=False)
        involved = people_involved(atena_no, household)
        held_measures, held_suppressions = self._held()
        reasons = check_access(atena_no, household, (*self.lookups.support_measures(involved), *held_measures),
                               (*self.lookups.suppressions(involved, {subject.household_no}), *held_suppressions),
                               (), now,
                               mode=Mode.BCP, subject_household_no=subject.household_no)
        blocking = [r for r in reasons if r.blocking]
        self.outbox.log_access({"at": now.isoformat(), "user_id": self._user_id(), "action": "view",
                                "subject": atena_no, "mode": "bcp", "outcome": "refused" if blocking else "ok"})
        if blocking:
            error_type = ProtectedResidentError if blocking[0].code.startswith("support_measure") else RejectedError
            raise error_type("\n".join(r.message_ja for r in blocking), "; ".join(r.message_en for r in blocking),
                             detail=blocking[0].code)
        current = tuple(m for m in household if m.status.value == "resident") or (subject,)
        return ResidentDetail(resident=subject, household=current,
                              has_seal=self.lookups.seal_for(atena_no) is not None,
                              warnings=tuple(r.message_ja for r in reasons if not r.blocking))

    # -- issuance ----------------------------------------------------------------------------

    def _drilled(self, request: IssuanceRequest) -> IssuanceRequest:
        return replace(request, training=True) if self.training else request

    def _held(self) -> tuple[tuple[SupportMeasure, ...], tuple[Suppression, ...]]:
        if self.holds is None:
            return (), ()
        return self.holds.support_measures(), self.holds.suppressions()

    def _held_reasons(self, request: IssuanceRequest, now: datetime) -> tuple[Reason, ...]:
        """The rule engine on the emergency holds alone (they are not in the replica yet): fails closed."""
        measures, suppressions = self._held()
        if not measures and not suppressions:
            return ()
        subject = self.lookups.resident(request.subject_atena_no)
        household = (self.lookups.household_members(subject.household_no, current_only=False)
                     if subject is not None else ())
        reasons = check_access(request.subject_atena_no, household, measures, suppressions, (), now,
                               process=Process.HAKKO, mode=Mode.BCP,
                               subject_household_no=subject.household_no if subject is not None else None)
        extra = named_on_request(request) - {request.subject_atena_no}
        for atena in sorted(extra):
            reasons += check_access(atena, (), measures, suppressions, (), now, process=Process.HAKKO, mode=Mode.BCP)
        return tuple(r for r in reasons if r.blocking)

    def _serials_for(self, copies: int, now: datetime) -> int:
        """Serials available here, after asking a peer for a block when fewer than ``copies`` are left."""
        available = self.outbox.serials_available(now)
        if available < copies and self.borrow_serials is not None:
            try:
                self.borrow_serials(max(copies - available, BORROW_BLOCK))
            except Exception:  # noqa: BLE001 - no peer to help: the shortage is reported as before
                return available
            available = self.outbox.serials_available(now)
        return available

    def evaluate(self, request: IssuanceRequest, release: SupportRelease | None = None) -> Decision:
        self._vouch()
        request = self._drilled(request)
        reason = self.stale_override[0] if self.stale_override else ""
        now = self.clock()
        decision = self.issuer.evaluate(request, now, stale_override_reason=reason)
        if not decision.allowed:
            return decision
        held = self._held_reasons(request, now)
        if held:
            return replace(decision, outcome=Outcome.DENY, reasons=(*held, *decision.reasons), content=None, fee_yen=0)
        available = self._serials_for(request.copies, now)
        if available >= request.copies:
            return decision
        # Every copy needs a leased 発行番号: say so now, not after F12 (fails closed like the rest).
        short = Reason(
            code="bcp_no_serials",
            message_ja=(f"BCP用の発行番号が不足しています(必要 {request.copies}、残り {available})。"
                        "回線が復旧するまで交付できません。他の端末で交付してください。"),
            message_en=f"not enough leased BCP serials (need {request.copies}, {available} left)",
        )
        return replace(decision, outcome=Outcome.DENY, reasons=(short, *decision.reasons), content=None, fee_yen=0)

    def issue(self, request: IssuanceRequest, release: SupportRelease | None, printer_id: str) -> IssuanceOutcome:
        self._vouch()
        reason, by = self.stale_override or ("", "")
        request = self._drilled(request)
        self._serials_for(request.copies, self.clock())
        held = self._held_reasons(request, self.clock())
        if held:
            error_type = ProtectedResidentError if held[0].code.startswith("support_measure") else RejectedError
            raise error_type("\n".join(r.message_ja for r in held), "; ".join(r.message_en for r in held),
                             detail=held[0].code)
        try:
            issued = self.issuer.issue(request, user_id=self._user_id(), printer_id=printer_id, now=self.clock(),
                                       stale_override_reason=reason, stale_override_by=by)
        except BcpRefused as exc:
            codes = [r.code for r in exc.decision.reasons if r.blocking]
            raise RejectedError(exc.message_ja or "発行できません。", str(exc),
                                detail=codes[0] if codes else "refused") from exc
        if self.mirror is not None:  # best effort: no reachable peer must not keep the resident waiting
            self.mirror(issued.record.record)
        certs = tuple(IssuedCertificate(c.issue_number, c.content, c.qr_token) for c in issued.certificates)
        return IssuanceOutcome(issuance_id=issued.record.uuid, certificates=certs, fee_yen=issued.decision.fee_yen)

    def history(self, day: date | None = None, atena_no: str | None = None) -> list[HistoryEntry]:
        out = []
        for rec in self.outbox.all_records():
            r = rec.record
            issued_at = datetime.fromisoformat(r["issued_at"])
            if day is not None and japan_date(issued_at) != day:  # the 交付履歴 is kept by the Japanese day
                continue
            if atena_no is not None and r["request"]["subject_atena_no"] != atena_no:
                continue
            out.append(_history_entry(rec.uuid, rec.status, r, issued_at))
        return out

    def void(self, issuance_id: str, reason: str) -> None:
        raise RejectedError("BCPモード中は取消できません。回線復旧後、同期が終わってから取消してください。",
                            "void is not available in BCP mode", detail="bcp_void_unavailable")

    def reprint(self, issuance_id: str, reason: str) -> IssuanceOutcome:
        rec = self.outbox.get(issuance_id)
        if rec is None:
            raise NotFoundError("該当するBCP発行記録がありません。", f"no outbox record {issuance_id}")
        from client.outbox.issuer import certificates_of

        self.outbox.log_access({"at": self.clock().isoformat(), "user_id": self._user_id(), "action": "reprint",
                                "subject": rec.record["request"]["subject_atena_no"], "mode": "bcp",
                                "record_uuid": issuance_id, "reason": reason})
        certs = tuple(IssuedCertificate(c.issue_number, c.content, c.qr_token) for c in certificates_of(rec.record))
        return IssuanceOutcome(issuance_id=issuance_id, certificates=certs, fee_yen=0)


def _history_entry(uuid: str, status: str, r: BcpIssuanceRecord, issued_at: datetime) -> HistoryEntry:
    content = r.get("content", {})
    persons = content.get("persons") or [{}]
    return HistoryEntry(
        issuance_id=uuid,
        issued_at=issued_at,
        cert_type=r["request"]["cert_type"],
        subject_atena_no=r["request"]["subject_atena_no"],
        subject_name=str(persons[0].get("name", "")),
        issue_numbers=tuple(c["issue_number"] for c in r["copies"]),
        copies=len(r["copies"]),
        fee_yen=int(r.get("fee_yen", 0)),
        exemption_reason=str(r.get("exemption_reason", "")),
        user_id=str(r.get("user_id", "")),
        terminal_id="",
        status={"pending": "unsynced", "synced": "issued", "rejected": "rejected"}.get(status, status),
        mode="bcp",
        raw=r,
    )
