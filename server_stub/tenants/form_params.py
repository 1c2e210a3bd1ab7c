"""様式パラメータ (form parameters) on the server: storage, change feed, replica data, CLI.

Meaning: ``client.domain.form_params`` and forms/README.md. Every write validates first (unknown
form or key, too long, control characters, a character no certificate font holds, text that
does not fit the form's box: ``FormParameterError``, nothing written), then changes the row,
records a ``form_parameter`` change (key = form id; a row returning to all defaults is deleted,
which the feed carries as a delete) and an access-log entry, all in one transaction.

``madoguchi-server form-params set|list|clear --municipality CODE [--form ID] [--set KEY=VALUE ...]``;
the admin API is ``server_stub.api.form_params``.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from client.domain.form_params import (
    FORM_IDS,
    REGISTRATION_NO_FORMS,
    FormParameterError,
    FormParameters,
    apply_changes,
    check_form_id,
)
from server_stub.audit import chain as audit
from server_stub.models import FormParameter, Municipality
from server_stub.replica import changes

KIND = "form_parameter"


def _check_text(form_id: str, key: str, text: str) -> None:
    from client.printing.form_param_check import check_text

    check_text(form_id, key, text)


def to_params(row: FormParameter | Any) -> FormParameters:
    return FormParameters(form_id=row.form_id, certification_text=row.certification_text or "",
                          note=row.note or "", enabled=bool(row.enabled),
                          registration_no=bool(getattr(row, "registration_no", False)))


def replica_data(row: Any) -> dict[str, Any]:
    """The replicated record data of a ``form_parameters`` row (``FormParameters.to_dict()``)."""
    return FormParameters(form_id=row.form_id, certification_text=row.certification_text or "",
                          note=row.note or "", enabled=bool(row.enabled),
                          registration_no=bool(getattr(row, "registration_no", False))).to_dict()


_FORM_PARAMETERS = select(*FormParameter.__table__.c).where(
    FormParameter.__table__.c.municipality_code == bindparam("code"))


def load(session: Session, code: str) -> dict[str, FormParameters]:
    """All form parameters of a municipality, by form id (forms without a row are absent).
    Read on every evaluation and issuance: a Core statement built once (issue 23)."""
    rows = session.execute(_FORM_PARAMETERS, {"code": code}).all()
    return {r.form_id: to_params(r) for r in rows}


def _require_municipality(session: Session, code: str) -> None:
    if session.get(Municipality, code) is None:
        raise FormParameterError(f"団体コード {code} は登録されていません。", f"unknown municipality {code}")


def set_params(session: Session, code: str, form_id: str, values: dict[str, Any], *, now: datetime,
               user_id: str, terminal_id: str = "") -> FormParameters:
    """Apply ``values`` to one form's parameters in the caller's write transaction."""
    _require_municipality(session, code)
    check_form_id(form_id)
    row = session.get(FormParameter, (code, form_id))
    current = to_params(row) if row is not None else FormParameters(form_id)
    new = apply_changes(current, values, check=_check_text)
    _store(session, code, row, new, now=now, user_id=user_id)
    audit.append(session, code, now=now, user_id=user_id, terminal_id=terminal_id, action="set_form_parameters",
                 subject=form_id, detail={"keys": sorted(values), **new.to_dict()})
    return new


def clear_params(session: Session, code: str, form_id: str, *, now: datetime, user_id: str,
                 terminal_id: str = "") -> bool:
    """Return one form to the defaults (row deleted, a delete in the feed); False if nothing was set."""
    _require_municipality(session, code)
    check_form_id(form_id)
    row = session.get(FormParameter, (code, form_id))
    if row is None:
        return False
    _store(session, code, row, FormParameters(form_id), now=now, user_id=user_id)
    audit.append(session, code, now=now, user_id=user_id, terminal_id=terminal_id,
                 action="clear_form_parameters", subject=form_id)
    return True


def _store(session: Session, code: str, row: FormParameter | None, new: FormParameters, *, now: datetime,
           user_id: str) -> None:
    if new.is_default:
        if row is not None:
            session.delete(row)
            session.flush()
            changes.record_change(session, code, KIND, new.form_id, changes.DELETE, now)
        return
    if row is None:
        row = FormParameter(municipality_code=code, form_id=new.form_id)
        session.add(row)
    row.certification_text = new.certification_text
    row.note = new.note
    row.enabled = new.enabled
    row.registration_no = new.registration_no
    row.updated_at = now
    row.updated_by = user_id[:64]
    session.flush()
    changes.record_change(session, code, KIND, new.form_id, changes.UPSERT, now)


def listing(session: Session, code: str) -> list[dict[str, Any]]:
    """Every form with its effective parameters (defaults for forms without a row)."""
    current = load(session, code)
    out = []
    for f in FORM_IDS:
        params = current.get(f, FormParameters(f))
        extra = {"registration_no": params.registration_no} if f in REGISTRATION_NO_FORMS else {}
        out.append({**params.to_dict(), **extra, "customised": f in current})
    return out


# ---------------------------------------------------------------------------------------------
# CLI: madoguchi-server form-params set|list|clear
# ---------------------------------------------------------------------------------------------


def register(sub: Any) -> None:
    p = sub.add_parser(
        "form-params",
        help="様式パラメータ: per-form 認証文 override, 備考 line, enabled, inkan registration_no (replicated to terminals)",
        description="set --set KEY=VALUE ... (keys: certification_text, note, enabled, registration_no for inkan; "
                    "an empty text returns to the default), list, clear (all of one form back to the defaults)",
    )
    p.add_argument("action", choices=("set", "list", "clear"))
    p.add_argument("--set", dest="values", action="append", default=[], metavar="KEY=VALUE",
                   help="set (repeatable): certification_text=… note=… enabled=true|false registration_no=true|false "
                        "(inkan: print the 登録番号); KEY= resets a text")
    p.add_argument("--db", default=None)
    p.add_argument("--municipality", required=True, help="全国地方公共団体コード")
    p.add_argument("--form", default=None, help=f"form id ({', '.join(FORM_IDS)}); set and clear need it")
    p.add_argument("--user", default="cli", help="recorded as the changer (access log)")
    p.set_defaults(func=run)


def _parse_values(items: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise FormParameterError(f"「{item}」は KEY=VALUE の形ではありません。", f"--set {item!r} is not KEY=VALUE")
        if key in out:
            raise FormParameterError(f"{key} が二回指定されています。", f"{key} given twice")
        out[key] = value
    return out


def run(args: argparse.Namespace) -> int:
    from server_stub.clock import now_jst
    from server_stub.config import resolve_db_url
    from server_stub.db import make_engine, make_sessionmaker, write_session

    engine = make_engine(resolve_db_url(args.db))
    try:
        factory = make_sessionmaker(engine)
        try:
            if args.action in ("set", "clear"):
                if not args.form:
                    raise FormParameterError("--form で様式を指定してください。", f"--form is required for {args.action}")
                if args.action == "clear" and args.values:
                    raise FormParameterError("clear に --set は指定できません。",
                                             "clear takes no --set (use set --set KEY= to reset one key)")
                values = _parse_values(args.values)
                with write_session(factory) as s:
                    if args.action == "set":
                        set_params(s, args.municipality, args.form, values, now=now_jst(), user_id=args.user)
                    else:
                        clear_params(s, args.municipality, args.form, now=now_jst(), user_id=args.user)
            if args.form:
                check_form_id(args.form)
            with factory() as s:
                _require_municipality(s, args.municipality)
                forms = listing(s, args.municipality)
        except FormParameterError as exc:
            print(f"error: {exc.message_ja} / {exc.message_en}", file=sys.stderr)
            return 2
        if args.form:
            forms = [f for f in forms if f["form_id"] == args.form]
        print(json.dumps({"municipality": args.municipality, "forms": forms}, ensure_ascii=False))
        return 0
    finally:
        engine.dispose()
