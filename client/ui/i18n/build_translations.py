"""Regenerate the UI translations: ``python -m client.ui.i18n.build_translations``.

1. ``pyside6-lupdate`` collects the Japanese source strings of client/ui into madoguchi_en.ts;
2. strings chosen at run time (column titles, option labels) are added per context;
3. the English below fills every message; 4. ``pyside6-lrelease`` compiles madoguchi_en.qm.
Both files are checked in; the .qm is what the application loads.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from client.domain.model import CertificateType
from client.services.display import REQUESTER_JA
from client.services.issuance_form import IDENTITY_DOCUMENTS, JUMINHYO_OPTIONS

HERE = Path(__file__).resolve().parent
UI_DIR = HERE.parent
TS = HERE / "madoguchi_en.ts"
QM = HERE / "madoguchi_en.qm"

EXTRA: dict[str, list[str]] = {
    "ResultsModel": ["氏名", "カナ", "生年月日", "住所", "状態", "宛名番号", "支援措置", "住民", "転出(除票)",
                     "死亡(除票)", "発行抑止", "抑止(警告)"],
    "DetailPane": ["続柄", "氏名", "カナ", "生年月日", "性別", "宛名番号", "住所", "状態", "世帯番号"],
    "HistoryDialog": ["時刻", "証明書", "対象者", "発行番号", "通数", "手数料", "免除事由", "職員", "端末", "状態",
                      "交付", "取消", "再発行済"],
    "IssuanceDialog": [label for _i, label in JUMINHYO_OPTIONS]
    + [label for _d, label in IDENTITY_DOCUMENTS]
    + list(REQUESTER_JA.values())
    + [t.label_ja for t in CertificateType],
}

EN: dict[str, str] = {
    "日計表": "Day close", "対象日": "Date", "日計表の内訳": "Day close breakdown", "区分": "Category",
    "件数": "Issuances", "通数": "Copies", "手数料(円)": "Fees (yen)", "F12 PDF作成": "F12 Make PDF",
    "日計表のPDFを作成": "Make the day close PDF", "Esc 閉じる": "Esc Close", "閉じる": "Close",
    "集計しています…": "Totalling…",
    "合計 {count}件 {copies}通 手数料 {fee}円(取消 {voided}件は除く)":
        "Total {count} issuances, {copies} copies, fees {fee} yen (excluding {voided} voided)",
    "証明書の種類": "Certificate type", "免除事由": "Exemption reason", "端末": "Terminal", "職員": "Staff",
    "PDFを作成しています…": "Making the PDF…", "日計表を保存しました: {path}": "Day close saved: {path}",
    "住民の詳細": "Resident details", "交付停止": "Issuance stopped", "氏名": "Name", "カナ": "Kana",
    "生年月日": "Date of birth", "性別": "Sex", "住所": "Address", "状態": "Status", "宛名番号": "Atena no.",
    "世帯番号": "Household no.", "世帯の構成員": "Household members", "世帯の構成(記載順)": "Household (standard order)",
    "支援措置対象者 — 照会・交付はできません。":
        "Protected person (support measure) — no viewing, no issuance.",
    "支援措置責任者の解除が必要です(F5 交付 → 解除申請)。":
        "A support-measure supervisor must release it (F5 Issue → release).",
    "交付履歴": "Issuance history", "選択中の住民のみ": "Selected resident only", "交付履歴の一覧": "Issuance list",
    "F3 取消": "F3 Void", "取消": "Voided", "F4 再発行": "F4 Reprint", "再発行": "Reprint", "F5 更新": "F5 Refresh",
    "更新": "Refresh", "読み込んでいます…": "Loading…", "{n}件": "{n} entries",
    "取消できる交付を選んでください。": "Select an issuance that can be voided.", "取消しました。": "Voided.",
    "交付の取消": "Void an issuance",
    "{numbers} を取り消します。係長の承認と理由が必要です。":
        "Voiding {numbers}. A supervisor's approval and a reason are required.",
    "再発行できる交付を選んでください。": "Select an issuance that can be reprinted.",
    "再発行しました: {numbers}": "Reprinted: {numbers}",
    "{numbers} を再発行します(新しい発行番号になります)。係長の承認と理由が必要です。":
        "Reprinting {numbers} (new issue numbers). A supervisor's approval and a reason are required.",
    "パスワードが正しくありません。": "The password is not correct.", "証明書の交付": "Issue a certificate",
    "対象者": "Persons", "世帯全員": "Whole household",
    "記載事項(特別の請求があるもののみ)": "Items (only when specially requested)", "請求者": "Requester",
    "請求者の区分": "Requester kind", "請求者の氏名": "Requester's name", "本人確認書類": "Identity document",
    "委任状あり": "Power of attorney presented", "委任状": "Power of attorney", "利用目的": "Purpose",
    "資格": "Qualification", "請求機関": "Requesting agency", "本人確認": "Identity check",
    "印鑑登録証番号": "Seal registration card no.", "課税年度": "Tax year", "手数料免除事由": "Fee exemption reason",
    "なし(有料)": "None (fee payable)", "手数料免除": "Fee exemption", "判定": "Verdict", "手数料": "Fee",
    "支援措置責任者による解除(F8)": "Release by the support-measure supervisor (F8)",
    "支援措置責任者による解除": "Release by the support-measure supervisor",
    "F10 プレビュー": "F10 Preview", "プレビュー": "Preview", "F12 発行・印刷": "F12 Issue and print",
    "発行・印刷": "Issue and print", "証明書(&T)": "Certificate (&T)", "判定しています…": "Checking…",
    "交付できます。": "Can be issued.",
    "停止 — 支援措置の対象です。交付できません。": "STOP — a support measure applies. Cannot be issued.",
    "支援措置責任者が内容を確認し、解除する場合のみ交付できます(F8)。":
        "Only if the support-measure supervisor reviews and releases it (F8).",
    "交付できません。": "Cannot be issued.", "手数料 免除({reason}) {copies}通": "Fee exempt ({reason}), {copies} copies",
    "手数料 {fee}円({copies}通)": "Fee {fee} yen ({copies} copies)", "判定できません。": "No verdict.",
    "支援措置の解除": "Release a support measure",
    "支援措置責任者が、この請求が加害者によるものでないことを確認した場合に限り解除します。解除は記録されます。":
        "Release only after confirming the request does not come from the perpetrator. The release is recorded.",
    "{name} が解除しました。理由: {reason}": "Released by {name}. Reason: {reason}",
    "プレビュー: {path}": "Preview: {path}", "発行しています…": "Issuing…",
    "交付しました。発行番号:\n{numbers}": "Issued. Issue numbers:\n{numbers}",
    "ロック中": "Locked", "画面をロックしました。": "The screen is locked.",
    "{user} のパスワードを入力してください。": "Enter the password of {user}.", "パスワード": "Password",
    "ロック解除": "Unlock", "検索": "Search", "交付": "Issue", "ロック": "Lock", "English / 日本語": "English / 日本語",
    "キー操作": "Keys", "終了": "Quit", "窓口 — 証明書交付": "Madoguchi — Certificate issuance",
    "操作(&O)": "&Operations", "検索(&S)": "&Search",
    "カナ・氏名・生年月日(例 S60.4.1)・宛名番号": "Kana, name, date of birth (e.g. S60.4.1) or atena no.",
    "住民検索": "Resident search", "検索結果": "Search results", "Enter\t次へ / 決定": "Enter\tNext / confirm",
    "Esc\t戻る / 閉じる": "Esc\tBack / close", "検索しています…": "Searching…", "{n}件 見つかりました": "{n} found",
    "該当者はいません": "No match", "先に住民を選んでください。": "Select a resident first.",
    "交付しました: {n}": "Issued: {n}", "接続状態": "Connection state", "オンライン(主回線)": "Online (primary line)",
    "オンライン(副回線)": "Online (secondary line)", "BCPモード(縮退運用)": "BCP mode (degraded operation)",
    "復旧中(同期しています)": "Recovering (synchronising)", "データ時点 {time}(経過 {age})": "Data as of {time} ({age} old)",
    "未送信 {n}件": "{n} waiting to sync", "窓口 — サインイン": "Madoguchi — Sign in",
    "証明書交付システム サインイン": "Certificate issuance — sign in", "職員ID": "Staff ID", "エラー": "Error",
    "職員ID(&U)": "Staff ID (&U)", "パスワード(&P)": "Password (&P)", "サインイン": "Sign in",
    "団体": "Municipality", "団体(&M)": "Municipality (&M)", "この端末の団体 ({code})": "This terminal's municipality ({code})",
    "{name} ({code}) — 相互バックアップ": "{name} ({code}) — mutual backup",
    "サインインしています…": "Signing in…", "監督者の職員ID": "Supervisor's staff ID",
    "監督者のパスワード": "Supervisor's password", "理由": "Reason", "監督者ID(&U)": "Supervisor ID (&U)",
    "理由(&R)": "Reason (&R)", "承認": "Approve", "戻る": "Back",
    "監督者のIDとパスワードを入力してください。": "Enter the supervisor's ID and password.",
    "理由を入力してください。": "Enter a reason.",
    "来庁した世帯員": "Household member at the counter", "動作モード": "Mode",
    "BCPへ移行(係長)": "Declare BCP (supervisor)", "BCPモードへの移行": "Declare BCP mode",
    "BCPモードへ移行する(係長の確認)": "Declare BCP mode (supervisor's confirmation)",
    "F8 BCPへ移行(係長)": "F8 Declare BCP (supervisor)",
    "{name} がBCPモードへの移行を確認しました。": "{name} declared BCP mode.",
    "この端末は登録されていないため、BCPモードは使えません。":
        "This terminal is not enrolled: BCP mode is not available.",
    "データセンターに接続できません。係長が確認のうえ、複製データによる縮退運用(BCP)に移行します。":
        "The data centre cannot be reached. After the supervisor's check the counter works from the local "
        "replica (BCP mode).",
    "全回線断 — BCPモードへの移行に係長の確認が必要です":
        "All lines down — a supervisor must confirm the switch to BCP mode",
    "全回線が {seconds} 秒前から応答しません。": "No line has answered for {seconds} s.",
    "{url}: 応答あり": "{url}: answering",
    "{url}: {since} から失敗 {n} 回 — 最後のエラー: {error}": "{url}: failing since {since}, {n} failures — last error: {error}",
    "宛名番号で検索": "Search by atena no.", "生年月日で検索": "Search by date of birth",
    "カナで検索": "Search by kana", "氏名で検索": "Search by name", "住所で検索": "Search by address",
    # run-time strings
    "続柄": "Relation", "時刻": "Time", "証明書": "Certificate", "発行番号": "Issue no.", "再発行済": "Reprinted",
    "世帯主・続柄": "Head of household and relation", "本籍・筆頭者": "Honseki and head of family register",
    "住民票コード": "Resident record code", "個人番号": "My Number", "未確認": "Not checked",
    "マイナンバーカード": "My Number card", "運転免許証": "Driver's licence", "パスポート": "Passport",
    "在留カード": "Residence card", "2点以上の書類": "Two or more documents", "職員証(公用)": "Official ID (official use)",
    "支援措置": "Support measure", "住民": "Resident", "転出(除票)": "Moved out (removed)",
    "死亡(除票)": "Deceased (removed)", "発行抑止": "Issuance suppressed", "抑止(警告)": "Suppression (alert)",
    "本人": "The person", "同一世帯員": "Household member", "代理人": "Agent", "第三者": "Third party",
    "職務上請求": "Professional request", "公用": "Official use",
}
EN.update({t.label_ja: t.label_en for t in CertificateType})


def _tool(name: str) -> str:
    exe = Path(sys.executable).with_name(name)
    found = str(exe) if exe.exists() else shutil.which(name)
    if not found:
        raise SystemExit(f"{name} not found (PySide6-Essentials provides it)")
    return found


def main() -> int:
    sources = sorted(str(p) for p in UI_DIR.glob("*.py"))
    subprocess.run([_tool("pyside6-lupdate"), *sources, "-no-obsolete", "-ts", str(TS)], check=True,
                   capture_output=True)
    tree = ET.parse(TS)
    root = tree.getroot()
    contexts = {c.findtext("name"): c for c in root.iter("context")}
    for name, texts in EXTRA.items():
        ctx = contexts.get(name)
        if ctx is None:
            ctx = ET.SubElement(root, "context")
            ET.SubElement(ctx, "name").text = name
            contexts[name] = ctx
        present = {m.findtext("source") for m in ctx.iter("message")}
        for text in dict.fromkeys(texts):
            if text not in present:
                m = ET.SubElement(ctx, "message")
                ET.SubElement(m, "source").text = text
                ET.SubElement(m, "translation")
    missing: list[str] = []
    for m in root.iter("message"):
        source = m.findtext("source") or ""
        tr = m.find("translation")
        assert tr is not None
        if source in EN:
            tr.text = EN[source]
            tr.attrib.pop("type", None)
        else:
            missing.append(source)
    ET.indent(tree)
    tree.write(TS, encoding="utf-8", xml_declaration=True)
    subprocess.run([_tool("pyside6-lrelease"), str(TS), "-qm", str(QM)], check=True, capture_output=True)
    for source in sorted(set(missing)):
        print(f"untranslated: {source!r}")
    print(f"wrote {TS.name} and {QM.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
