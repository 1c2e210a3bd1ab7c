"""``madoguchi-server agreement add|list``: record mutual backup agreements (相互バックアップ協定).

A terminal of one party may then hold the other's replica under its own key, for issuing from a
partner's town hall after a disaster (BCP mode only, with that municipality's staff credentials).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from sqlalchemy import or_, select

from server_stub.config import resolve_db_url
from server_stub.db import make_engine, make_sessionmaker, write_session
from server_stub.models import BackupAgreement, Municipality


def register(sub: Any) -> None:
    p = sub.add_parser("agreement", help="mutual backup agreements between municipalities")
    p.add_argument("action", choices=("add", "list"))
    p.add_argument("--db", default=None)
    p.add_argument("--municipality", required=True, help="全国地方公共団体コード")
    p.add_argument("--partner", default=None, help="the partner's code (add)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    engine = make_engine(resolve_db_url(args.db))
    try:
        if args.action == "add":
            if not args.partner or args.partner == args.municipality:
                print("error: --partner must name another municipality")
                return 2
            with write_session(make_sessionmaker(engine)) as s:
                for code in (args.municipality, args.partner):
                    if s.get(Municipality, code) is None:
                        print(f"error: unknown municipality {code}")
                        return 2
                a, b = sorted((args.municipality, args.partner))
                if s.get(BackupAgreement, (a, b)) is None:
                    s.add(BackupAgreement(municipality_code=a, partner_code=b))
        with make_sessionmaker(engine)() as s:
            rows = s.scalars(select(BackupAgreement).where(or_(
                BackupAgreement.municipality_code == args.municipality,
                BackupAgreement.partner_code == args.municipality))).all()
            partners = sorted({r.partner_code if r.municipality_code == args.municipality else r.municipality_code
                               for r in rows})
        print(json.dumps({"municipality": args.municipality, "partners": partners}, ensure_ascii=False))
        return 0
    finally:
        engine.dispose()
