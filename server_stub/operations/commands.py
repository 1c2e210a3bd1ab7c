"""Operations subcommands of ``madoguchi-server``: import-layout, export-layout, sla-report,
usage-report, audit verify. ``register_all(sub)`` adds them to the server CLI's subparsers.

Exit codes: 0 success, 1 the operation found problems (rejected rows, broken chain), 2 usage or
file errors.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from server_stub.config import resolve_db_url


def _err(message_ja: str, message_en: str) -> None:
    print(f"エラー: {message_ja}\nerror: {message_en}", file=sys.stderr)


@contextmanager
def _factory(db: str | None, *, migrate: bool = True) -> Iterator[sessionmaker[Session]]:
    from server_stub.db import make_engine, make_sessionmaker
    from server_stub.migrate import upgrade

    url = resolve_db_url(db)
    if migrate:
        upgrade(url)
    engine = make_engine(url, pool_size=2)
    try:
        yield make_sessionmaker(engine)
    finally:
        engine.dispose()


# --- import-layout / export-layout --------------------------------------------------------------


def _cmd_import_layout(args: argparse.Namespace) -> int:
    from server_stub.layout.importer import LayoutImportError, NewMunicipality, import_layout

    create = None
    if args.name or args.prefecture:
        if not (args.name and args.prefecture):
            _err("--name と --prefecture は両方指定してください。", "give both --name and --prefecture")
            return 2
        create = NewMunicipality(args.name, args.prefecture, args.mayor_title or f"{args.name}長", args.mayor_name or "")
    with _factory(args.db) as factory:
        try:
            report = import_layout(factory, args.municipality, [Path(f) for f in args.files],
                                   encoding=args.encoding, create=create)
        except LayoutImportError as exc:
            _err(exc.message_ja, exc.message_en)
            return 2
    data = report.to_dict()
    if args.report:
        Path(args.report).write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    for f in report.files:
        print(f"{f['file']}: {f['kind']} {f['rows']}行 ({f['encoding']})")
    if not report.committed:
        print(f"取込を中止しました: {report.rejected_rows}行にエラーがあります。何も書き込んでいません。"
              f" / import aborted: {report.rejected_rows} rejected rows, nothing written")
        for e in report.errors:
            print(f"  {e.file}:{e.line} [{e.kind} {e.key}] {e.column} {e.code}: {e.message_ja} / {e.message_en}")
        return 1
    for kind in report.inserted:
        print(f"  {kind}: 追加 {report.inserted[kind]} 更新 {report.updated[kind]} 変更なし {report.unchanged[kind]}")
    return 0


def _cmd_export_layout(args: argparse.Namespace) -> int:
    from server_stub.layout.exporter import LayoutExportError, export_layout

    with _factory(args.db) as factory:
        try:
            files = export_layout(factory, args.municipality, Path(args.out), encoding=args.encoding)
        except LayoutExportError as exc:
            _err(exc.message_ja, exc.message_en)
            return 2
    for f in files:
        print(f"{f.path}: {f.kind} {f.rows}行")
    return 0


def register_layout(sub: Any) -> None:
    p = sub.add_parser("import-layout", help="import 住民基本台帳/印鑑登録 CSV files (中間標準レイアウト準拠)")
    p.add_argument("--db", default=None)
    p.add_argument("--municipality", required=True, help="全国地方公共団体コード")
    p.add_argument("--encoding", default="auto", choices=("auto", "utf-8", "cp932"))
    p.add_argument("--report", default=None, help="write the validation report as JSON to this file")
    p.add_argument("--name", default=None, help="create the municipality with this name if it does not exist")
    p.add_argument("--prefecture", default=None)
    p.add_argument("--mayor-title", default=None)
    p.add_argument("--mayor-name", default=None)
    p.add_argument("files", nargs="+", help="JUKI_SETAI.csv, JUKI_KOJIN.csv, INKAN.csv (any names; kind by header)")
    p.set_defaults(func=_cmd_import_layout)

    e = sub.add_parser("export-layout", help="export the municipality in the same layout")
    e.add_argument("--db", default=None)
    e.add_argument("--municipality", required=True)
    e.add_argument("--out", required=True, help="output directory")
    e.add_argument("--encoding", default="utf-8", choices=("utf-8", "cp932"))
    e.set_defaults(func=_cmd_export_layout)


# --- audit verify -------------------------------------------------------------------------------


def _cmd_audit_verify(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from sqlalchemy import select

    from server_stub.audit.chain import pending_count, seal_all, verify_chain
    from server_stub.models import Municipality

    broken_any = False
    with _factory(args.db, migrate=False) as factory, factory() as session:
        codes = [args.municipality] if args.municipality else list(
            session.scalars(select(Municipality.code).order_by(Municipality.code)))
        sealed = 0
        if not args.no_seal:  # entries accepted but not sealed (a process killed in between) join the chain first
            sealed = seal_all(factory.kw["bind"], datetime.now(UTC), codes)
            if sealed:
                print(f"未封印のアクセスログ {sealed} 件を封印しました / sealed {sealed} pending entries")
        results = []
        for code in codes:
            broken = verify_chain(session, code)
            results.append({"municipality_code": code, "intact": broken is None,
                            "first_broken_seq": broken.seq if broken else None,
                            "reason": broken.reason if broken else None,
                            "pending": pending_count(session, code)})
            if broken is None:
                print(f"{code}: OK 改ざんは検出されませんでした / chain intact")
            else:
                broken_any = True
                print(f"{code}: NG 最初の不整合は seq {broken.seq} ({broken.reason}) / first broken link: "
                      f"seq {broken.seq} ({broken.reason})")
    if args.json:
        print(json.dumps({"results": results, "sealed_before_verify": sealed}, ensure_ascii=False))
    return 1 if broken_any else 0


def register_audit(sub: Any) -> None:
    p = sub.add_parser("audit", help="access-log audit")
    asub = p.add_subparsers(dest="audit_command", required=True)
    v = asub.add_parser("verify", help="walk the hash chain and name the first broken link")
    v.add_argument("--db", default=None)
    v.add_argument("--municipality", default=None, help="only this municipality (default: all)")
    v.add_argument("--json", action="store_true")
    v.add_argument("--no-seal", action="store_true",
                   help="do not seal pending (accepted, unsealed) entries before verifying: read only")
    v.set_defaults(func=_cmd_audit_verify)


# --- sla-report ---------------------------------------------------------------------------------


def _cmd_sla_report(args: argparse.Namespace) -> int:
    from server_stub.clock import now_jst
    from server_stub.operations.sla import sla_figures
    from server_stub.operations.sla_pdf import render_sla_pdf

    out = Path(args.out or f"sla-{args.municipality}-{args.month}.pdf")
    json_path = Path(args.json) if args.json else out.with_suffix(".json")
    with _factory(args.db, migrate=False) as factory, factory() as session:
        try:
            figures = sla_figures(session, args.municipality, args.month, now_jst())
        except ValueError as exc:
            _err(f"SLA報告書を作成できません: {exc}", str(exc))
            return 2
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(render_sla_pdf(figures))
    json_path.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    av = figures["availability"]
    print(f"{out}: 稼働率 {av['percent']}% (目標 {av['target_percent']}%), 障害 {len(figures['outages'])}件, "
          f"通知基準超過 {figures['notification']['over_limit']}件")
    print(f"{json_path}")
    return 0


def register_sla(sub: Any) -> None:
    p = sub.add_parser("sla-report", help="monthly SLA report (PDF with charts, and the figures as JSON)")
    p.add_argument("--db", default=None)
    p.add_argument("--municipality", required=True)
    p.add_argument("--month", required=True, help="YYYY-MM (Japan time)")
    p.add_argument("--out", default=None, help="PDF file (default sla-CODE-YYYY-MM.pdf)")
    p.add_argument("--json", default=None, help="JSON file (default: the PDF name with .json)")
    p.set_defaults(func=_cmd_sla_report)


# --- usage-report -------------------------------------------------------------------------------


def _weights(items: list[str]) -> dict[str, float]:
    out = {}
    for item in items:
        name, _, value = item.partition("=")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            raise ValueError(f"bad --weight {item!r} (NAME=NUMBER)") from None
    return out


def _cmd_usage_report(args: argparse.Namespace) -> int:
    from datetime import date

    from server_stub.operations.usage import UsageError, report_csv, usage_report

    try:
        start, end = date.fromisoformat(args.date_from), date.fromisoformat(args.date_to)
        weights = _weights(args.weight)
    except ValueError as exc:
        _err("期間または比率の指定が正しくありません(YYYY-MM-DD、NAME=数値)。", str(exc))
        return 2
    with _factory(args.db, migrate=False) as factory, factory() as session:
        try:
            report = usage_report(session, start, end, codes=args.municipality or None, total_yen=args.total_cost,
                                  rule=args.rule, weights=weights or None)
        except UsageError as exc:
            _err(exc.message_ja, exc.message_en)
            return 2
    prefix = Path(args.out or f"usage-{start.isoformat()}-{end.isoformat()}")
    prefix.parent.mkdir(parents=True, exist_ok=True)
    csv_path, json_path = prefix.with_name(prefix.name + ".csv"), prefix.with_name(prefix.name + ".json")
    csv_path.write_bytes(report_csv(report))
    json_path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for m in report["municipalities"]:
        cost = f" 負担額 {m['cost_yen']:,}円" if "cost_yen" in m else ""
        print(f"{m['code']} {m['name']}: 人口 {m['population']} 端末 {m['terminals']} 交付 {m['requests']}件"
              f" {m['copies']}通{cost}")
    print(f"{csv_path}\n{json_path}")
    return 0


def register_usage(sub: Any) -> None:
    p = sub.add_parser("usage-report", help="usage per municipality and the shared-cost split (CSV and JSON)")
    p.add_argument("--db", default=None)
    p.add_argument("--from", dest="date_from", required=True, help="first day, YYYY-MM-DD (Japan date)")
    p.add_argument("--to", dest="date_to", required=True, help="last day, YYYY-MM-DD (inclusive)")
    p.add_argument("--municipality", action="append", default=[], help="limit to these codes (repeatable)")
    p.add_argument("--total-cost", type=int, default=None, help="shared cost in yen to split")
    p.add_argument("--rule", default="equal", choices=("equal", "population", "usage", "terminals", "weighted"))
    p.add_argument("--weight", action="append", default=[],
                   help="for --rule weighted: BASIS=WEIGHT, bases equal/population/usage/terminals (repeatable)")
    p.add_argument("--out", default=None, help="output prefix; writes PREFIX.csv and PREFIX.json")
    p.set_defaults(func=_cmd_usage_report)


def register_all(sub: Any) -> None:
    register_layout(sub)
    register_sla(sub)
    register_usage(sub)
    register_audit(sub)
