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
from client.ui.review_dialog import SHARED_STRINGS as REVIEW_SHARED_STRINGS

HERE = Path(__file__).resolve().parent
UI_DIR = HERE.parent
TS = HERE / "madoguchi_en.ts"
QM = HERE / "madoguchi_en.qm"

EXTRA: dict[str, list[str]] = {
    "ResultsModel": ["氏名", "カナ", "生年月日", "住所", "状態", "宛名番号", "支援措置", "住民", "転出(除票)",
                     "死亡(除票)", "発行抑止", "抑止(警告)"],
    "DetailPane": ["続柄", "氏名", "カナ", "生年月日", "性別", "宛名番号", "住所", "状態", "世帯番号",
                   "本籍", "印鑑登録", "在留資格・期間"],
    "HistoryDialog": ["時刻", "証明書", "対象者", "発行番号", "通数", "手数料", "免除事由", "職員", "端末", "状態",
                      "交付", "取消", "再発行済", "未送信", "差戻し"],
    "IssuanceDialog": [label for _i, label in JUMINHYO_OPTIONS]
    + [label for _d, label in IDENTITY_DOCUMENTS]
    + list(REQUESTER_JA.values())
    + [t.label_ja for t in CertificateType],
}

EN: dict[str, str] = {
    # third-party and 職務上請求 fields (issue 16)
    "(選択してください)": "(choose)", "登録番号": "Registration no.", "依頼者の氏名": "Client's name",
    "依頼者": "Client", "申出者の住所(事務所の所在地)": "Applicant's address (office)", "申出者の住所": "Applicant's address",
    "特別の請求の理由": "Reason for the special request", "特別の請求を認める": "Accept the special request",
    "特別の請求": "Special request", "法令上の根拠(番号法19条)": "Legal basis (My Number Act art. 19)",
    "法令上の根拠": "Legal basis", "郵送による請求": "Request received by post",
    "対象者の住所へ郵送で交付する(個人番号入り)": "Send by post to the subject's address (with My Number)",
    "郵送で交付": "Deliver by post",
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
    # issue 19: the counter window, round two
    '本籍': 'Honseki (registered domicile)', '印鑑登録': 'Seal registration', '在留資格・期間': 'Residence status and period',
    '登録あり': 'Registered', '登録なし': 'Not registered',
    'プリンタ設定': 'Printer settings', '未送信': 'Not synced', '差戻し': 'Rejected', '(BCP)': ' (BCP)',
    '(残りわずか)': ' (running low)',
    'BCPで交付した内容': 'Issued in BCP mode',
    'BCPモード(縮退運用)に切り替わりました。\nデータセンターに接続できないため、この端末の複製データ(データ時点 {time})で交付します。\n支援措置・抑止のある方と、個人番号・住民票コード入りの証明書は交付できません。': "BCP mode (degraded operation) has started.\nThe data centre cannot be reached: certificates are issued from this terminal's replica (data as of {time}).\nPersons under a support measure or a block, and certificates with My Number or the juminhyo code, cannot be issued.",
    'BCPモードで交付した証明書の照合結果を確認します。係長の承認が必要です。': "Review the reconciliation of certificates issued in BCP mode. A supervisor's approval is required.",
    'BCPモードで発行した {n} 件がまだ同期されていません。係長が確認のうえ日計を締めます(日計表に未同期の件数が記載されます)。': '{n} BCP issuances are not synced yet. A supervisor confirms before the day is closed (the day close lists the unsynced count).',
    'BCP照合結果(係長)': 'BCP reconciliation (supervisor)',
    'BCP照合結果の確認': 'BCP reconciliation review',
    'BCP照合結果の確認(係長)': 'BCP reconciliation review (supervisor)',
    'BCP用発行番号なし — BCPモードでは交付できません': 'No BCP serial numbers left — cannot issue in BCP mode',
    'F12 処理を記録': 'F12 Record the outcome',
    'F12 印刷(未印刷)': 'F12 Print (not printed yet)',
    'F2 印刷(未印刷分)': 'F2 Print (not printed yet)',
    '{atena} を「{outcome}」として記録しました。': 'Recorded {atena} as “{outcome}”.',
    '{n}件を超えて該当します。先頭の{n}件を表示しています。生年月日や名まで入力して絞り込んでください。': 'More than {n} matches; the first {n} are shown. Narrow the search (add the birth date or the given name).',
    'オンラインに復旧': 'Back online',
    'サーバーの判定': "Server's decision",
    'データセンターとの接続が戻りました。オンラインで交付します。\nBCP中の交付 {pushed}件を送信しました。': 'The data centre answers again; issuing online.\n{pushed} issuances made in BCP mode were sent.',
    'データセンターとの接続が戻りました。オンラインで交付します。\nBCP中の交付を送信しています…': 'The data centre answers again; issuing online.\nSending the issuances made in BCP mode…',
    '不明': 'unknown',
    'F8: 支援措置責任者が請求者を確認して解除します。': 'F8: the support-measure supervisor checks the requester and releases.',
    '請求は F5 で入力し、F8 で支援措置責任者の解除を受けます。': 'Enter a request with F5; the support-measure supervisor releases it with F8.',
    '係長の承認が必要です。': "A supervisor's approval is required.",
    '係長の確認が必要な交付はありません。': "Nothing waits for a supervisor's review.",
    '係長の確認で締める': "Close with a supervisor's confirmation",
    '停止 — 支援措置の対象者です。': 'Stop — this person is under a support measure.',
    '処理する照合結果を選んでください。': 'Select a reconciliation result to process.',
    '処理内容(「その他」の場合は必須)': 'Note (required for “Other”)',
    '処理内容の記入(「その他」は必須)': 'Note (required for “Other”)',
    '処理結果': 'Outcome',
    '処理結果を記録': 'Record the outcome',
    '印刷されませんでした(未印刷のままです)。': 'Nothing was printed (still not printed).',
    '印刷しました。交付してください: {numbers}': 'Printed. Hand it over: {numbers}',
    '印刷する交付を選んでください。': 'Select the issuance to print.',
    '支援措置対象者 — 内容は表示されません。': 'Protected person (support measure) — details are not shown.',
    '未印刷': 'Not printed',
    '未印刷(まだ交付していません): {n} — 交付履歴(F6)から印刷できます': 'Not printed (not handed over yet): {n} — print it from the issuance history (F6)',
    '未印刷の証明書を印刷': 'Print the unprinted certificates',
    '未同期のBCP発行の確認': 'Unsynced BCP issuances',
    '未同期のBCP発行を係長が確認して締める': 'A supervisor confirms the unsynced BCP issuances and closes',
    '未同期のBCP発行を確認': 'Confirm the unsynced BCP issuances',
    '本人確認(&I)': '&Identity check',
    '照合で見つかった競合の一覧': 'Conflicts found by the reconciliation',
    '照合の結果、係長の確認が必要な交付が {n}件あります(F4 BCP照合結果)。': "{n} issuances need a supervisor's review after the reconciliation (F4 BCP reconciliation).",
    '発行を記録しましたが、印刷されていません(未印刷)。まだ交付していません。手数料は受け取らないでください。\n発行番号:\n{numbers}\nF12 で印刷します(交付履歴 F6 からも印刷できます。番号は変わりません)。': 'Issued and recorded, but not printed. Not handed over yet: do not take the fee.\nIssue numbers:\n{numbers}\nF12 prints (also from the issuance history, F6; the numbers stay the same).',
    '発行番号 残り {n}': '{n} serial numbers left',
    '窓口アプリを終了しますか?': 'Quit the counter application?',
    '終了する': 'Quit',
    '終了の確認': 'Quit',
    '表示': 'Show',
    '表示する照合結果': 'Results to show',
    '記録しています…': 'Recording…',
    '該当する照合結果はありません。': 'No reconciliation results.',
    '請求の内容が変わったため、支援措置の解除は無効になりました。必要なら改めて解除を受けてください。': 'The request changed, so the support-measure release no longer applies. Ask for a release again if needed.',
    '防災訓練': 'Disaster drill',
    '防災訓練(BCPモードの練習) — 見本のみ・送信されません': 'Disaster drill (BCP practice) — samples only, nothing is sent',
    '防災訓練を始めました(BCPモードの練習)。発行するのはすべて「見本」で、データセンターへは送信されません。': 'The disaster drill has started (BCP practice). Everything issued is a sample (見本) and nothing is sent to the data centre.',
}
EN.update({t.label_ja: t.label_en for t in CertificateType})


