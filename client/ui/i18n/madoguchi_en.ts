<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="en_US">
  <context>
    <name>ConflictDialog</name>
    <message>
      <location filename="../conflict_dialog.py" line="112" />
      <source>BCP照合結果の確認(係長)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../conflict_dialog.py" line="117" />
      <source>表示する照合結果</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../conflict_dialog.py" line="124" />
      <source>照合で見つかった競合の一覧</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../conflict_dialog.py" line="135" />
      <source>BCPで交付した内容</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../conflict_dialog.py" line="139" />
      <source>サーバーの判定</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../conflict_dialog.py" line="147" />
      <source>処理結果</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../conflict_dialog.py" line="158" />
      <source>処理内容の記入(「その他」は必須)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../conflict_dialog.py" line="159" />
      <source>処理内容(「その他」の場合は必須)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../conflict_dialog.py" line="162" />
      <source>F12 処理を記録</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../conflict_dialog.py" line="164" />
      <source>処理結果を記録</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../conflict_dialog.py" line="169" />
      <source>Esc 閉じる</source>
      <translation>Esc Close</translation>
    </message>
    <message>
      <location filename="../conflict_dialog.py" line="170" />
      <source>閉じる</source>
      <translation>Close</translation>
    </message>
    <message>
      <location filename="../conflict_dialog.py" line="178" />
      <source>表示</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../conflict_dialog.py" line="200" />
      <location filename="../conflict_dialog.py" line="204" />
      <source>BCP照合結果の確認</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../conflict_dialog.py" line="201" />
      <source>BCPモードで交付した証明書の照合結果を確認します。係長の承認が必要です。</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../conflict_dialog.py" line="206" />
      <source>係長の承認が必要です。</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../conflict_dialog.py" line="238" />
      <source>読み込んでいます…</source>
      <translation>Loading…</translation>
    </message>
    <message>
      <location filename="../conflict_dialog.py" line="250" />
      <source>{n}件</source>
      <translation>{n} entries</translation>
    </message>
    <message>
      <location filename="../conflict_dialog.py" line="252" />
      <source>該当する照合結果はありません。</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../conflict_dialog.py" line="288" />
      <source>処理する照合結果を選んでください。</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../conflict_dialog.py" line="298" />
      <source>記録しています…</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../conflict_dialog.py" line="302" />
      <source>{atena} を「{outcome}」として記録しました。</source>
      <translation type="unfinished" />
    </message>
  </context>
  <context>
    <name>DayCloseDialog</name>
    <message>
      <location filename="../day_close_dialog.py" line="48" />
      <source>日計表</source>
      <translation>Day close</translation>
    </message>
    <message>
      <location filename="../day_close_dialog.py" line="55" />
      <location filename="../day_close_dialog.py" line="95" />
      <source>対象日</source>
      <translation>Date</translation>
    </message>
    <message>
      <location filename="../day_close_dialog.py" line="64" />
      <source>日計表の内訳</source>
      <translation>Day close breakdown</translation>
    </message>
    <message>
      <location filename="../day_close_dialog.py" line="65" />
      <source>区分</source>
      <translation>Category</translation>
    </message>
    <message>
      <location filename="../day_close_dialog.py" line="65" />
      <source>件数</source>
      <translation>Issuances</translation>
    </message>
    <message>
      <location filename="../day_close_dialog.py" line="65" />
      <source>通数</source>
      <translation>Copies</translation>
    </message>
    <message>
      <location filename="../day_close_dialog.py" line="65" />
      <source>手数料(円)</source>
      <translation>Fees (yen)</translation>
    </message>
    <message>
      <location filename="../day_close_dialog.py" line="76" />
      <source>係長の確認で締める</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../day_close_dialog.py" line="78" />
      <source>未同期のBCP発行を係長が確認して締める</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../day_close_dialog.py" line="82" />
      <source>F12 PDF作成</source>
      <translation>F12 Make PDF</translation>
    </message>
    <message>
      <location filename="../day_close_dialog.py" line="84" />
      <source>日計表のPDFを作成</source>
      <translation>Make the day close PDF</translation>
    </message>
    <message>
      <location filename="../day_close_dialog.py" line="86" />
      <source>Esc 閉じる</source>
      <translation>Esc Close</translation>
    </message>
    <message>
      <location filename="../day_close_dialog.py" line="87" />
      <source>閉じる</source>
      <translation>Close</translation>
    </message>
    <message>
      <location filename="../day_close_dialog.py" line="120" />
      <source>集計しています…</source>
      <translation>Totalling…</translation>
    </message>
    <message>
      <location filename="../day_close_dialog.py" line="126" />
      <source>合計 {count}件 {copies}通 手数料 {fee}円(取消 {voided}件は除く)</source>
      <translation>Total {count} issuances, {copies} copies, fees {fee} yen (excluding {voided} voided)</translation>
    </message>
    <message>
      <location filename="../day_close_dialog.py" line="133" />
      <source>証明書の種類</source>
      <translation>Certificate type</translation>
    </message>
    <message>
      <location filename="../day_close_dialog.py" line="134" />
      <source>免除事由</source>
      <translation>Exemption reason</translation>
    </message>
    <message>
      <location filename="../day_close_dialog.py" line="135" />
      <source>端末</source>
      <translation>Terminal</translation>
    </message>
    <message>
      <location filename="../day_close_dialog.py" line="136" />
      <source>職員</source>
      <translation>Staff</translation>
    </message>
    <message>
      <location filename="../day_close_dialog.py" line="137" />
      <source>動作モード</source>
      <translation>Mode</translation>
    </message>
    <message>
      <location filename="../day_close_dialog.py" line="168" />
      <source>未同期のBCP発行の確認</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../day_close_dialog.py" line="169" />
      <source>BCPモードで発行した {n} 件がまだ同期されていません。係長が確認のうえ日計を締めます(日計表に未同期の件数が記載されます)。</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../day_close_dialog.py" line="173" />
      <source>未同期のBCP発行を確認</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../day_close_dialog.py" line="192" />
      <source>PDFを作成しています…</source>
      <translation>Making the PDF…</translation>
    </message>
    <message>
      <location filename="../day_close_dialog.py" line="196" />
      <source>日計表を保存しました: {path}</source>
      <translation>Day close saved: {path}</translation>
    </message>
  </context>
  <context>
    <name>DetailPane</name>
    <message>
      <location filename="../resident_views.py" line="100" />
      <location filename="../resident_views.py" line="159" />
      <source>住民の詳細</source>
      <translation>Resident details</translation>
    </message>
    <message>
      <location filename="../resident_views.py" line="109" />
      <source>交付停止</source>
      <translation>Issuance stopped</translation>
    </message>
    <message>
      <location filename="../resident_views.py" line="133" />
      <source>世帯の構成員</source>
      <translation>Household members</translation>
    </message>
    <message>
      <location filename="../resident_views.py" line="158" />
      <source>世帯の構成(記載順)</source>
      <translation>Household (standard order)</translation>
    </message>
    <message>
      <location filename="../resident_views.py" line="183" />
      <source>支援措置対象者 — 照会・交付はできません。</source>
      <translation>Protected person (support measure) — no viewing, no issuance.</translation>
    </message>
    <message>
      <location filename="../resident_views.py" line="184" />
      <source>支援措置責任者の解除が必要です(F5 交付 → 解除申請)。</source>
      <translation>A support-measure supervisor must release it (F5 Issue → release).</translation>
    </message>
    <message>
      <source>続柄</source>
      <translation>Relation</translation>
    </message>
    <message>
      <source>氏名</source>
      <translation>Name</translation>
    </message>
    <message>
      <source>カナ</source>
      <translation>Kana</translation>
    </message>
    <message>
      <source>生年月日</source>
      <translation>Date of birth</translation>
    </message>
    <message>
      <source>性別</source>
      <translation>Sex</translation>
    </message>
    <message>
      <source>宛名番号</source>
      <translation>Atena no.</translation>
    </message>
    <message>
      <source>住所</source>
      <translation>Address</translation>
    </message>
    <message>
      <source>状態</source>
      <translation>Status</translation>
    </message>
    <message>
      <source>世帯番号</source>
      <translation>Household no.</translation>
    </message>
  </context>
  <context>
    <name>HistoryDialog</name>
    <message>
      <location filename="../history_dialog.py" line="61" />
      <source>交付履歴</source>
      <translation>Issuance history</translation>
    </message>
    <message>
      <location filename="../history_dialog.py" line="68" />
      <location filename="../history_dialog.py" line="112" />
      <source>対象日</source>
      <translation>Date</translation>
    </message>
    <message>
      <location filename="../history_dialog.py" line="70" />
      <location filename="../history_dialog.py" line="72" />
      <source>選択中の住民のみ</source>
      <translation>Selected resident only</translation>
    </message>
    <message>
      <location filename="../history_dialog.py" line="78" />
      <source>交付履歴の一覧</source>
      <translation>Issuance list</translation>
    </message>
    <message>
      <location filename="../history_dialog.py" line="91" />
      <source>F3 取消</source>
      <translation>F3 Void</translation>
    </message>
    <message>
      <location filename="../history_dialog.py" line="93" />
      <source>取消</source>
      <translation>Voided</translation>
    </message>
    <message>
      <location filename="../history_dialog.py" line="94" />
      <source>F4 再発行</source>
      <translation>F4 Reprint</translation>
    </message>
    <message>
      <location filename="../history_dialog.py" line="96" />
      <location filename="../history_dialog.py" line="236" />
      <source>再発行</source>
      <translation>Reprint</translation>
    </message>
    <message>
      <location filename="../history_dialog.py" line="97" />
      <source>F5 更新</source>
      <translation>F5 Refresh</translation>
    </message>
    <message>
      <location filename="../history_dialog.py" line="98" />
      <source>更新</source>
      <translation>Refresh</translation>
    </message>
    <message>
      <location filename="../history_dialog.py" line="99" />
      <source>Esc 閉じる</source>
      <translation>Esc Close</translation>
    </message>
    <message>
      <location filename="../history_dialog.py" line="100" />
      <source>閉じる</source>
      <translation>Close</translation>
    </message>
    <message>
      <location filename="../history_dialog.py" line="141" />
      <source>読み込んでいます…</source>
      <translation>Loading…</translation>
    </message>
    <message>
      <location filename="../history_dialog.py" line="167" />
      <source>{n}件</source>
      <translation>{n} entries</translation>
    </message>
    <message>
      <location filename="../history_dialog.py" line="202" />
      <source>取消できる交付を選んでください。</source>
      <translation>Select an issuance that can be voided.</translation>
    </message>
    <message>
      <location filename="../history_dialog.py" line="208" />
      <source>取消しました。</source>
      <translation>Voided.</translation>
    </message>
    <message>
      <location filename="../history_dialog.py" line="213" />
      <source>交付の取消</source>
      <translation>Void an issuance</translation>
    </message>
    <message>
      <location filename="../history_dialog.py" line="214" />
      <source>{numbers} を取り消します。係長の承認と理由が必要です。</source>
      <translation>Voiding {numbers}. A supervisor's approval and a reason are required.</translation>
    </message>
    <message>
      <location filename="../history_dialog.py" line="221" />
      <source>再発行できる交付を選んでください。</source>
      <translation>Select an issuance that can be reprinted.</translation>
    </message>
    <message>
      <location filename="../history_dialog.py" line="229" />
      <source>再発行しました: {numbers}</source>
      <translation>Reprinted: {numbers}</translation>
    </message>
    <message>
      <location filename="../history_dialog.py" line="237" />
      <source>{numbers} を再発行します(新しい発行番号になります)。係長の承認と理由が必要です。</source>
      <translation>Reprinting {numbers} (new issue numbers). A supervisor's approval and a reason are required.</translation>
    </message>
    <message>
      <source>時刻</source>
      <translation>Time</translation>
    </message>
    <message>
      <source>証明書</source>
      <translation>Certificate</translation>
    </message>
    <message>
      <source>対象者</source>
      <translation>Persons</translation>
    </message>
    <message>
      <source>発行番号</source>
      <translation>Issue no.</translation>
    </message>
    <message>
      <source>通数</source>
      <translation>Copies</translation>
    </message>
    <message>
      <source>手数料</source>
      <translation>Fee</translation>
    </message>
    <message>
      <source>免除事由</source>
      <translation>Exemption reason</translation>
    </message>
    <message>
      <source>職員</source>
      <translation>Staff</translation>
    </message>
    <message>
      <source>端末</source>
      <translation>Terminal</translation>
    </message>
    <message>
      <source>状態</source>
      <translation>Status</translation>
    </message>
    <message>
      <source>交付</source>
      <translation>Issue</translation>
    </message>
    <message>
      <source>再発行済</source>
      <translation>Reprinted</translation>
    </message>
  </context>
  <context>
    <name>IdleLockController</name>
    <message>
      <location filename="../idle_lock.py" line="150" />
      <source>パスワードが正しくありません。</source>
      <translation>The password is not correct.</translation>
    </message>
  </context>
  <context>
    <name>IssuanceDialog</name>
    <message>
      <location filename="../issuance_dialog.py" line="83" />
      <source>証明書の交付</source>
      <translation>Issue a certificate</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="97" />
      <source>証明書の種類</source>
      <translation>Certificate type</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="103" />
      <source>対象者</source>
      <translation>Persons</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="105" />
      <location filename="../issuance_dialog.py" line="107" />
      <source>世帯全員</source>
      <translation>Whole household</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="122" />
      <source>記載事項(特別の請求があるもののみ)</source>
      <translation>Items (only when specially requested)</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="134" />
      <source>請求者</source>
      <translation>Requester</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="138" />
      <source>請求者の区分</source>
      <translation>Requester kind</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="142" />
      <source>請求者の氏名</source>
      <translation>Requester's name</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="145" />
      <location filename="../issuance_dialog.py" line="170" />
      <source>来庁した世帯員</source>
      <translation>Household member at the counter</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="155" />
      <source>本人確認書類</source>
      <translation>Identity document</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="161" />
      <source>委任状あり</source>
      <translation>Power of attorney presented</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="163" />
      <source>委任状</source>
      <translation>Power of attorney</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="165" />
      <location filename="../issuance_dialog.py" line="173" />
      <source>利用目的</source>
      <translation>Purpose</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="166" />
      <location filename="../issuance_dialog.py" line="174" />
      <source>資格</source>
      <translation>Qualification</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="167" />
      <location filename="../issuance_dialog.py" line="175" />
      <source>請求機関</source>
      <translation>Requesting agency</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="168" />
      <source>区分</source>
      <translation>Category</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="169" />
      <source>氏名</source>
      <translation>Name</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="171" />
      <source>本人確認</source>
      <translation>Identity check</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="180" />
      <location filename="../issuance_dialog.py" line="205" />
      <source>印鑑登録証番号</source>
      <translation>Seal registration card no.</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="183" />
      <location filename="../issuance_dialog.py" line="206" />
      <source>課税年度</source>
      <translation>Tax year</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="193" />
      <location filename="../issuance_dialog.py" line="207" />
      <source>通数</source>
      <translation>Copies</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="198" />
      <source>手数料免除事由</source>
      <translation>Fee exemption reason</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="199" />
      <source>なし(有料)</source>
      <translation>None (fee payable)</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="208" />
      <source>手数料免除</source>
      <translation>Fee exemption</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="215" />
      <source>支援措置責任者による解除(F8)</source>
      <translation>Release by the support-measure supervisor (F8)</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="217" />
      <source>支援措置責任者による解除</source>
      <translation>Release by the support-measure supervisor</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="225" />
      <source>F10 プレビュー</source>
      <translation>F10 Preview</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="227" />
      <source>プレビュー</source>
      <translation>Preview</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="228" />
      <source>F12 発行・印刷</source>
      <translation>F12 Issue and print</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="230" />
      <source>発行・印刷</source>
      <translation>Issue and print</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="231" />
      <location filename="../issuance_dialog.py" line="460" />
      <source>Esc 閉じる</source>
      <translation>Esc Close</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="233" />
      <source>閉じる</source>
      <translation>Close</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="252" />
      <source>証明書(&amp;T)</source>
      <translation>Certificate (&amp;T)</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="398" />
      <source>支援措置の解除</source>
      <translation>Release a support measure</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="399" />
      <source>支援措置責任者が、この請求が加害者によるものでないことを確認した場合に限り解除します。解除は記録されます。</source>
      <translation>Release only after confirming the request does not come from the perpetrator. The release is recorded.</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="414" />
      <source>{name} が解除しました。理由: {reason}</source>
      <translation>Released by {name}. Reason: {reason}</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="433" />
      <source>プレビュー: {path}</source>
      <translation>Preview: {path}</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="446" />
      <source>発行しています…</source>
      <translation>Issuing…</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="456" />
      <source>交付しました。発行番号:
{numbers}</source>
      <translation>Issued. Issue numbers:
{numbers}</translation>
    </message>
    <message>
      <source>世帯主・続柄</source>
      <translation>Head of household and relation</translation>
    </message>
    <message>
      <source>本籍・筆頭者</source>
      <translation>Honseki and head of family register</translation>
    </message>
    <message>
      <source>住民票コード</source>
      <translation>Resident record code</translation>
    </message>
    <message>
      <source>個人番号</source>
      <translation>My Number</translation>
    </message>
    <message>
      <source>未確認</source>
      <translation>Not checked</translation>
    </message>
    <message>
      <source>マイナンバーカード</source>
      <translation>My Number card</translation>
    </message>
    <message>
      <source>運転免許証</source>
      <translation>Driver's licence</translation>
    </message>
    <message>
      <source>パスポート</source>
      <translation>Passport</translation>
    </message>
    <message>
      <source>在留カード</source>
      <translation>Residence card</translation>
    </message>
    <message>
      <source>2点以上の書類</source>
      <translation>Two or more documents</translation>
    </message>
    <message>
      <source>職員証(公用)</source>
      <translation>Official ID (official use)</translation>
    </message>
    <message>
      <source>本人</source>
      <translation>The person</translation>
    </message>
    <message>
      <source>同一世帯員</source>
      <translation>Household member</translation>
    </message>
    <message>
      <source>代理人</source>
      <translation>Agent</translation>
    </message>
    <message>
      <source>第三者</source>
      <translation>Third party</translation>
    </message>
    <message>
      <source>職務上請求</source>
      <translation>Professional request</translation>
    </message>
    <message>
      <source>公用</source>
      <translation>Official use</translation>
    </message>
    <message>
      <source>住民票の写し</source>
      <translation>Certificate of residence</translation>
    </message>
    <message>
      <source>住民票記載事項証明書</source>
      <translation>Certificate of recorded items</translation>
    </message>
    <message>
      <source>住民票の除票の写し</source>
      <translation>Certificate of removed residence record</translation>
    </message>
    <message>
      <source>印鑑登録証明書</source>
      <translation>Certificate of registered seal</translation>
    </message>
    <message>
      <source>課税(所得)証明書</source>
      <translation>Tax and income certificate</translation>
    </message>
  </context>
  <context>
    <name>LockDialog</name>
    <message>
      <location filename="../idle_lock.py" line="48" />
      <source>ロック中</source>
      <translation>Locked</translation>
    </message>
    <message>
      <location filename="../idle_lock.py" line="50" />
      <source>画面をロックしました。</source>
      <translation>The screen is locked.</translation>
    </message>
    <message>
      <location filename="../idle_lock.py" line="55" />
      <source>{user} のパスワードを入力してください。</source>
      <translation>Enter the password of {user}.</translation>
    </message>
    <message>
      <location filename="../idle_lock.py" line="60" />
      <source>パスワード</source>
      <translation>Password</translation>
    </message>
    <message>
      <location filename="../idle_lock.py" line="64" />
      <location filename="../idle_lock.py" line="66" />
      <source>ロック解除</source>
      <translation>Unlock</translation>
    </message>
  </context>
  <context>
    <name>MainWindow</name>
    <message>
      <location filename="../main_window.py" line="174" />
      <source>検索</source>
      <translation>Search</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="175" />
      <source>交付</source>
      <translation>Issue</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="176" />
      <source>交付履歴</source>
      <translation>Issuance history</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="177" />
      <source>日計表</source>
      <translation>Day close</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="178" />
      <source>ロック</source>
      <translation>Lock</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="179" />
      <source>BCPへ移行(係長)</source>
      <translation>Declare BCP (supervisor)</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="180" />
      <source>BCP照合結果(係長)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../main_window.py" line="181" />
      <source>English / 日本語</source>
      <translation>English / 日本語</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="182" />
      <location filename="../main_window.py" line="244" />
      <source>キー操作</source>
      <translation>Keys</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="183" />
      <source>終了</source>
      <translation>Quit</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="187" />
      <source>窓口 — 証明書交付</source>
      <translation>Madoguchi — Certificate issuance</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="188" />
      <source>操作(&amp;O)</source>
      <translation>&amp;Operations</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="189" />
      <source>検索(&amp;S)</source>
      <translation>&amp;Search</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="190" />
      <source>カナ・氏名・生年月日(例 S60.4.1)・宛名番号</source>
      <translation>Kana, name, date of birth (e.g. S60.4.1) or atena no.</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="191" />
      <source>住民検索</source>
      <translation>Resident search</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="192" />
      <source>検索結果</source>
      <translation>Search results</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="193" />
      <source>住民の詳細</source>
      <translation>Resident details</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="243" />
      <source>Enter	次へ / 決定</source>
      <translation>Enter	Next / confirm</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="243" />
      <source>Esc	戻る / 閉じる</source>
      <translation>Esc	Back / close</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="253" />
      <source>この端末は登録されていないため、BCPモードは使えません。</source>
      <translation>This terminal is not enrolled: BCP mode is not available.</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="259" />
      <source>BCPモードへの移行</source>
      <translation>Declare BCP mode</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="255" />
      <source>データセンターに接続できません。係長が確認のうえ、複製データによる縮退運用(BCP)に移行します。</source>
      <translation>The data centre cannot be reached. After the supervisor's check the counter works from the local replica (BCP mode).</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="266" />
      <source>{name} がBCPモードへの移行を確認しました。</source>
      <translation>{name} declared BCP mode.</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="277" />
      <source>全回線が {seconds} 秒前から応答しません。</source>
      <translation>No line has answered for {seconds} s.</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="281" />
      <source>{url}: 応答あり</source>
      <translation>{url}: answering</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="283" />
      <source>{url}: {since} から失敗 {n} 回 — 最後のエラー: {error}</source>
      <translation>{url}: failing since {since}, {n} failures — last error: {error}</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="307" />
      <source>検索しています…</source>
      <translation>Searching…</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="323" />
      <source>宛名番号で検索</source>
      <translation>Search by atena no.</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="324" />
      <source>生年月日で検索</source>
      <translation>Search by date of birth</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="325" />
      <source>カナで検索</source>
      <translation>Search by kana</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="326" />
      <source>氏名で検索</source>
      <translation>Search by name</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="327" />
      <source>住所で検索</source>
      <translation>Search by address</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="334" />
      <source>{n}件 見つかりました</source>
      <translation>{n} found</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="334" />
      <source>該当者はいません</source>
      <translation>No match</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="399" />
      <source>先に住民を選んでください。</source>
      <translation>Select a resident first.</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="410" />
      <source>交付しました: {n}</source>
      <translation>Issued: {n}</translation>
    </message>
  </context>
  <context>
    <name>ModeBanner</name>
    <message>
      <location filename="../mode_banner.py" line="62" />
      <source>接続状態</source>
      <translation>Connection state</translation>
    </message>
    <message>
      <location filename="../mode_banner.py" line="76" />
      <source>オンライン(主回線)</source>
      <translation>Online (primary line)</translation>
    </message>
    <message>
      <location filename="../mode_banner.py" line="77" />
      <source>オンライン(副回線)</source>
      <translation>Online (secondary line)</translation>
    </message>
    <message>
      <location filename="../mode_banner.py" line="78" />
      <source>BCPモード(縮退運用)</source>
      <translation>BCP mode (degraded operation)</translation>
    </message>
    <message>
      <location filename="../mode_banner.py" line="79" />
      <source>復旧中(同期しています)</source>
      <translation>Recovering (synchronising)</translation>
    </message>
    <message>
      <location filename="../mode_banner.py" line="106" />
      <source>全回線断 — BCPモードへの移行に係長の確認が必要です</source>
      <translation>All lines down — a supervisor must confirm the switch to BCP mode</translation>
    </message>
    <message>
      <location filename="../mode_banner.py" line="108" />
      <source>F8 BCPへ移行(係長)</source>
      <translation>F8 Declare BCP (supervisor)</translation>
    </message>
    <message>
      <location filename="../mode_banner.py" line="109" />
      <source>BCPモードへ移行する(係長の確認)</source>
      <translation>Declare BCP mode (supervisor's confirmation)</translation>
    </message>
    <message>
      <location filename="../mode_banner.py" line="115" />
      <source>データ時点 {time}(経過 {age})</source>
      <translation>Data as of {time} ({age} old)</translation>
    </message>
    <message>
      <location filename="../mode_banner.py" line="120" />
      <source>未送信 {n}件</source>
      <translation>{n} waiting to sync</translation>
    </message>
  </context>
  <context>
    <name>SignInDialog</name>
    <message>
      <location filename="../signin_dialog.py" line="45" />
      <source>窓口 — サインイン</source>
      <translation>Madoguchi — Sign in</translation>
    </message>
    <message>
      <location filename="../signin_dialog.py" line="48" />
      <source>証明書交付システム サインイン</source>
      <translation>Certificate issuance — sign in</translation>
    </message>
    <message>
      <location filename="../signin_dialog.py" line="56" />
      <source>職員ID</source>
      <translation>Staff ID</translation>
    </message>
    <message>
      <location filename="../signin_dialog.py" line="60" />
      <source>パスワード</source>
      <translation>Password</translation>
    </message>
    <message>
      <location filename="../signin_dialog.py" line="68" />
      <source>エラー</source>
      <translation>Error</translation>
    </message>
    <message>
      <location filename="../signin_dialog.py" line="72" />
      <source>団体</source>
      <translation>Municipality</translation>
    </message>
    <message>
      <location filename="../signin_dialog.py" line="76" />
      <source>この端末の団体 ({code})</source>
      <translation>This terminal's municipality ({code})</translation>
    </message>
    <message>
      <location filename="../signin_dialog.py" line="78" />
      <source>{name} ({code}) — 相互バックアップ</source>
      <translation>{name} ({code}) — mutual backup</translation>
    </message>
    <message>
      <location filename="../signin_dialog.py" line="83" />
      <source>団体(&amp;M)</source>
      <translation>Municipality (&amp;M)</translation>
    </message>
    <message>
      <location filename="../signin_dialog.py" line="86" />
      <source>職員ID(&amp;U)</source>
      <translation>Staff ID (&amp;U)</translation>
    </message>
    <message>
      <location filename="../signin_dialog.py" line="87" />
      <source>パスワード(&amp;P)</source>
      <translation>Password (&amp;P)</translation>
    </message>
    <message>
      <location filename="../signin_dialog.py" line="90" />
      <location filename="../signin_dialog.py" line="92" />
      <source>サインイン</source>
      <translation>Sign in</translation>
    </message>
    <message>
      <location filename="../signin_dialog.py" line="93" />
      <location filename="../signin_dialog.py" line="94" />
      <source>終了</source>
      <translation>Quit</translation>
    </message>
    <message>
      <location filename="../signin_dialog.py" line="124" />
      <source>サインインしています…</source>
      <translation>Signing in…</translation>
    </message>
  </context>
  <context>
    <name>SupervisorDialog</name>
    <message>
      <location filename="../supervisor_dialog.py" line="31" />
      <source>監督者の職員ID</source>
      <translation>Supervisor's staff ID</translation>
    </message>
    <message>
      <location filename="../supervisor_dialog.py" line="35" />
      <source>監督者のパスワード</source>
      <translation>Supervisor's password</translation>
    </message>
    <message>
      <location filename="../supervisor_dialog.py" line="38" />
      <source>理由</source>
      <translation>Reason</translation>
    </message>
    <message>
      <location filename="../supervisor_dialog.py" line="46" />
      <source>監督者ID(&amp;U)</source>
      <translation>Supervisor ID (&amp;U)</translation>
    </message>
    <message>
      <location filename="../supervisor_dialog.py" line="47" />
      <source>パスワード(&amp;P)</source>
      <translation>Password (&amp;P)</translation>
    </message>
    <message>
      <location filename="../supervisor_dialog.py" line="48" />
      <source>理由(&amp;R)</source>
      <translation>Reason (&amp;R)</translation>
    </message>
    <message>
      <location filename="../supervisor_dialog.py" line="50" />
      <location filename="../supervisor_dialog.py" line="52" />
      <source>承認</source>
      <translation>Approve</translation>
    </message>
    <message>
      <location filename="../supervisor_dialog.py" line="53" />
      <location filename="../supervisor_dialog.py" line="54" />
      <source>戻る</source>
      <translation>Back</translation>
    </message>
    <message>
      <location filename="../supervisor_dialog.py" line="86" />
      <source>監督者のIDとパスワードを入力してください。</source>
      <translation>Enter the supervisor's ID and password.</translation>
    </message>
    <message>
      <location filename="../supervisor_dialog.py" line="89" />
      <source>理由を入力してください。</source>
      <translation>Enter a reason.</translation>
    </message>
  </context>
  <context>
    <name>VerdictPanel</name>
    <message>
      <location filename="../verdict_panel.py" line="23" />
      <source>判定</source>
      <translation>Verdict</translation>
    </message>
    <message>
      <location filename="../verdict_panel.py" line="27" />
      <source>手数料</source>
      <translation>Fee</translation>
    </message>
    <message>
      <location filename="../verdict_panel.py" line="39" />
      <source>判定しています…</source>
      <translation>Checking…</translation>
    </message>
    <message>
      <location filename="../verdict_panel.py" line="42" />
      <source>判定できません。</source>
      <translation>No verdict.</translation>
    </message>
    <message>
      <location filename="../verdict_panel.py" line="49" />
      <source>交付できます。</source>
      <translation>Can be issued.</translation>
    </message>
    <message>
      <location filename="../verdict_panel.py" line="54" />
      <source>停止 — 支援措置の対象です。交付できません。</source>
      <translation>STOP — a support measure applies. Cannot be issued.</translation>
    </message>
    <message>
      <location filename="../verdict_panel.py" line="56" />
      <source>支援措置責任者が内容を確認し、解除する場合のみ交付できます(F8)。</source>
      <translation>Only if the support-measure supervisor reviews and releases it (F8).</translation>
    </message>
    <message>
      <location filename="../verdict_panel.py" line="59" />
      <source>交付できません。</source>
      <translation>Cannot be issued.</translation>
    </message>
    <message>
      <location filename="../verdict_panel.py" line="63" />
      <source>手数料 免除({reason}) {copies}通</source>
      <translation>Fee exempt ({reason}), {copies} copies</translation>
    </message>
    <message>
      <location filename="../verdict_panel.py" line="66" />
      <source>手数料 {fee}円({copies}通)</source>
      <translation>Fee {fee} yen ({copies} copies)</translation>
    </message>
  </context>
  <context>
    <name>ResultsModel</name>
    <message>
      <source>氏名</source>
      <translation>Name</translation>
    </message>
    <message>
      <source>カナ</source>
      <translation>Kana</translation>
    </message>
    <message>
      <source>生年月日</source>
      <translation>Date of birth</translation>
    </message>
    <message>
      <source>住所</source>
      <translation>Address</translation>
    </message>
    <message>
      <source>状態</source>
      <translation>Status</translation>
    </message>
    <message>
      <source>宛名番号</source>
      <translation>Atena no.</translation>
    </message>
    <message>
      <source>支援措置</source>
      <translation>Support measure</translation>
    </message>
    <message>
      <source>住民</source>
      <translation>Resident</translation>
    </message>
    <message>
      <source>転出(除票)</source>
      <translation>Moved out (removed)</translation>
    </message>
    <message>
      <source>死亡(除票)</source>
      <translation>Deceased (removed)</translation>
    </message>
    <message>
      <source>発行抑止</source>
      <translation>Issuance suppressed</translation>
    </message>
    <message>
      <source>抑止(警告)</source>
      <translation>Suppression (alert)</translation>
    </message>
  </context>
</TS>