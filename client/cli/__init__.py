"""The ``madoguchi`` command line.

Each subcommand is registered by a small function that adds its parser and sets ``func``; add a
command by writing one more ``register_*`` function and listing it in ``REGISTRARS``.
Exit codes: 0 success (for ``verify``: valid), 1 failure (``verify``: invalid), 2 usage error,
3 (``verify`` with a trust list) BCP not yet confirmed or cannot confirm (trust list too old).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_UNCONFIRMED = 3

Registrar = Callable[[Any], None]  # receives the subparsers action


def _home() -> Path:
    from client.lifecycle.config import default_home

    return default_home(os.environ)


def _err(message_ja: str, message_en: str) -> None:
    print(f"エラー: {message_ja}\nerror: {message_en}", file=sys.stderr)


# ---------------------------------------------------------------------------------------------
# verify
# ---------------------------------------------------------------------------------------------


def register_verify(sub: Any) -> None:
    p = sub.add_parser(
        "verify",
        help="証明書PDFの署名と記載内容を検証する / verify a certificate PDF",
        description="Check the QR signature, the content digest and the printed text of a certificate PDF.",
    )
    p.add_argument("file", type=Path, nargs="?", help="certificate PDF")
    p.add_argument("--qr", default=None, help="the QR code's text instead of a PDF")
    p.add_argument("--json", action="store_true", help="print the verdict as JSON")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--trust-list", type=Path, help="a trust list file (GET /trust/v1/list), docs/trust.md")
    src.add_argument("--keys", type=Path, help='public keys JSON ({"keys": [...]}), without a trust list')
    src.add_argument("--server", help="server URL: fetch the trust list (cached locally), else the published keys")
    p.add_argument(
        "--token",
        default=os.environ.get("MADOGUCHI_TOKEN"),
        help="staff bearer token for --server (default: $MADOGUCHI_TOKEN)",
    )
    p.add_argument("--user", help="sign in to --server as this staff ID instead of --token (with --password-stdin)")
    p.add_argument("--password-stdin", action="store_true", help="read the --user password from standard input")
    p.add_argument("--municipality", help="団体コード for --user (default: the configured or enrolled one)")
    p.set_defaults(func=run_verify)


def _sign_in_for_verify(args: argparse.Namespace) -> bool:
    """``--user``: sign in to ``--server`` and use that session's token (never a password argument)."""
    if not args.user:
        return True
    if not args.server:
        _err("--user は --server と一緒に指定してください。", "--user needs --server")
        return False
    password = sys.stdin.readline().rstrip("\r\n") if args.password_stdin else ""
    if not password:
        _err("パスワードを標準入力から渡してください(--password-stdin)。", "password required via --password-stdin")
        return False
    code = args.municipality
    terminal = "CLI-VERIFY"
    if not code:
        try:
            from client.lifecycle.config import load_config

            config = load_config(None)
            code, terminal = config.municipality_code, config.terminal_id or terminal
        except Exception:  # noqa: BLE001 - reported below as a missing code
            code = None
    if not code:
        _err("団体コードが分かりません。--municipality を指定してください。", "no municipality code: pass --municipality")
        return False
    from client.services.backend import OnlineBackend
    from client.services.errors import ClerkError
    from client.services.online_api import OnlineApi

    try:
        api = OnlineApi([args.server], timeout=10.0)
        try:
            args.token = OnlineBackend(api).sign_in(code, args.user, password, terminal).token
        finally:
            api.close()
    except ClerkError as exc:
        _err(exc.message_ja, exc.message_en)
        return False
    return True


def _keys_for(args: argparse.Namespace) -> dict[str, bytes] | None:
    from client.certificate.public_keys import (
        PublicKeysError,
        fetch_keys,
        load_cached_keys,
        load_keys_file,
        save_cached_keys,
    )

    home = _home()
    try:
        if args.keys is not None:
            return load_keys_file(args.keys)
        if args.server:
            try:
                keys = fetch_keys(args.server, token=args.token)
            except PublicKeysError as exc:
                cached = load_cached_keys(home)
                if not cached:
                    raise
                print(f"警告: {exc.message_ja} 保存済みの公開鍵で検証します。", file=sys.stderr)
                return cached
            save_cached_keys(home, keys)
            return {**load_cached_keys(home), **keys}
        cached = load_cached_keys(home)
    except PublicKeysError as exc:
        _err(exc.message_ja, exc.message_en)
        return None
    if not cached:
        _err(
            "公開鍵がありません。--keys または --server を指定してください。",
            "no public keys: pass --keys FILE or --server URL",
        )
        return None
    return cached