# マイナンバーカード dialog (client/ui/card_dialog.py) and its F3 hook.
EXTRA["CardDialog"] = list(REQUESTER_JA.values()) + [t.label_ja for t in CertificateType] + [
    label for _i, label in JUMINHYO_OPTIONS]
EN.update({
    "カード読取": "Read card",
    "カードリーダーが設定されていません(システム担当者に連絡してください)。":
        "No card reader is configured (contact IT).",
    "マイナンバーカードによる本人確認": "Identity check with the My Number card",
    "1. 券面の確認(照合番号B: 生年月日6桁+有効期限の年4桁+セキュリティコード4桁)":
        "1. Card face (check number B: birth date 6 digits + expiry year 4 digits + security code 4 digits)",
    "2. 4情報の読取(暗証番号4桁: 住民の方が入力)": "2. The four items (4-digit PIN, typed by the resident)",
    "3. 住民記録との照合": "3. Match with the resident record",
    "4. 交付請求書(書かない窓口)": "4. Request form (no-writing counter)",
    "照合番号B": "Check number B", "券面を読み取る": "Read the card face", "暗証番号": "PIN",
    "4情報を読み取る": "Read the four items", "(顔写真)": "(photo)",
    "顔写真と窓口の方が同一人物であることを確認した": "I compared the photo with the person at the counter",
    "項目": "Item", "カード": "Card", "住民記録": "Resident record", "結果": "Result", "一致": "Match",
    "不一致": "Mismatch",
    "不一致の内容を確認し、窓口の方が本人であると判断した":
        "I checked the mismatches and judged that the person at the counter is the card holder",
    "住民票は世帯全員": "Certificate of residence for the whole household", "使用目的": "Purpose of use",
    "提出先": "Submitted to", "資格・登録番号": "Qualification and registration no.",
    "請求書を表示": "Show the request form", "請求書を印刷": "Print the request form",
    "本人確認を記録して交付へ": "Record the identity check and issue",
    "カードをリーダーに置き、カード券面の照合番号Bを入力してください。":
        "Place the card on the reader and type check number B from the card face.",
    "カードを読み取っています…": "Reading the card…",
    "券面を確認しました。顔写真とご本人を見比べてください。次に住民の方に暗証番号を入力していただきます。":
        "Card face read. Compare the photo with the person. Next, the resident types the PIN.",
    "生年月日 {birth}　性別 {sex}　有効期限 {expiry}　署名 検証済":
        "Born {birth}  sex {sex}  valid until {expiry}  signature verified",
    "暗証番号の残り回数: {n}回": "PIN tries left: {n}", "(この端末では照合しません)": " (not tried on this terminal)",
    "4情報を読み取り、住民記録と照合しています…": "Reading the four items and matching the resident record…",
    "住民記録と照合しました。請求の内容を選び、請求書を表示・印刷してください。":
        "Matched with the resident record. Choose what is requested, then show or print the request form.",
    "(メイン画面で対象の住民を選んでください)": "(select the subject in the main window)",
    "顔写真の確認(と不一致の確認)をしてから請求書を作成してください。":
        "Confirm the photo (and the mismatches) before making the request form.",
    "交付請求書を作成しました。請求者に内容を確認していただき、署名をもらってください。":
        "Request form made. Let the requester check it and sign.",
    "顔写真の確認と対象者の選択をしてから交付へ進んでください。":
        "Confirm the photo and choose the subject before issuing.",
    "顔写真を表示できません(画像形式)": "The photo cannot be shown (image format)",
})

