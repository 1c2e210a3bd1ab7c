"""Recording a 支援措置, an 抑止 or a 異動 (転出・死亡) at the data centre — validated, audited, and
carried to the terminals' replicas by the change feed, all in one transaction.

Shared by the API (``server_stub.api.register``, roles 支援措置責任者 and admin) and by
``madoguchi-server register …`` (the operator signs in with a staff account of those roles).
Bad input raises :class:`RegisterError` before anything is written; the caller rolls back.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from client.domain.model import Process, SuppressionLevel
from server_stub.audit import chain as audit
from server_stub.errors import Refusal
from server_stub.models import Household, Resident, SupportMeasure, Suppression
from server_stub.register import writes as registry

ROLES = ("supervisor", "admin")  # 支援措置責任者 (係長) and administrators
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
REMOVAL_STATUSES = {"moved_out": "転出", "deceased": "死亡"}


class RegisterError(Refusal):
    """A register change refused (``Refusal(status, code, message_ja, message_en)``)."""


def _bad(message_ja: str, message_en: str, code: str = "invalid_register_change") -> RegisterError:
    return RegisterError(422, code, message_ja, message_en)


@dataclass(frozen=True)
class Actor:
    user_id: str
    terminal_id: str  # the terminal of the API call, or "madoguchi-server" for the CLI


def _check_id(value: str, what_ja: str, what_en: str) -> str:
    value = (value or "").strip()
    if not _ID.match(value):
        raise _bad(f"{what_ja}は英数字・ハイフン・下線で1〜32文字にしてください。",
                   f"{what_en} must be 1-32 characters of A-Z a-z 0-9 - _")
    return value


def _check_text(value: str, what_ja: str, what_en: str, limit: int, *, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise _bad(f"{what_ja}を入力してください。", f"{what_en} is required")
    if len(value) > limit:
        raise _bad(f"{what_ja}は{limit}文字以内にしてください。", f"{what_en} is longer than {limit} characters")
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in value):
        raise _bad(f"{what_ja}に制御文字が含まれています。", f"{what_en} contains control characters")
    return value


def _check_period(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and end < start:
        raise _bad("終了日が開始日より前です。", "end is before start")


def _residents(session: Session, code: str, atena_nos: Sequence[str], what_ja: str, what_en: str) -> list[str]:
    cleaned = [str(a).strip() for a in atena_nos if str(a).strip()]
    if len(set(cleaned)) != len(cleaned):
        raise _bad(f"{what_ja}に同じ宛名番号が重複しています。", f"{what_en}: duplicate 宛名番号")
    if cleaned:
        found = set(session.scalars(select(Resident.atena_no).where(Resident.municipality_code == code,
                                                                    Resident.atena_no.in_(cleaned))))
        missing = [a for a in cleaned if a not in found]
        if missing:
            raise _bad(f"{what_ja}の宛名番号 {', '.join(missing)} はこの団体の住民記録にありません。",
                       f"{what_en}: unknown 宛名番号 {', '.join(missing)}", "unknown_resident")
    return cleaned


def record_support_measure(session: Session, code: str, actor: Actor, now: datetime, *, measure_id: str,
                           protected: Sequence[str], perpetrator_names: Sequence[str] = (),
                           perpetrator_atena_nos: Sequence[str] = (), start: date | None = None,
                           end: date | None = None, provisional: bool = False,
                           processes: Sequence[str] = ("hakko", "shokai")) -> dict[str, Any]:
    """支援措置 (DV・ストーカー等): the protected persons and, as far as known, the perpetrators."""
    measure_id = _check_id(measure_id, "支援措置の番号", "measure_id")
    protected_list = _residents(session, code, protected, "保護対象者", "protected")
    if not protected_list:
        raise _bad("保護対象者の宛名番号を1件以上指定してください。", "at least one protected 宛名番号 is required")
    perpetrators = _residents(session, code, perpetrator_atena_nos, "加害者", "perpetrator_atena_nos")
    if set(perpetrators) & set(protected_list):
        raise _bad("同じ住民を保護対象者と加害者の両方に指定できません。", "a person cannot be both protected and perpetrator")
    names = [_check_text(n, "加害者の氏名", "perpetrator name", 100, required=True) for n in perpetrator_names]
    try:
        process_values = sorted({Process(p.strip()).value for p in processes})
    except ValueError as exc:
        raise _bad("対象業務は hakko・shokai・ido から選んでください。", f"processes: {exc}") from exc
    if not process_values:
        raise _bad("対象業務を1つ以上指定してください。", "at least one process is required")
    start = start or now.date()
    _check_period(start, end)
    if session.scalar(select(func.count()).select_from(SupportMeasure).where(
            SupportMeasure.municipality_code == code, SupportMeasure.measure_id == measure_id)):
        raise RegisterError(409, "duplicate_measure", f"支援措置 {measure_id} はすでに登録されています。",
                            f"support measure {measure_id} already exists")
    registry.add_support_measure(session, code, measure_id=measure_id, protected=protected_list, now=now,
                                 perpetrator_names=names, perpetrator_atena_nos=perpetrators, start=start, end=end,
                                 provisional=provisional, processes=",".join(process_values))
    audit.append(session, code, now=now, user_id=actor.user_id, terminal_id=actor.terminal_id,
                 action="register_support_measure", subject=",".join(protected_list),
                 detail={"measure_id": measure_id, "protected": len(protected_list), "perpetrators": len(perpetrators),
                         "perpetrator_names": len(names), "start": start.isoformat(),
                         "end": end.isoformat() if end else None, "provisional": provisional,
                         "processes": process_values})
    return {"measure_id": measure_id, "protected": protected_list, "perpetrator_atena_nos": perpetrators,
            "start": start.isoformat(), "end": end.isoformat() if end else None, "provisional": provisional,
            "processes": process_values}


def record_suppression(session: Session, code: str, actor: Actor, now: datetime, *, suppression_id: str,
                       process: str, level: str, reason: str, atena_no: str | None = None,
                       household_no: str | None = None, start: date | None = None,
                       end: date | None = None) -> dict[str, Any]:
    """抑止: a person or a whole household, for one process, blocking (error) or warning (alert)."""
    suppression_id = _check_id(suppression_id, "抑止の番号", "suppression_id")
    atena_no = (atena_no or "").strip() or None
    household_no = (household_no or "").strip() or None
    if (atena_no is None) == (household_no is None):
        raise _bad("宛名番号か世帯番号のどちらか一方を指定してください。", "give exactly one of atena_no and household_no")
    if atena_no is not None:
        _residents(session, code, [atena_no], "抑止の対象", "atena_no")
    elif not session.scalar(select(func.count()).select_from(Household).where(
            Household.municipality_code == code, Household.household_no == household_no)):
        raise _bad(f"世帯番号 {household_no} はこの団体の住民記録にありません。",
                   f"unknown household {household_no}", "unknown_household")
    try:
        process_value = Process(process.strip()).value
        level_value = SuppressionLevel(level.strip()).value
    except ValueError as exc:
        raise _bad("対象業務は hakko・shokai・ido、区分は error(抑止)・alert(警告)から選んでください。",
                   f"process/level: {exc}") from exc
    reason = _check_text(reason, "抑止の理由", "reason", 200, required=True)
    _check_period(start, end)
    if session.scalar(select(func.count()).select_from(Suppression).where(
            Suppression.municipality_code == code, Suppression.suppression_id == suppression_id)):
        raise RegisterError(409, "duplicate_suppression", f"抑止 {suppression_id} はすでに登録されています。",
                            f"suppression {suppression_id} already exists")
    registry.add_suppression(session, code, suppression_id=suppression_id, process=process_value, level=level_value,
                             now=now, atena_no=atena_no, household_no=household_no, start=start, end=end,
                             reason=reason)
    audit.append(session, code, now=now, user_id=actor.user_id, terminal_id=actor.terminal_id,
                 action="register_suppression", subject=atena_no or household_no or "",
                 detail={"suppression_id": suppression_id, "process": process_value, "level": level_value,
                         "household": household_no is not None, "reason": reason})
    return {"suppression_id": suppression_id, "atena_no": atena_no, "household_no": household_no,
            "process": process_value, "level": level_value, "reason": reason,
            "start": start.isoformat() if start else None, "end": end.isoformat() if end else None}


def record_removal(session: Session, code: str, actor: Actor, now: datetime, *, atena_no: str, status: str,
                   removed_on: date, reason: str = "") -> dict[str, Any]:
    """異動 (転出・死亡): the person becomes a 除票 record as of ``removed_on``."""
    if status not in REMOVAL_STATUSES:
        raise _bad("異動の種類は moved_out(転出)か deceased(死亡)を指定してください。",
                   f"status must be one of {', '.join(REMOVAL_STATUSES)}")
    (atena_no,) = _residents(session, code, [atena_no], "異動の対象", "atena_no") or [""]
    if not atena_no:
        raise _bad("宛名番号を指定してください。", "atena_no is required")
    if removed_on > now.date():
        raise _bad("消除日に未来の日付は指定できません。", "removed_on is in the future")
    person = session.scalars(select(Resident).where(Resident.municipality_code == code,
                                                    Resident.atena_no == atena_no)).one()
    if person.status != "resident":
        raise RegisterError(409, "already_removed", "この住民はすでに除票になっています。",
                            f"resident {atena_no} is already {person.status}")
    if person.became_resident_on is not None and removed_on < person.became_resident_on:
        raise _bad("消除日が住民となった日より前です。", "removed_on is before the person became a resident")
    reason = _check_text(reason or REMOVAL_STATUSES[status], "消除事由", "reason", 32)
    registry.mark_removed(session, code, atena_no, status=status, removed_on=removed_on, reason=reason, now=now)
    audit.append(session, code, now=now, user_id=actor.user_id, terminal_id=actor.terminal_id,
                 action="register_removal", subject=atena_no,
                 detail={"status": status, "removed_on": removed_on.isoformat(), "reason": reason})
    return {"atena_no": atena_no, "status": status, "removed_on": removed_on.isoformat(), "reason": reason}


# ---------------------------------------------------------------------------------------------
# madoguchi-server register support-measure | suppression | removal
# ---------------------------------------------------------------------------------------------

CLI_TERMINAL = "madoguchi-server"


def register(sub: Any) -> None:
    p = sub.add_parser(
        "register",
        help="支援措置・抑止・異動(転出・死亡)を記録する (支援措置責任者・管理者) / record register changes",
        description="Record a 支援措置, an 抑止 or a 異動 for a municipality, audited and replicated to its "
                    "terminals. The operator signs in with a staff account of role supervisor or admin "
                    "(--user, password on standard input).",
    )
    kinds = p.add_subparsers(dest="kind", required=True)

    def common(q: Any) -> None:
        q.add_argument("--db", default=None)
        q.add_argument("--municipality", required=True, help="全国地方公共団体コード")
        q.add_argument("--user", required=True, help="staff ID (支援措置責任者 or admin)")
        q.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
        q.add_argument("--json", action="store_true")

    sm = kinds.add_parser("support-measure", help="支援措置 (DV・ストーカー等)")
    common(sm)
    sm.add_argument("--measure-id", required=True)
    sm.add_argument("--protected", required=True, help="comma-separated 宛名番号 of the protected persons")
    sm.add_argument("--perpetrator-name", action="append", default=[], help="加害者の氏名 (repeatable)")
    sm.add_argument("--perpetrator", default="", help="comma-separated 宛名番号 of perpetrators on the register")
    sm.add_argument("--start", type=date.fromisoformat, default=None, help="YYYY-MM-DD (default today)")
    sm.add_argument("--end", type=date.fromisoformat, default=None, help="YYYY-MM-DD")
    sm.add_argument("--provisional", action="store_true", help="仮支援措置")
    sm.add_argument("--processes", default="hakko,shokai", help="comma-separated: hakko, shokai, ido")
    sm.set_defaults(func=_run)

    su = kinds.add_parser("suppression", help="抑止 (person or household)")
    common(su)
    su.add_argument("--suppression-id", required=True)
    target = su.add_mutually_exclusive_group(required=True)
    target.add_argument("--atena-no")
    target.add_argument("--household-no")
    su.add_argument("--process", required=True, help="hakko, shokai or ido")
    su.add_argument("--level", default="error", help="error (抑止) or alert (警告)")
    su.add_argument("--reason", required=True)
    su.add_argument("--start", type=date.fromisoformat, default=None)
    su.add_argument("--end", type=date.fromisoformat, default=None)
    su.set_defaults(func=_run)

    rm = kinds.add_parser("removal", help="異動: 転出 (moved_out) or 死亡 (deceased)")
    common(rm)
    rm.add_argument("--atena-no", required=True)
    rm.add_argument("--status", required=True, choices=sorted(REMOVAL_STATUSES))
    rm.add_argument("--removed-on", required=True, type=date.fromisoformat, help="消除日 YYYY-MM-DD")
    rm.add_argument("--reason", default="")
    rm.set_defaults(func=_run)


def _split(text: str) -> list[str]:
    return [t.strip() for t in (text or "").split(",") if t.strip()]


def check_operator(session: Session, code: str, user_id: str, password: str) -> Actor:
    """The operator's staff account: active, right password, role supervisor or admin."""
    from server_stub.auth.passwords import verify_password
    from server_stub.models import Staff

    staff = session.scalars(select(Staff).where(Staff.municipality_code == code, Staff.user_id == user_id)).first()
    if not verify_password(staff.password_hash if staff else None, password) or staff is None \
            or not staff.active or staff.locked:
        raise RegisterError(401, "sign_in_failed", "職員IDまたはパスワードが違います。", "wrong staff ID or password")
    if staff.role not in ROLES:
        raise RegisterError(403, "forbidden_role", "この操作には支援措置責任者または管理者の権限が必要です。",
                            f"role {staff.role} may not record register changes")
    return Actor(user_id, CLI_TERMINAL)


