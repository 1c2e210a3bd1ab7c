"""``madoguchi-server terminal revoke|standing``: the data-centre admin's terminal commands.

    madoguchi-server terminal revoke   --db URL --municipality C --terminal T --reason TEXT [--by NAME]
    madoguchi-server terminal standing --db URL --municipality C --terminal T

``revoke`` prints the report as JSON (who, when, why, tokens and serials voided) and writes it
to the audit log and the server's operations log (``server.log``).
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from server_stub.config import resolve_db_url

log = logging.getLogger("server_stub.terminal")


def register(sub: Any) -> None:
    p = sub.add_parser("terminal", help="terminal standing: revoke a lost or stolen terminal")
    p.add_argument("action", choices=("revoke", "standing"))
    p.add_argument("--db", default=None)
    p.add_argument("--municipality", required=True, help="全国地方公共団体コード")
    p.add_argument("--terminal", required=True, help="terminal id")
    p.add_argument("--reason", default="", help="why (revoke; required)")
    p.add_argument("--by", default=None, help="who revokes (default: dc-admin:<OS user>)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from server_stub.auth.terminal_standing import (
        StandingError,
        lease_accounting,
        revoke_terminal,
        standing,
        terminal_row,
    )
    from server_stub.db import make_engine, make_sessionmaker, write_session

    engine = make_engine(resolve_db_url(args.db))
    now = datetime.now(UTC)
    try:
        if args.action == "revoke":
            by = args.by or f"dc-admin:{getpass.getuser()}"
            try:
                with write_session(make_sessionmaker(engine)) as s:
                    report = revoke_terminal(s, args.municipality, args.terminal, by=by, reason=args.reason, now=now)
            except StandingError as exc:
                print(exc.cli_text(), file=sys.stderr)
                return 2
            log.warning("terminal revoked: %s", json.dumps(report.to_dict(), ensure_ascii=False))
            print(json.dumps(report.to_dict(), ensure_ascii=False))
            if report.already_revoked:
                print(f"この端末はすでに利用停止されています({report.revoked_at}) / already revoked",
                      file=sys.stderr)
            return 0
        with make_sessionmaker(engine)() as s:
            terminal = terminal_row(s, args.municipality, args.terminal)
            if terminal is None:
                print(f"エラー: この端末は登録されていません。\nerror: terminal {args.municipality}/{args.terminal} "
                      "is not enrolled", file=sys.stderr)
                return 2
            out = {**standing(s, terminal, now), "leases": lease_accounting(s, args.municipality, args.terminal)}
        print(json.dumps(out, ensure_ascii=False))
        return 0
    finally:
        engine.dispose()