def _with_server_record(verdict: Any, pdf: bytes, args: argparse.Namespace) -> Any:
    """A signature-valid certificate that the server has voided (取消) is not valid any more."""
    from client.certificate.public_keys import PublicKeysError
    from client.certificate.signing import Verdict
    from client.verification.verify_pdf import embedded_token
    from client.verification.verify_remote import fetch_record

    qr_token = embedded_token(pdf)
    if qr_token is None:
        return verdict
    try:
        record = fetch_record(args.server, qr_token, token=args.token)
    except PublicKeysError as exc:
        print(f"警告: {exc.message_ja}（署名のみ確認しました）", file=sys.stderr)
        return verdict
    if record.voided:
        return Verdict(
            False,
            "voided",
            f"この証明書は取り消されています（{record.void_reason or '理由未登録'}）。",
            f"The certificate was voided: {record.void_reason}",
            verdict.payload,
        )
    if not record.known:
        print(
            "警告: サーバーに交付記録が見つかりません（縮退運用中の発行で未同期の可能性があります）。",
            file=sys.stderr,
        )
    return verdict


def run_verify(args: argparse.Namespace) -> int:
    from client.cli.verify_trusted import run_trusted_verify

    if args.file is None and args.qr is None:
        _err("検証するPDFか --qr を指定してください。", "pass a certificate PDF or --qr TEXT")
        sys.exit(EXIT_USAGE)  # as argparse does for a missing argument
    trusted = run_trusted_verify(args, _home())
    if trusted is not None:
        return trusted
    from client.verification.verify_pdf import verify_pdf

    if args.file is None:
        _err("QRコードの文字列の検証には信頼リストが必要です。", "--qr needs a trust list")
        return EXIT_USAGE
    try:
        pdf = args.file.read_bytes()
    except OSError as exc:
        _err(f"ファイル {args.file} を読み込めません。", f"cannot read {args.file}: {exc}")
        return EXIT_USAGE
    if not _sign_in_for_verify(args):
        return EXIT_USAGE
    keys = _keys_for(args)
    if keys is None:
        return EXIT_USAGE
    verdict = verify_pdf(pdf, keys)
    if verdict.valid and args.server:
        verdict = _with_server_record(verdict, pdf, args)
    if args.json:
        print(json.dumps({"file": str(args.file), **verdict.to_dict()}, ensure_ascii=False, indent=2))
    else:
        head = "有効 (VALID)" if verdict.valid else f"無効 (INVALID: {verdict.reason_code})"
        print(f"{head}: {args.file}")
        print(f"  {verdict.message_ja}")
        print(f"  {verdict.message_en}")
        if verdict.payload is not None:
            p = verdict.payload
            print(f"  発行番号: {p.issue_number}")
            print(f"  種類: {p.cert_type}  市区町村コード: {p.municipality_code}")
            print(f"  発行日時: {p.issued_at}  署名鍵: {p.key_id}")
    return EXIT_OK if verdict.valid else EXIT_INVALID


# ---------------------------------------------------------------------------------------------
# parser
# ---------------------------------------------------------------------------------------------


def _counter_registrars() -> list[Registrar]:
    from client.cli.counter_commands import REGISTRARS as COUNTER  # gui, issue, status (counter services)

    return list(COUNTER)


def _replica_registrars() -> list[Registrar]:
    from client.cli.replica_commands import REGISTRARS as REPLICA  # enroll, sync, status (replica-aware)

    return list(REPLICA)


def _hold_registrars() -> list[Registrar]:
    from client.cli.hold_commands import REGISTRARS as HOLD  # emergency holds in BCP mode (issue 18)

    return list(HOLD)


def _decommission_registrars() -> list[Registrar]:
    from client.lifecycle.decommission import register_decommission  # sync first, then erase data and keys

    return [register_decommission]


def _ops_registrars() -> list[Registrar]:
    from functools import partial

    from client.continuity.status import collect_status
    from client.lifecycle.diagnostics import register_diagnostics  # diagnostics bundle (owner: operations)

    return [partial(register_diagnostics, collect_status=collect_status)]


REGISTRARS: list[Registrar] = [register_verify, *_replica_registrars(), *_counter_registrars(),
                               *_hold_registrars(), *_decommission_registrars(), *_ops_registrars()]
DEFAULT_COMMAND = "gui"


def build_parser(registrars: list[Registrar] | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="madoguchi", description="Madoguchi counter application")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for register in registrars if registrars is not None else REGISTRARS:
        register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        argv = [DEFAULT_COMMAND]  # `madoguchi` alone opens the counter window
    args = parser.parse_args(argv)  # exits with 2 on a usage error
    # rotating log files under the data directory (owner: operations)
    from client.lifecycle.logging_setup import logging_for_cli
    from client.local.keystore import LocalDataError

    with logging_for_cli(getattr(args, "data_dir", None), getattr(args, "config", None)):
        try:
            return int(args.func(args))
        except LocalDataError as exc:  # keyring, key or database trouble: a message, never a traceback
            _err(exc.message_ja, exc.message_en)
            return EXIT_INVALID


if __name__ == "__main__":
    raise SystemExit(main())