def _run(args: Any) -> int:
    import sys

    from server_stub.clock import now_jst
    from server_stub.config import resolve_db_url
    from server_stub.db import begin_write, make_engine, make_sessionmaker

    password = sys.stdin.readline().rstrip("\r\n") if args.password_stdin else ""
    if not password:
        print("エラー: パスワードを標準入力から渡してください(--password-stdin)。\n"
              "error: password required via --password-stdin", file=sys.stderr)
        return 2
    engine = make_engine(resolve_db_url(args.db))
    try:
        with make_sessionmaker(engine)() as session:
            begin_write(session)
            try:
                actor = check_operator(session, args.municipality, args.user, password)
                now = now_jst()
                if args.kind == "support-measure":
                    out = record_support_measure(
                        session, args.municipality, actor, now, measure_id=args.measure_id,
                        protected=_split(args.protected), perpetrator_names=args.perpetrator_name,
                        perpetrator_atena_nos=_split(args.perpetrator), start=args.start, end=args.end,
                        provisional=args.provisional, processes=_split(args.processes))
                elif args.kind == "suppression":
                    out = record_suppression(
                        session, args.municipality, actor, now, suppression_id=args.suppression_id,
                        atena_no=args.atena_no, household_no=args.household_no, process=args.process,
                        level=args.level, reason=args.reason, start=args.start, end=args.end)
                else:
                    out = record_removal(session, args.municipality, actor, now, atena_no=args.atena_no,
                                         status=args.status, removed_on=args.removed_on, reason=args.reason)
            except RegisterError as exc:
                session.rollback()
                print(exc.cli_text(), file=sys.stderr)
                return 1
            session.commit()
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print(f"記録しました / recorded: {args.kind} {json.dumps(out, ensure_ascii=False)}")
    return 0