# the terminal's standing and a wipe on contact (issue 15)
EN.update({
    "端末の状態": "Terminal standing", "不明": "unknown",
    "利用停止 — この端末は使用できません": "Revoked — this terminal cannot be used",
    "端末 {terminal}: 利用停止(失効 {at}) — 住民データ(複製)と鍵は消去されました。この端末で窓口業務は行えません。":
        "Terminal {terminal}: revoked (at {at}) — the replicas and the keys have been erased. "
        "The counter cannot be used on this terminal.",
    "端末 {terminal}: 利用停止(失効 {at}) — 住民データ(複製)は閉じられました。この端末で窓口業務は行えません。":
        "Terminal {terminal}: revoked (at {at}) — the replicas are closed. The counter cannot be used on this "
        "terminal.",
    "この端末は登録されていません。": "This terminal is not enrolled.",
    "署名鍵 有効期限なし": "signing key without expiry", "署名鍵なし": "no signing key",
    "端末 {terminal} 登録済み・{key}": "Terminal {terminal} enrolled · {key}",
    "端末の署名鍵がありません。システム管理者に連絡してください。":
        "The terminal's signing key is missing. Contact the system administrator.",
    "住民データ(複製)の鍵の利用期限が切れているため、複製を開けません(BCPモードでの交付はできません)。"
    "データセンターに接続すると更新されます。未送信の交付記録は保持されています。":
        "The replica key lease has expired, so the replica cannot be opened (no issuance in BCP mode). It is "
        "renewed when the data centre is reached. Unsynced issuances are kept.",
    "住民データ(複製)の鍵の利用期限({until})が過ぎたため、複製を開けません(BCPモードでの交付はできません)。"
    "データセンターに接続すると更新されます。未送信の交付記録は保持されています。":
        "The replica key lease ended ({until}), so the replica cannot be opened (no issuance in BCP mode). It is "
        "renewed when the data centre is reached. Unsynced issuances are kept.",
    "複製の鍵 {until} まで(残り {days} 日)": "replica key valid until {until} ({days} days left)",
    "期限を過ぎると住民データ(複製)を開けなくなります。データセンターに接続してください。":
        "After that the replica can no longer be opened. Connect to the data centre.",
    "この端末は利用停止されました": "This terminal has been revoked",
    "データセンターがこの端末を利用停止(失効)しました。利用停止日時: {when}":
        "The data centre revoked this terminal at {when}",
    "(理由: {reason})": " (reason: {reason})",
    "利用停止前にこの端末で交付した記録 {n} 件を、消去の前にデータセンターへ送信しました(交付履歴に残ります)。":
        "{n} issuance(s) made on this terminal before the revocation were sent to the data centre before the "
        "wipe (they stay in the issuance history).",
    "未送信の交付記録 {n} 件は、回線の障害のためまだ送信できていません。記録は端末に保持され、"
    "回線が戻りしだい送信してから消去します(アプリを終了した場合は madoguchi sync で送信します)。":
        "{n} unsynced issuance(s) could not be sent yet (the line failed). They are kept on the terminal, sent "
        "as soon as the line is back and then erased (if the application is closed: madoguchi sync sends them).",
    "利用停止後の交付記録 {n} 件はデータセンターが受け付けず、消去されました。":
        "{n} issuance(s) made after the revocation were refused by the data centre and erased.",
    "この端末の住民データ(複製)、相互バックアップ協定先の複製、暗号鍵と端末の鍵を消去しました。":
        "This terminal's replica, the mutual-backup partners' replicas, the encryption keys and the terminal key "
        "have been erased.",
    "この端末の住民データ(複製)と相互バックアップ協定先の複製は、鍵を消去したため開けなくなりました。":
        "This terminal's replica and the partners' replicas can no longer be opened: their keys are erased.",
    "この端末ではサインイン・検索・交付はできません。この端末を使わずに、システム管理者"
    "(データセンターの端末管理担当)に連絡してください。":
        "Sign-in, search and issuance are not possible on this terminal. Stop using it and call the system "
        "administrator (the data centre's terminal management).",
    "確認しました": "Understood",
    "サインアウトしました(端末の利用停止)": "Signed out (terminal revoked)",
    "この端末は利用停止されました。サインイン・検索・交付はできません。システム管理者に連絡してください。":
        "This terminal has been revoked. Sign-in, search and issuance are not possible. Contact the system "
        "administrator.",
})

