"""BCP reconciliation for the supervisor (Qt-free).

* Conflict review: the server reconciles every BCP issuance pushed back from a terminal's outbox
  and records a conflict when the authoritative data disagrees (moved out, deceased, 支援措置,
  抑止, would be refused, printed content differs). A supervisor lists them, looks at both sides
  and records an outcome (問題なし / 回収要 / その他 with a note) — ``/api/v1/bcp/conflicts``.
* The day-close guard: the 日計表 is refused while BCP issuances wait in the outbox
  (``UnsyncedBcpError``), unless a supervisor acknowledges the unsynced count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from client.domain.model import CertificateContent, Reason
from client.services.backend import reasons_from_dicts
from client.services.errors import ClerkError
from client.services.online_api import OnlineApi

API = "/api/v1/bcp"

CODE_LABELS: dict[str, str] = {
    "moved_out": "転出済",
    "deceased": "死亡",
    "support_measure": "支援措置",
    "suppression": "抑止",
    "server_would_deny": "センターの記録では発行不可",
    "content_differs": "記載内容の相違",
}

OUTCOME_LABELS: dict[str, str] = {"no_problem": "問題なし", "recall": "回収要", "other": "その他"}

STATUS_LABELS: dict[str, str] = {"open": "未処理", "resolved": "処理済"}

FIELD_LABELS: dict[str, str] = {
    "address": "住所",
    "person": "記載の有無",
    "name": "氏名",
    "kana": "フリガナ",
    "birth_text": "生年月日",
    "sex_text": "性別",
    "relation": "続柄",
    "became_resident_text": "住民となった日",
    "jutei_text": "住定日",
    "notified_text": "届出日",
    "previous_address": "前住所",
    "honseki": "本籍",
    "hittousha": "筆頭者",
    "my_number": "個人番号",
}

_SERVER_OUTCOME_LABELS = {"allow": "交付可", "deny": "交付不可", "needs_release": "解除が必要"}


class UnsyncedBcpError(ClerkError):
    """The 日計表 may not be closed while BCP issuances wait in the outbox (without a supervisor)."""

    default_ja = "BCPモードで発行した記録がまだ同期されていません。"

    def __init__(self, count: int) -> None:
        super().__init__(
            f"BCPモードで発行した {count} 件がまだ同期されていません。"
            "回線復旧後に同期してから日計を締めてください。係長の確認で締めることもできます。",
            f"day close refused: {count} BCP issuance(s) not yet synced",
        )
        self.count = count


def unsynced_note(count: int, supervisor_name: str) -> str:
    """The line a day close acknowledged by a supervisor carries (screen and PDF)."""
    return f"未同期のBCP発行 {count} 件あり(係長 {supervisor_name} 確認)"


@dataclass(frozen=True)
class ConflictDifference:
    """One field where what the terminal printed differs from what the server would print."""

    field: str
    atena_no: str
    bcp: Any
    server: Any

    @property
    def field_ja(self) -> str:
        return FIELD_LABELS.get(self.field, self.field)

    @staticmethod
    def show(value: Any) -> str:
        if isinstance(value, bool):
            return "あり" if value else "なし"
        return "" if value is None else str(value)


@dataclass(frozen=True)
class BcpConflict:
    """One reconciliation conflict with both sides kept: what was printed, and the server's view."""

    id: int
    issuance_id: str
    client_uuid: str
    subject_atena_no: str
    codes: tuple[str, ...]
    created_at: datetime | None
    status: str
    outcome: str = ""
    note: str = ""
    resolved_by: str = ""
    resolved_at: datetime | None = None
    bcp_content: CertificateContent | None = None
    bcp_issue_numbers: tuple[str, ...] = ()  # the 発行番号 printed, one per copy
    bcp_data_as_of: datetime | None = None
    server_outcome: str = ""
    server_reasons: tuple[Reason, ...] = ()
    server_content: CertificateContent | None = None
    differences: tuple[ConflictDifference, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def codes_ja(self) -> tuple[str, ...]:
        return tuple(CODE_LABELS.get(c, c) for c in self.codes)

    @property
    def status_ja(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def outcome_ja(self) -> str:
        return OUTCOME_LABELS.get(self.outcome, self.outcome)

    @property
    def server_outcome_ja(self) -> str:
        return _SERVER_OUTCOME_LABELS.get(self.server_outcome, self.server_outcome)

    @property
    def subject_name(self) -> str:
        """The subject's name as printed (empty when the BCP content lacks the person)."""
        content = self.bcp_content
        if content is None:
            return ""
        for person in content.persons:
            if person.atena_no == self.subject_atena_no:
                return person.name
        return content.persons[0].name if content.persons else ""


def _dt(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def _content(value: Any) -> CertificateContent | None:
    if not isinstance(value, dict):
        return None
    try:
        return CertificateContent.from_dict(value)
    except (KeyError, TypeError, ValueError):
        return None


def conflict_from_dict(d: dict[str, Any]) -> BcpConflict:
    detail = d.get("detail") or {}
    bcp = detail.get("bcp") or {}
    server = detail.get("server") or {}
    content = _content(bcp.get("content"))
    as_of = _dt(bcp.get("data_as_of")) or (content.data_as_of if content is not None else None)
    return BcpConflict(
        id=int(d["id"]),
        issuance_id=str(d.get("issuance_id", "")),
        client_uuid=str(d.get("client_uuid", "")),
        subject_atena_no=str(d.get("subject_atena_no", "")),
        codes=tuple(str(c) for c in d.get("codes", ()) if c),
        created_at=_dt(d.get("created_at")),
        status=str(d.get("status", "open")),
        outcome=str(d.get("outcome") or ""),
        note=str(d.get("note") or ""),
        resolved_by=str(d.get("resolved_by") or ""),
        resolved_at=_dt(d.get("resolved_at")),
        bcp_content=content,
        bcp_issue_numbers=tuple(str(n) for n in bcp.get("issue_numbers") or () if n)
        or ((content.issue_number,) if content is not None and content.issue_number else ()),
        bcp_data_as_of=as_of,
        server_outcome=str(server.get("outcome", "")),
        server_reasons=reasons_from_dicts(server.get("reasons")),
        server_content=_content(server.get("content")),
        differences=tuple(
            ConflictDifference(
                field=str(x.get("field", "")), atena_no=str(x.get("atena_no", "") or ""),
                bcp=x.get("bcp"), server=x.get("server"),
            )
            for x in detail.get("differences", ())
            if isinstance(x, dict)
        ),
        raw=d,
    )


def check_resolution(outcome: str, note: str) -> str:
    """Validate a resolution before it goes to the server; returns the stripped note."""
    if outcome not in OUTCOME_LABELS:
        raise ClerkError("処理結果は「問題なし」「回収要」「その他」から選んでください。",
                           f"unknown conflict outcome {outcome!r}")
    note = note.strip()
    if outcome == "other" and not note:
        raise ClerkError("「その他」の場合は内容を記入してください。", "a note is required for outcome 'other'")
    return note


class ConflictClient:
    """The three conflict endpoints over one supervisor's API session."""

    def __init__(self, api: OnlineApi) -> None:
        self.api = api

    def list(self, status: str = "open") -> list[BcpConflict]:
        if status not in ("open", "resolved", "all"):
            raise ClerkError(message_en=f"unknown conflict status filter {status!r}")
        d = self.api.get(f"{API}/conflicts", status=status)
        return [conflict_from_dict(c) for c in (d or {}).get("conflicts", ())]

    def get(self, conflict_id: int) -> BcpConflict:
        return conflict_from_dict(self.api.get(f"{API}/conflicts/{int(conflict_id)}"))

    def resolve(self, conflict_id: int, outcome: str, note: str) -> BcpConflict:
        note = check_resolution(outcome, note)
        d = self.api.post(f"{API}/conflicts/{int(conflict_id)}/resolve", {"outcome": outcome, "note": note})
        return conflict_from_dict(d)
