"""``madoguchi-server trust …``: the root key, certification, rollover, revocation, recall, export.

Commands that use the root take ``--root-key FILE`` (the file the operator keeps apart); the
root's private key is never written to the database.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from server_stub.clock import now_jst


def register(sub: Any) -> None:
    p = sub.add_parser("trust", help="key hierarchy, trust list, revocation and recall (信頼リスト)")
    tsub = p.add_subparsers(dest="trust_command", required=True)

    def cmd(name: str, help_: str, *, db: bool = True, root: bool = False) -> argparse.ArgumentParser:
        c = tsub.add_parser(name, help=help_)
        if db:
            c.add_argument("--db", default=None)
        if root:
            c.add_argument("--root-key", type=Path, required=True, help="the root key file (kept apart)")
        c.set_defaults(func=run, trust_command=name)
        return c

    c = cmd("init-root", "create the data-centre root key file", db=False)
    c.add_argument("--out", type=Path, required=True)
    cmd("certify", "register the root; certify the service key, municipality keys and terminals", root=True)
    c = cmd("rollover", "give a municipality a new signing key (old certificates keep verifying)", root=True)
    c.add_argument("--municipality", required=True)
    c.add_argument("--reason", default="scheduled rollover")
    c = cmd("revoke-terminal", "revoke a terminal's BCP key as of a time")
    c.add_argument("--municipality", required=True)
    c.add_argument("--terminal", required=True)
    c.add_argument("--effective-at", required=True, help="ISO 8601 with time zone")
    c.add_argument("--reason", required=True)
    c.add_argument("--actor", default="operator")
    c = cmd("revoke-municipality-key", "revoke a municipality key as of a time and roll over", root=True)
    c.add_argument("--municipality", required=True)
    c.add_argument("--effective-at", required=True, help="ISO 8601 with time zone")
    c.add_argument("--reason", required=True)
    c.add_argument("--actor", default="operator")
    c = cmd("recall", "誤発行 処分: recall a 発行番号 from the 交付履歴")
    c.add_argument("--municipality", required=True)
    c.add_argument("--issue-number", required=True)
    c.add_argument("--reason", required=True)
    c.add_argument("--actor", required=True, help="staff user id recording the 処分")
    c = cmd("export-list", "write the current signed trust list to a file")
    c.add_argument("--out", type=Path, required=True)
    cmd("verify-chain", "check the countersignature chain")


def _err(ja: str, en: str) -> int:
    print(f"エラー: {ja}\nerror: {en}", file=sys.stderr)
    return 2


def _time(text: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo is not None else None


def run(args: argparse.Namespace) -> int:
    from server_stub.trust.keys import TrustError
    from server_stub.trust.root import RootKeyError, create_root_file, load_root_file

    try:
        if args.trust_command == "init-root":
            root = create_root_file(args.out, now_jst())
            print(json.dumps({"root_key_id": root.kid, "file": str(args.out)}))
            return 0
        return _with_db(args, load_root_file(args.root_key) if getattr(args, "root_key", None) else None)
    except RootKeyError as exc:
        return _err(exc.message_ja, exc.message_en)
    except TrustError as exc:
        return _err(exc.message_ja, exc.message_en)


def _with_db(args: argparse.Namespace, root: Any) -> int:
    from server_stub.config import resolve_db_url
    from server_stub.db import make_engine, make_sessionmaker, write_session
    from server_stub.trust import countersign, keys, listing, recalls

    now = now_jst()
    effective = None
    if hasattr(args, "effective_at"):
        effective = _time(args.effective_at)
        if effective is None:
            return _err("--effective-at はタイムゾーン付きの ISO 8601 日時で指定してください。",
                        "--effective-at must be ISO 8601 with a time zone")
    engine = make_engine(resolve_db_url(args.db))
    try:
        factory = make_sessionmaker(engine)
        out: dict[str, Any]
        with write_session(factory) as s:
            command = args.trust_command
            if command == "certify":
                out = {"root_key_id": root.kid, **keys.certify_all(s, root, now)}
            elif command == "rollover":
                out = {"new_key_id": keys.rollover_municipality(s, root, args.municipality, now, actor="operator",
                                                                reason=args.reason)}
            elif command == "revoke-terminal":
                assert effective is not None
                out = {"revoked_key_id": keys.revoke_terminal_key(s, args.municipality, args.terminal, effective,
                                                                  args.reason, args.actor, now=now)}
            elif command == "revoke-municipality-key":
                assert effective is not None
                out = {"new_key_id": keys.revoke_municipality_key(s, root, args.municipality, effective, args.reason,
                                                                  args.actor, now)}
            elif command == "recall":
                row = recalls.record_recall(s, args.municipality, args.issue_number, args.reason, args.actor, "",
                                            now)
                out = {"recalled": row.issue_number, "issuance_id": row.issuance_id}
            elif command == "export-list":
                doc = listing.build_trust_list(s, now)
                if doc is None:
                    return _err("ルート鍵が未登録です（trust certify を実行してください）。", "run trust certify first")
                args.out.write_bytes(doc)
                out = {"file": str(args.out), "bytes": len(doc)}
            else:
                broken = countersign.verify_chain(s)
                out = {"intact": broken is None, "broken_seq": broken}
        print(json.dumps(out, ensure_ascii=False))
        return 0 if out.get("intact", True) else 1
    finally:
        engine.dispose()
