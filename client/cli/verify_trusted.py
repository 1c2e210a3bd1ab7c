"""``madoguchi verify`` under a trust list (``--trust-list FILE``, ``--server URL`` or the cache).

Returns None when no trust list applies (``--keys``, or a server without one and no cache): the
caller then verifies against bare public keys as before.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from client.certificate.trust_list import TrustListError
from client.certificate.trust_verdict import TrustVerdict
from client.verification.trust_store import LoadedList, fetch, load_cached, load_file

EXIT = {"valid": 0, "invalid": 1, "provisional": 3, "cannot_confirm": 3}
HEADS = {"valid": "有効 (VALID)", "invalid": "無効 (INVALID", "provisional": "未確認 (BCP — NOT YET CONFIRMED",
         "cannot_confirm": "確認できません (CANNOT CONFIRM"}


def _load(args: argparse.Namespace, home: Path) -> LoadedList | None:
    if args.trust_list is not None:
        return load_file(args.trust_list, home)
    if args.keys is not None:
        return None
    if args.server:
        try:
            return fetch(args.server, home)
        except TrustListError as exc:
            if exc.code != "trust_list_unavailable":
                raise
            return None  # a server without a trust list: the published keys
    return load_cached(home)


def run_trusted_verify(args: argparse.Namespace, home: Path) -> int | None:
    from client.verification.trusted_pdf import verify_pdf_trusted, verify_text_trusted

    now = datetime.now(UTC)
    label = str(args.file) if args.file is not None else "(QR text)"
    try:
        loaded = _load(args, home)
    except TrustListError as exc:
        verdict = TrustVerdict("invalid" if exc.code != "trust_list_unreadable" else "cannot_confirm", exc.code,
                               exc.message_ja, exc.message_en)
        if exc.code == "trust_list_unreadable":
            print(f"エラー: {exc.message_ja}\nerror: {exc.message_en}", file=sys.stderr)
            return 2
        return _print(args, label, verdict)
    if loaded is None:
        if args.qr is not None:
            print("エラー: QRコードの文字列の検証には信頼リストが必要です（--trust-list / --server）。\n"
                  "error: verifying a QR text needs a trust list", file=sys.stderr)
            return 2
        return None
    if loaded.warning_ja:
        print(f"警告: {loaded.warning_ja}\nwarning: {loaded.warning_en}", file=sys.stderr)
    if args.qr is not None:
        verdict = verify_text_trusted(args.qr, loaded.listing, now)
    else:
        if args.file is None:
            print("エラー: 検証するPDFか --qr を指定してください。\nerror: pass a PDF or --qr TEXT", file=sys.stderr)
            return 2
        try:
            pdf = args.file.read_bytes()
        except OSError as exc:
            print(f"エラー: ファイル {args.file} を読み込めません。\nerror: cannot read {args.file}: {exc}",
                  file=sys.stderr)
            return 2
        verdict = verify_pdf_trusted(pdf, loaded.listing, now)
    return _print(args, label, verdict)


def _print(args: argparse.Namespace, label: str, verdict: TrustVerdict) -> int:
    if args.json:
        print(json.dumps({"file": label, **verdict.to_dict()}, ensure_ascii=False, indent=2))
        return EXIT[verdict.status]
    head = HEADS[verdict.status]
    if verdict.status != "valid":
        head += f": {verdict.reason_code})"
    print(f"{head}: {label}")
    print(f"  {verdict.message_ja}")
    print(f"  {verdict.message_en}")
    for w in verdict.warnings:
        print(f"  警告: {w['message_ja']} / {w['message_en']}")
    p = verdict.payload
    if p is not None:
        for name, birth in p.persons:
            print(f"  氏名: {name}  生年月日: {birth}")
        print(f"  種別: {p.cert_type}  発行番号: {p.issue_number}")
        print(f"  発行日: {p.issue_date_text or p.issued_at}  市区町村コード: {p.municipality_code}  署名鍵: {p.key_id}")
    if verdict.list_issued_at is not None:
        print(f"  信頼リスト: {verdict.list_issued_at.isoformat()} 発行")
    return EXIT[verdict.status]
