"""``madoguchi gui | issue | status``: registrars for client/cli/main.py (the same service the GUI uses).

Staff credentials come from ``--user`` plus ``--password-stdin`` (never a password argument).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any

from client.domain.model import (
    SPECIFIED_PROFESSIONS,
    CertificateType,
    IdentityDocument,
    JuminhyoItem,
    Layout,
    RequesterKind,
    SupportRelease,
)
from client.domain.partial_date import PartialDate
from client.domain.wareki import WarekiError, parse_date

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_USAGE = 2


def _err(message_ja: str, message_en: str) -> None:
    print(f"エラー: {message_ja}\nerror: {message_en}", file=sys.stderr)


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", type=Path, help="config.toml (default: $MADOGUCHI_HOME/config.toml)")


def _load_config(args: argparse.Namespace) -> Any:
    from client.lifecycle.config import load_config

    return load_config(args.config)


def _read_password(args: argparse.Namespace) -> str | None:
    if not args.password_stdin:
        return None
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


# ---------------------------------------------------------------------------------------------
# gui
# ---------------------------------------------------------------------------------------------


def register_gui(sub: Any) -> None:
    p = sub.add_parser("gui", help="窓口画面を開く(既定) / open the counter window (default)")
    _add_common(p)
    p.add_argument("--lang", choices=("ja", "en"), help="UI language (default ja)")
    p.add_argument("--user", help="staff ID to sign in with (with --password-stdin)")
    p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    p.add_argument("--drill", action="store_true",
                   help="防災訓練: BCPモードを見本の証明書で体験する(送信なし) / BCP drill with sample certificates")
    p.set_defaults(func=run_gui_command)


def run_gui_command(args: argparse.Namespace) -> int:
    from client.lifecycle.config import ConfigError
    from client.local.keystore import LocalDataError
    from client.services.errors import ClerkError

    try:
        config = _load_config(args)
    except (ConfigError, ClerkError) as exc:
        _err(exc.message_ja, exc.message_en)
        return EXIT_USAGE
    from client.card.setup import reader_factory_from_config
    from client.ui.app import build_app, run_gui, server_description

    def online_only(exc: Exception) -> None:  # the counter still works online
        _err("端末の縮退運用(BCP)の準備に失敗しました。オンラインのみで起動します。", repr(exc))

    try:
        app = build_app(config, language=args.lang, server_text=server_description(config),
                        drill=bool(getattr(args, "drill", False)), card_reader=reader_factory_from_config(config),
                        on_terminal_error=online_only)
    except LocalDataError:
        raise  # keyring, key or database trouble: reported by main() (exit 1)
    except ClerkError as exc:
        _err(exc.message_ja, exc.message_en)
        return EXIT_USAGE
    return run_gui(app, user=args.user, password=_read_password(args))


# ---------------------------------------------------------------------------------------------
# issue
# ---------------------------------------------------------------------------------------------


def register_issue(sub: Any) -> None:
    p = sub.add_parser(
        "issue",
        help="証明書を発行してPDFに保存する / issue a certificate to a PDF",
        description="Sign in, evaluate and issue one certificate through the counter services; write the PDF.",
    )
    _add_common(p)
    p.add_argument("--resident", required=True, metavar="ATENA", help="宛名番号 of the subject")
    p.add_argument("--type", required=True, choices=[t.value for t in CertificateType], dest="cert_type")
    p.add_argument("--requester", required=True, choices=[k.value for k in RequesterKind])
    p.add_argument("--requester-name", default="", help="name of the person at the counter (not 本人)")
    p.add_argument("--id-document", default=IdentityDocument.MY_NUMBER_CARD.value,
                   choices=[d.value for d in IdentityDocument if d is not IdentityDocument.MY_NUMBER_CARD_IC],
                   help="identity document checked (マイナンバーカード(IC) only through a card read)")
    p.add_argument("--power-of-attorney", action="store_true", help="委任状 presented (agent)")
    p.add_argument("--purpose", default="", help="利用目的 (third party, professional)")
    p.add_argument("--agency", default="", help="請求機関 (official use)")
    p.add_argument("--legal-basis", default="", help="法令上の根拠 (official use; 番号法19条 for my_number)")
    p.add_argument("--requester-atena", default=None, metavar="ATENA",
                   help="宛名番号 of the requester when a resident here (同一世帯員, 第三者)")
    p.add_argument("--requester-birth", default=None, help="requester's birth date (和暦 or 西暦)")
    p.add_argument("--address", default="", help="申出者の住所 (third party, professional)")
    p.add_argument("--qualification", default="", choices=("", *SPECIFIED_PROFESSIONS),
                   help="特定事務受任者の資格 (professional): " + "・".join(SPECIFIED_PROFESSIONS))
    p.add_argument("--registration-no", default="", help="登録番号 (professional)")
    p.add_argument("--client-name", default="", help="依頼者 氏名 (professional)")
    p.add_argument("--client-birth", default=None, help="依頼者 生年月日 (professional)")
    p.add_argument("--client-atena", default=None, metavar="ATENA", help="依頼者 宛名番号 when a resident here")
    p.add_argument("--special-reason", default="", help="特別の請求の理由 (third party: items beyond 基礎証明事項)")
    p.add_argument("--special-accepted", action="store_true", help="the clerk accepted the 特別の請求")
    p.add_argument("--by-post", action="store_true", help="郵送請求 (the request came by post)")
    p.add_argument("--deliver-by-post", action="store_true",
                   help="郵送交付 to the subject's address (個人番号入り住民票 for an agent)")
    p.add_argument("--layout", choices=[lay.value for lay in Layout], default=None,
                   help="kojin (個人票) or renki (世帯連記式); default: renki for several persons")
    p.add_argument("--release-measure", default="", help="支援措置 ID to release (supervisor)")
    p.add_argument("--release-reason", default="", help="reason recorded with the release")
    p.add_argument("--members", default="", help="'all' for 世帯全員, or comma-separated 宛名番号")
    p.add_argument("--include", default="", help=f"comma-separated items: {','.join(i.value for i in JuminhyoItem)}")
    p.add_argument("--card-no", default="", help="印鑑登録証 number (inkan)")
    p.add_argument("--tax-year", type=int, help="課税年度 (kazei)")
    p.add_argument("--exemption", default="", help="手数料免除事由")
    p.add_argument("--copies", type=int, default=1)
    p.add_argument("--out", required=True, type=Path, help="PDF file to write (copies 2.. get -2, -3 …)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--user", required=True, help="staff ID")
    p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    p.add_argument("--bcp-supervisor", metavar="ID", default=None,
                   help="係長 who declares BCP mode when every line is down under the confirm policy "
                        "(password on the second line of standard input)")
    p.set_defaults(func=run_issue)


def _build_form(args: argparse.Namespace, detail: Any) -> Any:
    from client.services.issuance_form import IssuanceForm

    form = IssuanceForm(subject=detail.resident, household=detail.household)
    form.cert_type = CertificateType(args.cert_type)
    form.requester_kind = RequesterKind(args.requester)
    form.requester_name = args.requester_name
    form.identity_document = IdentityDocument(args.id_document)
    form.has_power_of_attorney = args.power_of_attorney
    form.purpose = args.purpose
    form.agency = args.agency
    form.legal_basis = args.legal_basis
    form.requester_atena_no = args.requester_atena
    form.requester_birth = _birth(args.requester_birth)
    form.applicant_address = args.address
    form.qualification = args.qualification
    form.registration_no = args.registration_no
    form.client_name = args.client_name
    form.client_birth = _birth(args.client_birth)
    form.client_atena_no = args.client_atena
    form.special_reason = args.special_reason
    form.special_accepted = args.special_accepted
    form.received_by_post = args.by_post
    form.deliver_by_post = args.deliver_by_post
    form.layout = Layout(args.layout) if args.layout else None
    form.inkan_card_no = args.card_no
    form.tax_year = args.tax_year
    form.copies = args.copies
    form.exemption_reason = args.exemption
    members = args.members.strip()
    if members == "all":
        form.set_whole_household(True)
    elif members:
        for atena in (m.strip() for m in members.split(",")):
            if atena:
                form.set_member(atena, True)
    for item in (i.strip() for i in args.include.split(",")):
        if item:
            form.set_item(JuminhyoItem(item), True)
    return form


def _birth(text: str | None) -> PartialDate | None:
    if not text:
        return None
    try:
        return parse_date(text)
    except WarekiError as exc:
        raise ValueError(f"not a date: {text!r} ({exc})") from exc


def _release(args: argparse.Namespace) -> SupportRelease | None:
    if not args.release_measure:
        return None
    if not args.release_reason.strip():
        raise ValueError("--release-reason is required with --release-measure")
    return SupportRelease(args.release_measure, args.user, args.release_reason.strip())


def _out_paths(out: Path, n: int) -> list[Path]:
    return [out if i == 1 else out.with_name(f"{out.stem}-{i}{out.suffix}") for i in range(1, n + 1)]


def run_issue(args: argparse.Namespace) -> int:
    import tempfile

    from client.composition.routing import CliCounter
    from client.lifecycle.config import ConfigError
    from client.services.errors import ClerkError

    password = _read_password(args)
    if not password:
        _err("パスワードを標準入力から渡してください(--password-stdin)。", "password required via --password-stdin")
        return EXIT_USAGE
    if args.copies < 1:
        _err("通数は1以上にしてください。", "--copies must be >= 1")
        return EXIT_USAGE
    supervisor = None
    if args.bcp_supervisor:
        supervisor = (args.bcp_supervisor, sys.stdin.readline().rstrip("\r\n"))
    counter = None
    try:
        config = _load_config(args)
        counter = CliCounter.open(config)  # the window's routing: online, secondary or BCP
        service = counter.service
        counter.sign_in(args.user, password, supervisor=supervisor)
        for notice in counter.notices:
            print(notice, file=sys.stderr)
        detail = service.resident(args.resident)
        request = _build_form(args, detail).to_request()
        release = _release(args)
        decision = service.evaluate(request, release)
        if not decision.allowed:
            refusal: dict[str, Any] = {
                "issued": False,
                "outcome": decision.outcome.value,
                "reasons": [r.to_dict() for r in decision.reasons],
            }
            if args.json:
                print(json.dumps(refusal, ensure_ascii=False, indent=2))
            else:
                print("交付できません / refused:")
                for r in decision.reasons:
                    print(f"  - {r.message_ja} ({r.code})")
            return EXIT_REFUSED
        with tempfile.TemporaryDirectory(prefix="madoguchi-issue-") as tmp:
            outcome = service.issue(request, out_dir=Path(tmp), release=release)
            args.out.parent.mkdir(parents=True, exist_ok=True)
            paths = _out_paths(args.out, len(outcome.certificates))
            for cert, target in zip(outcome.certificates, paths, strict=True):
                assert cert.pdf_path is not None
                shutil.move(str(cert.pdf_path), target)
    except (ConfigError, ClerkError) as exc:
        _err(exc.message_ja, exc.message_en)
        return EXIT_USAGE if isinstance(exc, ConfigError) else EXIT_REFUSED
    except ValueError as exc:
        _err("指定に誤りがあります。", str(exc))
        return EXIT_USAGE
    finally:
        if counter is not None:
            counter.close()
    result: dict[str, Any] = {
        "issued": True,
        "mode": counter.mode,
        "issuance_id": outcome.issuance_id,
        "issue_numbers": [c.issue_number for c in outcome.certificates],
        "files": [str(p) for p in paths],
        "fee_yen": outcome.fee_yen,
        "subject": {"atena_no": detail.resident.atena_no, "name": detail.resident.name},
        "alerts": [a for c in outcome.certificates for a in c.alerts],
        "warnings": [r.to_dict() for r in decision.warnings],
        "delivery": "post" if request.deliver_by_post else "counter",
    }
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(f"交付しました: {', '.join(result['issue_numbers'])}")
        for r in decision.warnings:
            print(f"  注意 / warning: {r.message_ja} ({r.code})")
        for path in paths:
            print(f"  {path}")
    return EXIT_OK


# ---------------------------------------------------------------------------------------------
# search
# ---------------------------------------------------------------------------------------------


def register_search(sub: Any) -> None:
    p = sub.add_parser(
        "search",
        help="住民を検索する(宛名番号を調べる) / search residents (online or BCP)",
        description="Sign in and search residents by kana, kanji, birth date, address or 宛名番号, "
                    "online or — when every line is down — on the replica (same routing as `issue`).",
    )
    _add_common(p)
    p.add_argument("query", help="検索語 (kana, kanji, birth date such as 1980-04-01 or S55.4.1, address, 宛名番号)")
    p.add_argument("--limit", type=int, default=20, help="at most this many rows (1-200)")
    p.add_argument("--json", action="store_true", help="print the rows as JSON")
    p.add_argument("--user", required=True, help="staff ID")
    p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    p.add_argument("--bcp-supervisor", metavar="ID", default=None,
                   help="係長 who declares BCP mode under the confirm policy (password on the second stdin line)")
    p.set_defaults(func=run_search)


def run_search(args: argparse.Namespace) -> int:
    from client.composition.routing import CliCounter
    from client.lifecycle.config import ConfigError
    from client.services.errors import ClerkError

    password = _read_password(args)
    if not password:
        _err("パスワードを標準入力から渡してください(--password-stdin)。", "password required via --password-stdin")
        return EXIT_USAGE
    if not 1 <= args.limit <= 200:
        _err("--limit は1から200の範囲で指定してください。", "--limit must be between 1 and 200")
        return EXIT_USAGE
    if not args.query.strip():
        _err("検索語を指定してください。", "empty query")
        return EXIT_USAGE
    supervisor = (args.bcp_supervisor, sys.stdin.readline().rstrip("\r\n")) if args.bcp_supervisor else None
    counter = None
    try:
        config = _load_config(args)
        counter = CliCounter.open(config)
        counter.sign_in(args.user, password, supervisor=supervisor)
        for notice in counter.notices:
            print(notice, file=sys.stderr)
        rows = counter.service.search(args.query, args.limit)
        mode = counter.mode
    except (ConfigError, ClerkError) as exc:
        _err(exc.message_ja, exc.message_en)
        return EXIT_USAGE if isinstance(exc, ConfigError) else EXIT_REFUSED
    finally:
        if counter is not None:
            counter.close()
    results = [{"atena_no": r.atena_no, "name": r.name, "kana": r.kana, "birth": str(r.birth),
                "address": r.address, "status": r.status.value, "status_text": r.status_text,
                "household_no": r.household_no, "protected": r.protected} for r in rows]
    if args.json:
        print(json.dumps({"mode": mode, "query": args.query, "results": results}, ensure_ascii=False, indent=2))
        return EXIT_OK
    print(f"{len(results)} 件 ({'BCPモード(複製)' if mode == 'bcp' else 'オンライン'})")
    for r in results:
        print(f"  {r['atena_no']}  {r['name']}({r['kana']})  {r['birth']}  {r['status_text']}  {r['address']}")
    return EXIT_OK


# ---------------------------------------------------------------------------------------------
# status
# ---------------------------------------------------------------------------------------------


def register_status(sub: Any) -> None:
    if "status" in getattr(sub, "choices", {}):
        return  # another part registered a richer status first
    p = sub.add_parser("status", help="端末の設定と接続状態 / terminal configuration and connection")
    _add_common(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run_status)


def collect_status(config: Any) -> dict[str, Any]:
    """Configuration and a live /health probe of each configured endpoint."""
    import time

    import httpx

    from client.services.online_api import build_ssl_context

    status: dict[str, Any] = {
        "server_url": config.server_url,
        "secondary_url": config.secondary_url,
        "municipality_code": config.municipality_code,
        "terminal_id": config.terminal_id,
        "data_dir": str(config.data_dir) if config.data_dir else None,
        "endpoints": [],
    }
    for url in (config.server_url, config.secondary_url):
        if not url:
            continue
        entry: dict[str, Any] = {"url": url}
        try:
            verify: Any = True
            if url.startswith("https://"):
                verify = build_ssl_context(config.ca_bundle, config.client_cert)
            started = time.monotonic()
            response = httpx.get(url.rstrip("/") + "/health", timeout=3.0, verify=verify, trust_env=False)
            entry.update(reachable=response.status_code == 200, status=response.status_code,
                         ms=round((time.monotonic() - started) * 1000, 1))
        except Exception as exc:  # noqa: BLE001 — reported, not raised
            entry.update(reachable=False, error=str(getattr(exc, "message_en", exc)))
        status["endpoints"].append(entry)
    status["mode"] = "online" if any(e.get("reachable") for e in status["endpoints"]) else "unreachable"
    return status


def run_status(args: argparse.Namespace) -> int:
    from client.lifecycle.config import ConfigError

    try:
        config = _load_config(args)
    except ConfigError as exc:
        _err(exc.message_ja, exc.message_en)
        return EXIT_USAGE
    status = collect_status(config)
    if args.json:
        print(json.dumps(status, ensure_ascii=False, indent=2))
    else:
        print(f"団体コード: {status['municipality_code']}  端末: {status['terminal_id']}")
        for e in status["endpoints"]:
            state = "接続可" if e.get("reachable") else "接続不可"
            print(f"  {e['url']}: {state} {e.get('ms', '')}")
        print(f"状態: {status['mode']}")
    return EXIT_OK if status["mode"] == "online" else EXIT_REFUSED


REGISTRARS = [register_gui, register_issue, register_search, register_status]
