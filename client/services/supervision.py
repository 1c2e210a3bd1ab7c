"""The supervisor's side of the counter facade: the BCP conflict review, the emergency holds of
the hall's peers and their proposals to the data centre, the hall's BCP history (issue 18,
docs/peers.md). A mixin of ``CounterService`` (client/services/counter.py), Qt-free like it.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import TYPE_CHECKING, Any

from client.services.conflicts import BcpConflict, ConflictClient
from client.services.emergency import (
    HallHistory,
    HoldProposal,
    HoldProposalClient,
    HoldRecorded,
    build_hall_history,
    check_decision,
    check_hold_input,
    recorded_from_hold,
)
from client.services.errors import ClerkError, LineDownError, PermissionDeniedError, ProtectedResidentError
from client.services.records import StaffUser

if TYPE_CHECKING:
    from client.services.backend import BackendRouter, CounterBackend
    from client.services.counter import Session, SupervisorGrant

log = logging.getLogger("client.services.counter")


class SupervisionMixin:
    """What ``CounterService`` provides to these methods."""

    router: BackendRouter
    municipality_code: str
    peer_group: Any

    if TYPE_CHECKING:
        @property
        def session(self) -> Session: ...
        @property
        def backend(self) -> CounterBackend: ...
        @property
        def mode(self) -> str: ...
        @property
        def drill(self) -> bool: ...
        def today(self) -> date: ...
        def _changed(self, what: str) -> None: ...

    # -- BCP conflict review (supervisor) ----------------------------------------------------

    def _supervisor_api(self, grant: SupervisorGrant | None, refused: PermissionDeniedError,
                        line_down: LineDownError) -> Any:
        """The data-centre API of a supervisor: the grant's session, or the signed-in supervisor's
        online backend. ``refused`` when nobody is a supervisor, ``line_down`` without the line
        (what a supervisor reviews lives at the data centre only)."""
        if grant is not None:
            if not grant.user.is_supervisor:
                raise refused
            backend = grant.backend
        elif self.session.user.is_supervisor:
            backend = self.router.backend("online")
        else:
            raise refused
        api = getattr(backend, "api", None)
        if api is None:
            raise line_down
        return api

    def _conflicts(self, grant: SupervisorGrant | None) -> ConflictClient:
        """The supervisor's session at the data centre (conflicts live on the server only)."""
        return ConflictClient(self._supervisor_api(
            grant, PermissionDeniedError(message_en="BCP conflict review needs a supervisor"),
            LineDownError("BCP照合結果はデータセンターに接続しているときだけ確認できます。",
                          "conflict review needs the online backend")))

    def list_conflicts(self, status: str = "open", grant: SupervisorGrant | None = None) -> list[BcpConflict]:
        return self._conflicts(grant).list(status)

    def conflict(self, conflict_id: int, grant: SupervisorGrant | None = None) -> BcpConflict:
        return self._conflicts(grant).get(conflict_id)

    def resolve_conflict(
        self, conflict_id: int, outcome: str, note: str, grant: SupervisorGrant | None = None
    ) -> BcpConflict:
        resolved = self._conflicts(grant).resolve(conflict_id, outcome, note)
        log.info("BCP conflict %s resolved: %s by %s", conflict_id, outcome, resolved.resolved_by)
        return resolved

    # -- emergency holds and the hall's BCP history (issue 18, docs/peers.md) --------------------

    def _peers(self) -> Any:
        if self.peer_group is None:
            raise ClerkError("この端末では緊急措置を扱えません(BCP用に登録された端末ではありません)。",
                             "no peer group: the terminal is not enrolled for BCP (or runs a drill)")
        return self.peer_group

    def _hold_supervisor(self, grant: SupervisorGrant | None) -> StaffUser:
        if grant is not None and grant.user.is_supervisor:
            return grant.user
        user = self.session.user
        if grant is None and user.is_supervisor:
            return user
        raise PermissionDeniedError(
            "緊急措置の記録は係長(支援措置責任者)のみが行えます。係長の承認が必要です。",
            "recording an emergency hold needs a supervisor")

    def record_emergency_hold(self, kind: str, atena_no: str, reason: str,
                              grant: SupervisorGrant | None = None) -> HoldRecorded:
        """BCP mode only: a supervisor's emergency 抑止 / 仮支援措置 for a person of the register.

        In force on this terminal at once (the BCP rule engine fails closed on it), pushed to every
        reachable peer of the hall, proposed to the data centre on recovery. Bad input, a clerk
        without a supervisor, online mode or an unknown person: a clear error, nothing recorded.
        """
        kind, atena_no, reason = check_hold_input(kind, atena_no, reason)
        supervisor = self._hold_supervisor(grant)
        if self.mode != "bcp" or self.drill:
            raise ClerkError(
                "緊急措置はBCPモード中のみ記録できます。オンライン中はデータセンターで抑止・支援措置を登録してください。",
                "emergency holds are recorded in BCP mode only; online, register the measure at the data centre")
        peers = self._peers()
        if self.session.municipality.code != self.municipality_code:
            raise PermissionDeniedError("他団体の職員は、この団体の緊急措置を記録できません。",
                                        "a partner municipality's staff may not record this one's holds")
        try:
            self.backend.resident(atena_no)  # a person of the register (a typo would hold nobody)
        except ProtectedResidentError:
            pass  # protected already: the hold is still recorded (it outlives a stale replica)
        hold, report = peers.record_hold(kind, atena_no, reason, supervisor=supervisor.user_id)
        log.warning("emergency hold %s (%s) for %s recorded by %s; peers reached %s, unreachable %s",
                    hold.hold_id, kind, atena_no, supervisor.user_id, report.reached, sorted(report.unreachable))
        self._changed("hold")
        return recorded_from_hold(hold, tuple(report.reached), tuple(sorted(report.unreachable)))

    def emergency_holds(self) -> list[HoldRecorded]:
        """The holds in force on this terminal (its own and its peers'), oldest first."""
        if self.peer_group is None:
            return []
        return [recorded_from_hold(h) for h in self.peer_group.holds.holds()]

    def emergency_hold_count(self) -> int:
        return 0 if self.peer_group is None else int(self.peer_group.holds.count())

    def hall_history(self, day: date | None = None) -> HallHistory:
        """The hall's BCP issuances of ``day`` (default: today, Japanese day): this window's and the
        peers' — asked over the LAN, or the copies mirrored here — with duplicates marked."""
        self.session  # noqa: B018
        rows, unreachable = self._peers().hall_history((day or self.today()).isoformat())
        return build_hall_history(rows, unreachable)

    def _proposals(self, grant: SupervisorGrant | None) -> HoldProposalClient:
        """The supervisor's session at the data centre (the proposals are kept there only)."""
        return HoldProposalClient(self._supervisor_api(
            grant, PermissionDeniedError("緊急措置の確定は係長(支援措置責任者)のみが行えます。",
                                         "hold proposals need a supervisor"),
            LineDownError("緊急措置の提案はデータセンターに接続しているときだけ確認できます。",
                          "hold proposals need the online backend")))

    def list_hold_proposals(self, status: str = "proposed", grant: SupervisorGrant | None = None
                            ) -> list[HoldProposal]:
        return self._proposals(grant).list(status)

    def decide_hold_proposal(self, hold_id: str, outcome: str, note: str,
                             grant: SupervisorGrant | None = None) -> HoldProposal:
        """``outcome`` "confirm" (a real 抑止 / 仮支援措置 in the register) or "decline" (note required)."""
        check_decision(outcome, note)
        decided = self._proposals(grant).decide(hold_id, outcome, note)
        log.info("hold proposal %s %s by %s", hold_id, decided.status, decided.decided_by)
        return decided
