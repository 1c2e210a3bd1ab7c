"""Emergency holds and the hall's BCP history, as the counter window and the CLI see them (issue 18).

* recording a hold: a supervisor, BCP mode, a person of the register, a reason
  (``check_hold_input``; ``CounterService.record_emergency_hold`` hands it to the hall's peer
  group, ``client.peers.group.PeerGroup.record_hold``, which enforces it here at once and pushes it
  to every reachable peer);
* the proposals the holds become on recovery, which a supervisor confirms or declines online
  (``HoldProposalClient`` over the supervisor's API session; docs/peers.md);
* the hall's BCP history of a day (``HallHistory``): this terminal's issuances beside its peers',
  with the person + certificate type issued at two windows marked.

Qt-free, like the rest of ``client.services``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from client.peers.holds import ATENA_RE, KINDS
from client.services.errors import ClerkError
from client.services.online_api import OnlineApi
from client.services.records import HistoryEntry

API = "/api/v1/peers/hold-proposals"
KIND_LABELS = dict(KINDS)  # suppression → 緊急抑止, provisional_support → 仮支援措置
KIND_EN = {"suppression": "emergency suppression", "provisional_support": "provisional support measure"}
STATUS_LABELS = {"proposed": "確認待ち", "confirmed": "確定", "declined": "取下げ"}
MAX_REASON = 200


class HoldInputError(ClerkError):
    default_ja = "緊急措置の入力内容が正しくありません。"


def check_hold_input(kind: str, atena_no: str, reason: str) -> tuple[str, str, str]:
    """The stripped (kind, 宛名番号, reason), or ``HoldInputError`` (nothing is recorded)."""
    kind, atena_no, reason = (kind or "").strip(), (atena_no or "").strip(), (reason or "").strip()
    if kind not in KIND_LABELS:
        raise HoldInputError("緊急措置の種類は「緊急抑止」か「仮支援措置」を選んでください。",
                             f"unknown hold kind {kind!r}")
    if not ATENA_RE.match(atena_no):
        raise HoldInputError("対象者(宛名番号)を指定してください。", f"bad atena_no {atena_no!r}")
    if not reason:
        raise HoldInputError("理由を入力してください。", "a hold needs a reason")
    if len(reason) > MAX_REASON:
        raise HoldInputError(f"理由は{MAX_REASON}文字以内で入力してください。",
                             f"hold reason over {MAX_REASON} characters")
    return kind, atena_no, reason


@dataclass(frozen=True)
class HoldRecorded:
    """A hold in force on this terminal, and which peers took it."""

    hold_id: str
    kind: str
    atena_no: str
    reason: str
    recorded_by: str
    origin: str
    recorded_at: str
    reached: tuple[str, ...] = ()
    unreachable: tuple[str, ...] = ()

    @property
    def kind_ja(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    def to_dict(self) -> dict[str, Any]:
        return {"hold_id": self.hold_id, "kind": self.kind, "atena_no": self.atena_no, "reason": self.reason,
                "recorded_by": self.recorded_by, "origin": self.origin, "recorded_at": self.recorded_at,
                "reached": list(self.reached), "unreachable": list(self.unreachable)}


def recorded_from_hold(hold: Any, reached: tuple[str, ...] = (), unreachable: tuple[str, ...] = ()) -> HoldRecorded:
    return HoldRecorded(hold_id=hold.hold_id, kind=hold.kind, atena_no=hold.atena_no, reason=hold.reason,
                        recorded_by=hold.recorded_by, origin=hold.origin, recorded_at=hold.recorded_at,
                        reached=tuple(reached), unreachable=tuple(unreachable))


@dataclass(frozen=True)
class HoldProposal:
    """An emergency hold as the data centre stored it, waiting for (or past) a supervisor's decision."""

    hold_id: str
    kind: str
    atena_no: str
    reason: str
    recorded_by: str
    origin_terminal: str
    recorded_at: datetime | None
    status: str
    decided_by: str = ""
    decided_at: datetime | None = None
    note: str = ""
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def kind_ja(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def status_ja(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def is_open(self) -> bool:
        return self.status == "proposed"


def _dt(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def proposal_from_dict(d: dict[str, Any]) -> HoldProposal:
    return HoldProposal(
        hold_id=str(d.get("hold_id", "")), kind=str(d.get("kind", "")), atena_no=str(d.get("atena_no", "")),
        reason=str(d.get("reason", "")), recorded_by=str(d.get("recorded_by", "")),
        origin_terminal=str(d.get("origin_terminal", "")), recorded_at=_dt(d.get("recorded_at")),
        status=str(d.get("status", "")), decided_by=str(d.get("decided_by") or ""),
        decided_at=_dt(d.get("decided_at")), note=str(d.get("note") or ""), raw=d)


def check_decision(outcome: str, note: str) -> str:
    """Validate a decision before it goes to the server; returns the stripped note."""
    if outcome not in ("confirm", "decline"):
        raise ClerkError("「確定」か「取下げ」を選んでください。", f"unknown decision {outcome!r}")
    note = (note or "").strip()
    if outcome == "decline" and not note:
        raise ClerkError("取り下げの理由を入力してください。", "a decline needs a note")
    if len(note) > 1000:
        raise ClerkError("記入内容は1000文字以内にしてください。", "decision note over 1000 characters")
    return note


class HoldProposalClient:
    """The proposal endpoints (``server_stub/peers/api.py``) over one supervisor's API session."""

    def __init__(self, api: OnlineApi) -> None:
        self.api = api

    def list(self, status: str = "proposed") -> list[HoldProposal]:
        if status not in ("proposed", "confirmed", "declined", "all"):
            raise ClerkError(message_en=f"unknown proposal status filter {status!r}")
        d = self.api.get(API, status=status)
        return [proposal_from_dict(p) for p in (d or {}).get("proposals", ())]

    def decide(self, hold_id: str, outcome: str, note: str) -> HoldProposal:
        note = check_decision(outcome, note)
        d = self.api.post(f"{API}/{hold_id}/{outcome}", {"note": note})
        return proposal_from_dict(d)


# -- the hall's BCP history ----------------------------------------------------------------------


@dataclass(frozen=True)
class HallHistory:
    """The hall's BCP issuances of a day: ``duplicates`` are the issuance ids whose person and
    certificate type were issued at more than one window; ``unreachable`` the peers that did not
    answer (their records shown are the copies mirrored here, if any)."""

    entries: tuple[HistoryEntry, ...]
    duplicates: frozenset[str]
    unreachable: tuple[str, ...] = ()

    def is_duplicate(self, entry: HistoryEntry) -> bool:
        return entry.issuance_id in self.duplicates


def hall_entry(row: dict[str, Any]) -> HistoryEntry:
    numbers = tuple(str(n) for n in row.get("issue_numbers") or ())
    return HistoryEntry(
        issuance_id=str(row.get("uuid", "")), issued_at=_dt(row.get("issued_at")),
        cert_type=str(row.get("cert_type", "")), subject_atena_no=str(row.get("subject_atena_no", "")),
        subject_name=str(row.get("subject_name", "")), issue_numbers=numbers, copies=len(numbers),
        fee_yen=int(row.get("fee_yen", 0) or 0), exemption_reason="", user_id=str(row.get("user_id", "")),
        terminal_id=str(row.get("terminal_id", "")), status=str(row.get("status", "")), mode="bcp", raw=row)


def mark_duplicates(entries: list[HistoryEntry] | tuple[HistoryEntry, ...]) -> frozenset[str]:
    """Issuance ids of the same person and certificate type issued at two or more windows."""
    groups: dict[tuple[str, str], list[HistoryEntry]] = {}
    for e in entries:
        if e.voided or e.status == "rejected":
            continue
        groups.setdefault((e.subject_atena_no, e.cert_type), []).append(e)
    out: set[str] = set()
    for group in groups.values():
        if len({e.terminal_id for e in group}) > 1:
            out.update(e.issuance_id for e in group)
    return frozenset(out)


def build_hall_history(rows: list[dict[str, Any]], unreachable: dict[str, str]) -> HallHistory:
    entries = sorted((hall_entry(r) for r in rows), key=lambda e: (e.issued_at is None, e.issued_at), reverse=True)
    return HallHistory(tuple(entries), mark_duplicates(entries), tuple(sorted(unreachable)))