# emergency holds, their proposals and the hall's BCP history (issue 18)
EXTRA["EmergencyHoldDialog"] = ["緊急抑止", "仮支援措置"]
EXTRA["HoldProposalDialog"] = ["宛名番号", "種類", "理由", "記録者", "端末", "記録日時", "状態", "緊急抑止", "仮支援措置",
                               "確認待ち", "確定", "取下げ", "すべて"]
EXTRA["MainWindow"] = ["緊急抑止", "仮支援措置"]
# review_dialog translates with self.tr, that is in each subclass's context
for _review in ("ConflictDialog", "HoldProposalDialog"):
    EXTRA.setdefault(_review, []).extend(REVIEW_SHARED_STRINGS)
EN.update({
    "緊急抑止": "Emergency suppression", "仮支援措置": "Provisional support measure",
    "緊急措置の記録(係長)": "Record an emergency hold (supervisor)",
    "対象者: {name}(宛名番号 {atena})": "Person: {name} (atena no. {atena})",
    "BCPモード中の緊急措置です。この端末ですぐに適用され、庁舎内の他の端末にも送られます。"
    "回線復旧後、データセンターで係長が確定するまで有効です。":
        "An emergency measure in BCP mode. It applies on this terminal at once and is sent to the hall's "
        "other terminals. It stays in force until a supervisor confirms it at the data centre after recovery.",
    "種類": "Kind", "係長の職員ID": "Supervisor's staff ID", "係長のパスワード": "Supervisor's password",
    "理由(必須、200文字以内)": "Reason (required, at most 200 characters)",
    "係長ID(&U)": "Supervisor &ID", "F12 記録": "F12 Record", "緊急措置を記録": "Record the emergency hold",
    "Esc 戻る": "Esc Back", "係長のIDとパスワードを入力してください。": "Enter the supervisor's ID and password.",
    "記録しています…": "Recording…",
    "緊急措置の確定(係長)": "Confirm emergency holds (supervisor)", "表示する提案": "Proposals to show",
    "緊急措置の提案の一覧": "Emergency hold proposals", "提案の内容": "Proposal details", "処理": "Decision",
    "確定": "Confirmed", "取下げ": "Declined", "確認待ち": "Waiting", "すべて": "All",
    "記入内容(取下げは必須)": "Note (required to decline)", "記入内容(取下げの場合は必須)": "Note (required to decline)",
    "処理を記録": "Record the decision",
    "緊急措置の確定": "Confirm emergency holds",
    "BCPモード中に記録された緊急措置を確定または取下げします。係長の承認が必要です。":
        "Confirm or decline the emergency holds recorded in BCP mode. A supervisor's approval is needed.",
    "該当する提案はありません。": "No proposals.", "処理する提案を選んでください。": "Choose a proposal.",
    "{atena} の{kind}を「{status}」としました。": "{atena}: {kind} marked '{status}'.",
    "記録者": "Recorded by", "記録日時": "Recorded at", "理由": "Reason", "表示": "Show",
    "緊急措置の記録(BCP・係長)": "Record an emergency hold (BCP, supervisor)",
    "緊急措置はBCPモード中のみ記録できます。オンライン中はデータセンターで抑止・支援措置を登録してください。":
        "Emergency holds are recorded in BCP mode only. Online, register the suppression or support measure "
        "at the data centre.",
    "{kind}を記録しました(宛名番号 {atena})。この端末で適用中です。":
        "{kind} recorded (atena no. {atena}). In force on this terminal.",
    " 送信済みの端末: {ids}。": " Sent to: {ids}.",
    " 届かなかった端末: {ids}(接続時に自動で送られます)。": " Not reached: {ids} (sent when they connect).",
    "緊急措置 {n}件 適用中": "{n} emergency hold(s) in force",
    "庁舎全体(BCP)": "Whole hall (BCP)", "庁舎内の全端末のBCP交付を表示": "Show the BCP issuances of every terminal of the hall",
    " 重複": " duplicate",
    " — 重複 {n}件: 同じ方に同じ証明書が複数の窓口で交付されています。":
        " — {n} duplicate(s): the same certificate was issued to the same person at more than one window.",
    " 応答のない端末: {ids}(この端末に写しがある分のみ表示)。":
        " Terminals not answering: {ids} (only the copies kept on this terminal are shown).",
})


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
