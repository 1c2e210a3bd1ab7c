<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="en_US">
  <context>
    <name>CardDialog</name>
    <message>
      <location filename="../card_dialog.py" line="90" />
      <source>マイナンバーカードによる本人確認</source>
      <translation>Identity check with the My Number card</translation>
    </message>
    <message>
      <location filename="../card_dialog.py" line="98" />
      <source>1. 券面の確認(照合番号B: 生年月日6桁+有効期限の年4桁+セキュリティコード4桁)</source>
      <translation>1. Card face (check number B: birth date 6 digits + expiry year 4 digits + security code 4 digits)</translation>
    </message>
    <message>
      <location filename="../card_dialog.py" line="103" />
      <source>照合番号B</source>
      <translation>Check number B</translation>
    </message>
    <message>
      <location filename="../card_dialog.py" line="105" />
      <source>券面を読み取る</source>
      <translation>Read the card face</translation>
    </message>
    <message>
      <location filename="../card_dialog.py" line="116" />
      <source>顔写真と窓口の方が同一人物であることを確認した</source>
      <translation>I compared the photo with the person at the counter</translation>
    </message>
    <message>
      <location filename="../card_dialog.py" line="131" />
      <source>2. 4情報の読取(暗証番号4桁: 住民の方が入力)</source>
      <translation>2. The four items (4-digit PIN, typed by the resident)</translation>
    </message>
    <message>
      <location filename="../card_dialog.py" line="136" />
      <source>暗証番号</source>
      <translation>PIN</translation>
    </message>
    <message>
      <location filename="../card_dialog.py" line="138" />
      <source>4情報を読み取る</source>
      <translation>Read the four items</translation>
    </message>
    <message>
      <location filename="../card_dialog.py" line="149" />
      <source>3. 住民記録との照合</source>
      <translation>3. Match with the resident record</translation>
    </message>
    <message>
      <location filename="../card_dialog.py" line="155" />
      <source>項目</source>
      <translation>Item</translation>
    </message>
    <message>
      <location filename="../card_dialog.py" line="155" />
      <source>カード</source>
      <translation>Card</translation>
    </message>
    <message>
      <location filename="../card_dialog.py" line="155" />
      <source>住民記録</source>
      <translation>Resident record</translation>
    </message>
    <message>
      <location filename="../card_dialog.py" line="155" />
      <source>結果</source>
      <translation>Result</translation>
    </message>
    <message>
      <location filename="../card_dialog.py" line="159" />
      <source>不一致の内容を確認し、窓口の方が本人であると判断した</source>
      <translation>I checked the mismatches and judged that the person at the counter is the card holder</translation>
    </message>
    <message>
      <location filename="../card_dialog.py" line="169" />
      <source>請求書を表示</source>
      <translation>Show the request form</translation>
    </message>
    <message>
      <location filename="../card_dialog.py" line="172" />
      <source>請求書を印刷</source>
      <translation>Print the request form</translation>
    </message>
    <message>
      <location filename="../card_dialog.py" line="175" />
      <source>本人確認を記録して交付へ</source>
      <translation>Record the identity check and issue</translation>
    </message>
    <message>
      <location filename="../card_dialog.py" line="178" />
      <source>閉じる</source>
      <translation>Close</translation>
    </message>
    <message>
      <location filename="../card_dialog.py" line="195" />
      <source>カードをリーダーに置き、カード券面の照合番号Bを入力してください。</source>
      <translation>Place the card on the reader and type check number B from the card face.</translation>
    </message>
    <message>
      <location filename="../card_dialog.py" line="218" />
      <source>(顔写真)</source>
      <translation>(photo)</translation>
    </message>
    <message>
      <location filename="../card_dialog.py" line="286" />
      <source>カードを読み取っています…</source>
      <translation>Reading the card…</translation>
    </message>
    <message>
      <location filename="../card_dialog.py" line="304" />
      <source>顔写真を表示できません(画像形式)</source>
      <translation>The photo cannot be shown (image format)</translation>
    </message>
    <message>
      <location filename="../card_dialog.py" line="311" />
      <source>生年月日 {birth}　性別 {sex}　有効期限 {expiry}　署名 検証済</source>
      <translation>Born {birth}  sex {sex}  valid until {expiry}  signature verified</translation>
    </message>
    <message>
      <location filename="../card_dialog.py" line="315" />
      <source>券面を確認しました。顔写真とご本人を見比べてください。次に住民の方に暗証番号を入力していただきます。</source>
      <translation>Card face read. Compare the photo with the person. Next, the resident types the PIN.</translation>
    </message>
    <message>
      <location filename="../card_dialog.py" line="320" />
      <source>暗証番号の残り回数: {n}回</source>
      <translation>PIN tries left: {n}</translation>
    </message>
    <message>
      <location filename="../card_dialog.py" line="323" />
      <source>(この端末では照合しません)</source>
      <translation> (not tried on this terminal)</translation>
    </message>
    <message>
      <location filename="../card_dialog.py" line="337" />
      <source>4情報を読み取り、住民記録と照合しています…</source>
      <translation>Reading the four items and matching the resident record…</translation>
    </message>
    <message>
      <location filename="../card_dialog.py" line="362" />
      <source>一致</source>
      <translation>Match</translation>
    </message>
    <message>
      <location filename="../card_dialog.py" line="362" />
      <source>不一致</source>
      <translation>Mismatch</translation>
    </message>
    <message>
      <location filename="../card_dialog.py" line="375" />
      <source>住民記録と照合しました。請求の内容を選び、請求書を表示・印刷してください。</source>
      <translation>Matched with the resident record. Choose what is requested, then show or print the request form.</translation>
    </message>
    <message>
      <location filename="../card_dialog.py" line="393" />
      <source>顔写真の確認と対象者の選択をしてから交付へ進んでください。</source>
      <translation>Confirm the photo and choose the subject before issuing.</translation>
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
  </context>
  <context>
    <name>ConflictDialog</name>
    <message>
      <location filename="../conflict_dialog.py" line="83" />
      <source>BCP照合結果の確認(係長)</source>
      <translation>BCP reconciliation review (supervisor)</translation>
    </message>
    <message>
      <location filename="../conflict_dialog.py" line="85" />
      <source>表示する照合結果</source>
      <translation>Results to show</translation>
    </message>
    <message>
      <location filename="../conflict_dialog.py" line="86" />
      <source>照合で見つかった競合の一覧</source>
      <translation>Conflicts found by the reconciliation</translation>
    </message>
    <message>
      <location filename="../conflict_dialog.py" line="100" />
      <source>BCPで交付した内容</source>
      <translation>Issued in BCP mode</translation>
    </message>
    <message>
      <location filename="../conflict_dialog.py" line="104" />
      <source>サーバーの判定</source>
      <translation>Server's decision</translation>
    </message>
    <message>
      <location filename="../conflict_dialog.py" line="87" />
      <source>処理結果</source>
      <translation>Outcome</translation>
    </message>
    <message>
      <location filename="../conflict_dialog.py" line="88" />
      <source>処理内容の記入(「その他」は必須)</source>
      <translation>Note (required for “Other”)</translation>
    </message>
    <message>
      <location filename="../conflict_dialog.py" line="89" />
      <source>処理内容(「その他」の場合は必須)</source>
      <translation>Note (required for “Other”)</translation>
    </message>
    <message>
      <location filename="../conflict_dialog.py" line="91" />
      <source>処理結果を記録</source>
      <translation>Record the outcome</translation>
    </message>
    <message>
      <location filename="../conflict_dialog.py" line="119" />
      <location filename="../conflict_dialog.py" line="121" />
      <source>BCP照合結果の確認</source>
      <translation>BCP reconciliation review</translation>
    </message>
    <message>
      <location filename="../conflict_dialog.py" line="120" />
      <source>BCPモードで交付した証明書の照合結果を確認します。係長の承認が必要です。</source>
      <translation>Review the reconciliation of certificates issued in BCP mode. A supervisor's approval is required.</translation>
    </message>
    <message>
      <location filename="../conflict_dialog.py" line="130" />
      <source>該当する照合結果はありません。</source>
      <translation>No reconciliation results.</translation>
    </message>
    <message>
      <location filename="../conflict_dialog.py" line="144" />
      <source>処理する照合結果を選んでください。</source>
      <translation>Select a reconciliation result to process.</translation>
    </message>
    <message>
      <location filename="../conflict_dialog.py" line="156" />
      <source>{atena} を「{outcome}」として記録しました。</source>
      <translation>Recorded {atena} as “{outcome}”.</translation>
    </message>
    <message>
      <source>表示</source>
      <translation>Show</translation>
    </message>
    <message>
      <source>Esc 閉じる</source>
      <translation>Esc Close</translation>
    </message>
    <message>
      <source>閉じる</source>
      <translation>Close</translation>
    </message>
    <message>
      <source>F12 処理を記録</source>
      <translation>F12 Record the outcome</translation>
    </message>
    <message>
      <source>係長の承認が必要です。</source>
      <translation>A supervisor's approval is required.</translation>
    </message>
    <message>
      <source>読み込んでいます…</source>
      <translation>Loading…</translation>
    </message>
    <message>
      <source>{n}件</source>
      <translation>{n} entries</translation>
    </message>
    <message>
      <source>記録しています…</source>
      <translation>Recording…</translation>
    </message>
  </context>
  <context>
    <name>DayCloseDialog</name>
    <message>
      <location filename="../day_close_dialog.py" line="50" />
      <source>日計表</source>
      <translation>Day close</translation>
    </message>
    <message>
      <location filename="../day_close_dialog.py" line="57" />
      <location filename="../day_close_dialog.py" line="97" />
      <source>対象日</source>
      <translation>Date</translation>
    </message>
    <message>
      <location filename="../day_close_dialog.py" line="66" />
      <source>日計表の内訳</source>
      <translation>Day close breakdown</translation>
    </message>
    <message>
      <location filename="../day_close_dialog.py" line="67" />
      <source>区分</source>
      <translation>Category</translation>
    </message>
    <message>
      <location filename="../day_close_dialog.py" line="67" />
      <source>件数</source>
      <translation>Issuances</translation>
    </message>
    <message>
      <location filename="../day_close_dialog.py" line="67" />
      <source>通数</source>
      <translation>Copies</translation>
    </message>
    <message>
      <location filename="../day_close_dialog.py" line="67" />
      <source>手数料(円)</source>
      <translation>Fees (yen)</translation>
    </message>
    <message>
      <location filename="../day_close_dialog.py" line="78" />
      <source>係長の確認で締める</source>
      <translation>Close with a supervisor's confirmation</translation>
    </message>
    <message>
      <location filename="../day_close_dialog.py" line="80" />
      <source>未同期のBCP発行を係長が確認して締める</source>
      <translation>A supervisor confirms the unsynced BCP issuances and closes</translation>
    </message>
    <message>
      <location filename="../day_close_dialog.py" line="84" />
      <source>F12 PDF作成</source>
      <translation>F12 Make PDF</translation>
    </message>
    <message>
      <location filename="../day_close_dialog.py" line="86" />
      <source>日計表のPDFを作成</source>
      <translation>Make the day close PDF</translation>
    </message>
    <message>
      <location filename="../day_close_dialog.py" line="88" />
      <source>Esc 閉じる</source>
      <translation>Esc Close</translation>
    </message>
    <message>
      <location filename="../day_close_dialog.py" line="89" />
      <source>閉じる</source>
      <translation>Close</translation>
    </message>
    <message>
      <location filename="../day_close_dialog.py" line="122" />
      <source>集計しています…</source>
      <translation>Totalling…</translation>
    </message>
    <message>
      <location filename="../day_close_dialog.py" line="128" />
      <source>合計 {count}件 {copies}通 手数料 {fee}円(取消 {voided}件は除く)</source>
      <translation>Total {count} issuances, {copies} copies, fees {fee} yen (excluding {voided} voided)</translation>
    </message>
    <message>
      <location filename="../day_close_dialog.py" line="135" />
      <source>証明書の種類</source>
      <translation>Certificate type</translation>
    </message>
    <message>
      <location filename="../day_close_dialog.py" line="136" />
      <source>免除事由</source>
      <translation>Exemption reason</translation>
    </message>
    <message>
      <location filename="../day_close_dialog.py" line="137" />
      <source>端末</source>
      <translation>Terminal</translation>
    </message>
    <message>
      <location filename="../day_close_dialog.py" line="138" />
      <source>職員</source>
      <translation>Staff</translation>
    </message>
    <message>
      <location filename="../day_close_dialog.py" line="139" />
      <source>動作モード</source>
      <translation>Mode</translation>
    </message>
    <message>
      <location filename="../day_close_dialog.py" line="169" />
      <source>未同期のBCP発行の確認</source>
      <translation>Unsynced BCP issuances</translation>
    </message>
    <message>
      <location filename="../day_close_dialog.py" line="170" />
      <source>BCPモードで発行した {n} 件がまだ同期されていません。係長が確認のうえ日計を締めます(日計表に未同期の件数が記載されます)。</source>
      <translation>{n} BCP issuances are not synced yet. A supervisor confirms before the day is closed (the day close lists the unsynced count).</translation>
    </message>
    <message>
      <location filename="../day_close_dialog.py" line="174" />
      <source>未同期のBCP発行を確認</source>
      <translation>Confirm the unsynced BCP issuances</translation>
    </message>
    <message>
      <location filename="../day_close_dialog.py" line="191" />
      <source>PDFを作成しています…</source>
      <translation>Making the PDF…</translation>
    </message>
    <message>
      <location filename="../day_close_dialog.py" line="195" />
      <source>日計表を保存しました: {path}</source>
      <translation>Day close saved: {path}</translation>
    </message>
  </context>
  <context>
    <name>DetailPane</name>
    <message>
      <location filename="../resident_views.py" line="103" />
      <location filename="../resident_views.py" line="163" />
      <source>住民の詳細</source>
      <translation>Resident details</translation>
    </message>
    <message>
      <location filename="../resident_views.py" line="112" />
      <source>交付停止</source>
      <translation>Issuance stopped</translation>
    </message>
    <message>
      <location filename="../resident_views.py" line="137" />
      <source>世帯の構成員</source>
      <translation>Household members</translation>
    </message>
    <message>
      <location filename="../resident_views.py" line="162" />
      <source>世帯の構成(記載順)</source>
      <translation>Household (standard order)</translation>
    </message>
    <message>
      <location filename="../resident_views.py" line="190" />
      <source>支援措置対象者 — 内容は表示されません。</source>
      <translation>Protected person (support measure) — details are not shown.</translation>
    </message>
    <message>
      <location filename="../resident_views.py" line="191" />
      <source>請求は F5 で入力し、F8 で支援措置責任者の解除を受けます。</source>
      <translation>Enter a request with F5; the support-measure supervisor releases it with F8.</translation>
    </message>
    <message>
      <location filename="../resident_views.py" line="209" />
      <source>登録あり</source>
      <translation>Registered</translation>
    </message>
    <message>
      <location filename="../resident_views.py" line="209" />
      <source>登録なし</source>
      <translation>Not registered</translation>
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
    <message>
      <source>本籍</source>
      <translation>Honseki (registered domicile)</translation>
    </message>
    <message>
      <source>印鑑登録</source>
      <translation>Seal registration</translation>
    </message>
    <message>
      <source>在留資格・期間</source>
      <translation>Residence status and period</translation>
    </message>
  </context>
  <context>
    <name>DialogLaunchers</name>
    <message>
      <location filename="../main_window_dialogs.py" line="46" />
      <location filename="../main_window_dialogs.py" line="129" />
      <source>先に住民を選んでください。</source>
      <translation>Select a resident first.</translation>
    </message>
    <message>
      <location filename="../main_window_dialogs.py" line="57" />
      <location filename="../main_window_dialogs.py" line="100" />
      <source>交付しました: {n}</source>
      <translation>Issued: {n}</translation>
    </message>
    <message>
      <location filename="../main_window_dialogs.py" line="60" />
      <source>未印刷(まだ交付していません): {n} — 交付履歴(F6)から印刷できます</source>
      <translation>Not printed (not handed over yet): {n} — print it from the issuance history (F6)</translation>
    </message>
    <message>
      <location filename="../main_window_dialogs.py" line="81" />
      <source>カードリーダーが設定されていません(システム担当者に連絡してください)。</source>
      <translation>No card reader is configured (contact IT).</translation>
    </message>
    <message>
      <location filename="../main_window_dialogs.py" line="132" />
      <source>緊急措置はBCPモード中のみ記録できます。オンライン中はデータセンターで抑止・支援措置を登録してください。</source>
      <translation>Emergency holds are recorded in BCP mode only. Online, register the suppression or support measure at the data centre.</translation>
    </message>
    <message>
      <location filename="../main_window_dialogs.py" line="142" />
      <source>{kind}を記録しました(宛名番号 {atena})。この端末で適用中です。</source>
      <translation>{kind} recorded (atena no. {atena}). In force on this terminal.</translation>
    </message>
    <message>
      <location filename="../main_window_dialogs.py" line="145" />
      <source> 送信済みの端末: {ids}。</source>
      <translation> Sent to: {ids}.</translation>
    </message>
    <message>
      <location filename="../main_window_dialogs.py" line="147" />
      <source> 届かなかった端末: {ids}(接続時に自動で送られます)。</source>
      <translation> Not reached: {ids} (sent when they connect).</translation>
    </message>
  </context>
  <context>
    <name>EmergencyHoldDialog</name>
    <message>
      <location filename="../hold_dialog.py" line="64" />
      <source>緊急措置の記録(係長)</source>
      <translation>Record an emergency hold (supervisor)</translation>
    </message>
    <message>
      <location filename="../hold_dialog.py" line="66" />
      <source>対象者: {name}(宛名番号 {atena})</source>
      <translation>Person: {name} (atena no. {atena})</translation>
    </message>
    <message>
      <location filename="../hold_dialog.py" line="69" />
      <source>BCPモード中の緊急措置です。この端末ですぐに適用され、庁舎内の他の端末にも送られます。回線復旧後、データセンターで係長が確定するまで有効です。</source>
      <translation>An emergency measure in BCP mode. It applies on this terminal at once and is sent to the hall's other terminals. It stays in force until a supervisor confirms it at the data centre after recovery.</translation>
    </message>
    <message>
      <location filename="../hold_dialog.py" line="74" />
      <source>種類</source>
      <translation>Kind</translation>
    </message>
    <message>
      <location filename="../hold_dialog.py" line="79" />
      <source>係長の職員ID</source>
      <translation>Supervisor's staff ID</translation>
    </message>
    <message>
      <location filename="../hold_dialog.py" line="85" />
      <source>係長のパスワード</source>
      <translation>Supervisor's password</translation>
    </message>
    <message>
      <location filename="../hold_dialog.py" line="88" />
      <location filename="../hold_dialog.py" line="89" />
      <source>理由(必須、200文字以内)</source>
      <translation>Reason (required, at most 200 characters)</translation>
    </message>
    <message>
      <location filename="../hold_dialog.py" line="93" />
      <source>係長ID(&amp;U)</source>
      <translation>Supervisor &amp;ID</translation>
    </message>
    <message>
      <location filename="../hold_dialog.py" line="94" />
      <source>パスワード(&amp;P)</source>
      <translation>Password (&amp;P)</translation>
    </message>
    <message>
      <location filename="../hold_dialog.py" line="95" />
      <source>理由(&amp;R)</source>
      <translation>Reason (&amp;R)</translation>
    </message>
    <message>
      <location filename="../hold_dialog.py" line="101" />
      <source>F12 記録</source>
      <translation>F12 Record</translation>
    </message>
    <message>
      <location filename="../hold_dialog.py" line="103" />
      <source>緊急措置を記録</source>
      <translation>Record the emergency hold</translation>
    </message>
    <message>
      <location filename="../hold_dialog.py" line="105" />
      <source>Esc 戻る</source>
      <translation>Esc Back</translation>
    </message>
    <message>
      <location filename="../hold_dialog.py" line="107" />
      <source>戻る</source>
      <translation>Back</translation>
    </message>
    <message>
      <location filename="../hold_dialog.py" line="145" />
      <source>係長のIDとパスワードを入力してください。</source>
      <translation>Enter the supervisor's ID and password.</translation>
    </message>
    <message>
      <location filename="../hold_dialog.py" line="149" />
      <source>記録しています…</source>
      <translation>Recording…</translation>
    </message>
    <message>
      <source>緊急抑止</source>
      <translation>Emergency suppression</translation>
    </message>
    <message>
      <source>仮支援措置</source>
      <translation>Provisional support measure</translation>
    </message>
  </context>
  <context>
    <name>HistoryDialog</name>
    <message>
      <location filename="../history_dialog.py" line="84" />
      <source>交付履歴</source>
      <translation>Issuance history</translation>
    </message>
    <message>
      <location filename="../history_dialog.py" line="91" />
      <location filename="../history_dialog.py" line="145" />
      <source>対象日</source>
      <translation>Date</translation>
    </message>
    <message>
      <location filename="../history_dialog.py" line="93" />
      <location filename="../history_dialog.py" line="95" />
      <source>選択中の住民のみ</source>
      <translation>Selected resident only</translation>
    </message>
    <message>
      <location filename="../history_dialog.py" line="98" />
      <source>庁舎全体(BCP)</source>
      <translation>Whole hall (BCP)</translation>
    </message>
    <message>
      <location filename="../history_dialog.py" line="100" />
      <source>庁舎内の全端末のBCP交付を表示</source>
      <translation>Show the BCP issuances of every terminal of the hall</translation>
    </message>
    <message>
      <location filename="../history_dialog.py" line="106" />
      <source>交付履歴の一覧</source>
      <translation>Issuance list</translation>
    </message>
    <message>
      <location filename="../history_dialog.py" line="119" />
      <source>F3 取消</source>
      <translation>F3 Void</translation>
    </message>
    <message>
      <location filename="../history_dialog.py" line="121" />
      <source>取消</source>
      <translation>Voided</translation>
    </message>
    <message>
      <location filename="../history_dialog.py" line="122" />
      <source>F4 再発行</source>
      <translation>F4 Reprint</translation>
    </message>
    <message>
      <location filename="../history_dialog.py" line="124" />
      <location filename="../history_dialog.py" line="296" />
      <source>再発行</source>
      <translation>Reprint</translation>
    </message>
    <message>
      <location filename="../history_dialog.py" line="125" />
      <source>F2 印刷(未印刷分)</source>
      <translation>F2 Print (not printed yet)</translation>
    </message>
    <message>
      <location filename="../history_dialog.py" line="127" />
      <source>未印刷の証明書を印刷</source>
      <translation>Print the unprinted certificates</translation>
    </message>
    <message>
      <location filename="../history_dialog.py" line="130" />
      <source>F5 更新</source>
      <translation>F5 Refresh</translation>
    </message>
    <message>
      <location filename="../history_dialog.py" line="131" />
      <source>更新</source>
      <translation>Refresh</translation>
    </message>
    <message>
      <location filename="../history_dialog.py" line="132" />
      <source>Esc 閉じる</source>
      <translation>Esc Close</translation>
    </message>
    <message>
      <location filename="../history_dialog.py" line="133" />
      <source>閉じる</source>
      <translation>Close</translation>
    </message>
    <message>
      <location filename="../history_dialog.py" line="176" />
      <source>読み込んでいます…</source>
      <translation>Loading…</translation>
    </message>
    <message>
      <location filename="../history_dialog.py" line="211" />
      <source>未印刷</source>
      <translation>Not printed</translation>
    </message>
    <message>
      <location filename="../history_dialog.py" line="213" />
      <source>(BCP)</source>
      <translation> (BCP)</translation>
    </message>
    <message>
      <location filename="../history_dialog.py" line="214" />
      <source> 重複</source>
      <translation> duplicate</translation>
    </message>
    <message>
      <location filename="../history_dialog.py" line="225" />
      <source>{n}件</source>
      <translation>{n} entries</translation>
    </message>
    <message>
      <location filename="../history_dialog.py" line="229" />
      <source> — 重複 {n}件: 同じ方に同じ証明書が複数の窓口で交付されています。</source>
      <translation> — {n} duplicate(s): the same certificate was issued to the same person at more than one window.</translation>
    </message>
    <message>
      <location filename="../history_dialog.py" line="231" />
      <source> 応答のない端末: {ids}(この端末に写しがある分のみ表示)。</source>
      <translation> Terminals not answering: {ids} (only the copies kept on this terminal are shown).</translation>
    </message>
    <message>
      <location filename="../history_dialog.py" line="265" />
      <source>取消できる交付を選んでください。</source>
      <translation>Select an issuance that can be voided.</translation>
    </message>
    <message>
      <location filename="../history_dialog.py" line="270" />
      <source>取消しました。</source>
      <translation>Voided.</translation>
    </message>
    <message>
      <location filename="../history_dialog.py" line="275" />
      <source>交付の取消</source>
      <translation>Void an issuance</translation>
    </message>
    <message>
      <location filename="../history_dialog.py" line="276" />
      <source>{numbers} を取り消します。係長の承認と理由が必要です。</source>
      <translation>Voiding {numbers}. A supervisor's approval and a reason are required.</translation>
    </message>
    <message>
      <location filename="../history_dialog.py" line="283" />
      <source>再発行できる交付を選んでください。</source>
      <translation>Select an issuance that can be reprinted.</translation>
    </message>
    <message>
      <location filename="../history_dialog.py" line="291" />
      <source>再発行しました: {numbers}</source>
      <translation>Reprinted: {numbers}</translation>
    </message>
    <message>
      <location filename="../history_dialog.py" line="297" />
      <source>{numbers} を再発行します(新しい発行番号になります)。係長の承認と理由が必要です。</source>
      <translation>Reprinting {numbers} (new issue numbers). A supervisor's approval and a reason are required.</translation>
    </message>
    <message>
      <location filename="../history_dialog.py" line="306" />
      <source>印刷する交付を選んでください。</source>
      <translation>Select the issuance to print.</translation>
    </message>
    <message>
      <location filename="../history_dialog.py" line="314" />
      <source>印刷されませんでした(未印刷のままです)。</source>
      <translation>Nothing was printed (still not printed).</translation>
    </message>
    <message>
      <location filename="../history_dialog.py" line="317" />
      <source>印刷しました。交付してください: {numbers}</source>
      <translation>Printed. Hand it over: {numbers}</translation>
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
    <message>
      <source>未送信</source>
      <translation>Not synced</translation>
    </message>
    <message>
      <source>差戻し</source>
      <translation>Rejected</translation>
    </message>
  </context>
  <context>
    <name>HoldProposalDialog</name>
    <message>
      <location filename="../hold_dialog.py" line="209" />
      <source>緊急措置の確定(係長)</source>
      <translation>Confirm emergency holds (supervisor)</translation>
    </message>
    <message>
      <location filename="../hold_dialog.py" line="211" />
      <source>表示する提案</source>
      <translation>Proposals to show</translation>
    </message>
    <message>
      <location filename="../hold_dialog.py" line="212" />
      <source>緊急措置の提案の一覧</source>
      <translation>Emergency hold proposals</translation>
    </message>
    <message>
      <location filename="../hold_dialog.py" line="225" />
      <source>提案の内容</source>
      <translation>Proposal details</translation>
    </message>
    <message>
      <location filename="../hold_dialog.py" line="213" />
      <source>処理</source>
      <translation>Decision</translation>
    </message>
    <message>
      <location filename="../hold_dialog.py" line="214" />
      <source>記入内容(取下げは必須)</source>
      <translation>Note (required to decline)</translation>
    </message>
    <message>
      <location filename="../hold_dialog.py" line="215" />
      <source>記入内容(取下げの場合は必須)</source>
      <translation>Note (required to decline)</translation>
    </message>
    <message>
      <location filename="../hold_dialog.py" line="217" />
      <source>処理を記録</source>
      <translation>Record the decision</translation>
    </message>
    <message>
      <location filename="../hold_dialog.py" line="238" />
      <location filename="../hold_dialog.py" line="240" />
      <source>緊急措置の確定</source>
      <translation>Confirm emergency holds</translation>
    </message>
    <message>
      <location filename="../hold_dialog.py" line="239" />
      <source>BCPモード中に記録された緊急措置を確定または取下げします。係長の承認が必要です。</source>
      <translation>Confirm or decline the emergency holds recorded in BCP mode. A supervisor's approval is needed.</translation>
    </message>
    <message>
      <location filename="../hold_dialog.py" line="250" />
      <source>該当する提案はありません。</source>
      <translation>No proposals.</translation>
    </message>
    <message>
      <location filename="../hold_dialog.py" line="261" />
      <source>処理する提案を選んでください。</source>
      <translation>Choose a proposal.</translation>
    </message>
    <message>
      <location filename="../hold_dialog.py" line="273" />
      <source>{atena} の{kind}を「{status}」としました。</source>
      <translation>{atena}: {kind} marked '{status}'.</translation>
    </message>
    <message>
      <source>宛名番号</source>
      <translation>Atena no.</translation>
    </message>
    <message>
      <source>種類</source>
      <translation>Kind</translation>
    </message>
    <message>
      <source>理由</source>
      <translation>Reason</translation>
    </message>
    <message>
      <source>記録者</source>
      <translation>Recorded by</translation>
    </message>
    <message>
      <source>端末</source>
      <translation>Terminal</translation>
    </message>
    <message>
      <source>記録日時</source>
      <translation>Recorded at</translation>
    </message>
    <message>
      <source>状態</source>
      <translation>Status</translation>
    </message>
    <message>
      <source>緊急抑止</source>
      <translation>Emergency suppression</translation>
    </message>
    <message>
      <source>仮支援措置</source>
      <translation>Provisional support measure</translation>
    </message>
    <message>
      <source>確認待ち</source>
      <translation>Waiting</translation>
    </message>
    <message>
      <source>確定</source>
      <translation>Confirmed</translation>
    </message>
    <message>
      <source>取下げ</source>
      <translation>Declined</translation>
    </message>
    <message>
      <source>すべて</source>
      <translation>All</translation>
    </message>
    <message>
      <source>表示</source>
      <translation>Show</translation>
    </message>
    <message>
      <source>Esc 閉じる</source>
      <translation>Esc Close</translation>
    </message>
    <message>
      <source>閉じる</source>
      <translation>Close</translation>
    </message>
    <message>
      <source>F12 処理を記録</source>
      <translation>F12 Record the outcome</translation>
    </message>
    <message>
      <source>係長の承認が必要です。</source>
      <translation>A supervisor's approval is required.</translation>
    </message>
    <message>
      <source>読み込んでいます…</source>
      <translation>Loading…</translation>
    </message>
    <message>
      <source>{n}件</source>
      <translation>{n} entries</translation>
    </message>
    <message>
      <source>記録しています…</source>
      <translation>Recording…</translation>
    </message>
  </context>
  <context>
    <name>IdleLockController</name>
    <message>
      <location filename="../idle_lock.py" line="151" />
      <source>パスワードが正しくありません。</source>
      <translation>The password is not correct.</translation>
    </message>
  </context>
  <context>
    <name>IssuanceDialog</name>
    <message>
      <location filename="../issuance_dialog.py" line="93" />
      <source>証明書の交付</source>
      <translation>Issue a certificate</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="107" />
      <source>証明書の種類</source>
      <translation>Certificate type</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="113" />
      <source>対象者</source>
      <translation>Persons</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="115" />
      <location filename="../issuance_dialog.py" line="117" />
      <source>世帯全員</source>
      <translation>Whole household</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="132" />
      <source>記載事項(特別の請求があるもののみ)</source>
      <translation>Items (only when specially requested)</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="147" />
      <location filename="../issuance_dialog.py" line="172" />
      <source>印鑑登録証番号</source>
      <translation>Seal registration card no.</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="150" />
      <location filename="../issuance_dialog.py" line="173" />
      <source>課税年度</source>
      <translation>Tax year</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="160" />
      <location filename="../issuance_dialog.py" line="174" />
      <source>通数</source>
      <translation>Copies</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="165" />
      <source>手数料免除事由</source>
      <translation>Fee exemption reason</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="166" />
      <source>なし(有料)</source>
      <translation>None (fee payable)</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="175" />
      <source>手数料免除</source>
      <translation>Fee exemption</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="182" />
      <source>支援措置責任者による解除(F8)</source>
      <translation>Release by the support-measure supervisor (F8)</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="184" />
      <source>支援措置責任者による解除</source>
      <translation>Release by the support-measure supervisor</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="192" />
      <source>F10 プレビュー</source>
      <translation>F10 Preview</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="194" />
      <source>プレビュー</source>
      <translation>Preview</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="195" />
      <location filename="../issuance_dialog.py" line="436" />
      <source>F12 発行・印刷</source>
      <translation>F12 Issue and print</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="197" />
      <source>発行・印刷</source>
      <translation>Issue and print</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="198" />
      <location filename="../issuance_dialog.py" line="418" />
      <source>Esc 閉じる</source>
      <translation>Esc Close</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="200" />
      <source>閉じる</source>
      <translation>Close</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="219" />
      <source>証明書(&amp;T)</source>
      <translation>Certificate (&amp;T)</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="287" />
      <source>請求の内容が変わったため、支援措置の解除は無効になりました。必要なら改めて解除を受けてください。</source>
      <translation>The request changed, so the support-measure release no longer applies. Ask for a release again if needed.</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="361" />
      <source>支援措置の解除</source>
      <translation>Release a support measure</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="362" />
      <source>支援措置責任者が、この請求が加害者によるものでないことを確認した場合に限り解除します。解除は記録されます。</source>
      <translation>Release only after confirming the request does not come from the perpetrator. The release is recorded.</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="378" />
      <source>{name} が解除しました。理由: {reason}</source>
      <translation>Released by {name}. Reason: {reason}</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="395" />
      <source>プレビュー: {path}</source>
      <translation>Preview: {path}</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="411" />
      <source>発行しています…</source>
      <translation>Issuing…</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="432" />
      <source>交付しました。発行番号:
{numbers}</source>
      <translation>Issued. Issue numbers:
{numbers}</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="449" />
      <source>発行を記録しましたが、印刷されていません(未印刷)。まだ交付していません。手数料は受け取らないでください。
発行番号:
{numbers}
F12 で印刷します(交付履歴 F6 からも印刷できます。番号は変わりません)。</source>
      <translation>Issued and recorded, but not printed. Not handed over yet: do not take the fee.
Issue numbers:
{numbers}
F12 prints (also from the issuance history, F6; the numbers stay the same).</translation>
    </message>
    <message>
      <location filename="../issuance_dialog.py" line="452" />
      <source>F12 印刷(未印刷)</source>
      <translation>F12 Print (not printed yet)</translation>
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
      <location filename="../idle_lock.py" line="49" />
      <source>ロック中</source>
      <translation>Locked</translation>
    </message>
    <message>
      <location filename="../idle_lock.py" line="51" />
      <source>画面をロックしました。</source>
      <translation>The screen is locked.</translation>
    </message>
    <message>
      <location filename="../idle_lock.py" line="56" />
      <source>{user} のパスワードを入力してください。</source>
      <translation>Enter the password of {user}.</translation>
    </message>
    <message>
      <location filename="../idle_lock.py" line="61" />
      <source>パスワード</source>
      <translation>Password</translation>
    </message>
    <message>
      <location filename="../idle_lock.py" line="65" />
      <location filename="../idle_lock.py" line="67" />
      <source>ロック解除</source>
      <translation>Unlock</translation>
    </message>
  </context>
  <context>
    <name>MainWindow</name>
    <message>
      <location filename="../main_window.py" line="206" />
      <source>検索</source>
      <translation>Search</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="207" />
      <source>交付</source>
      <translation>Issue</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="208" />
      <source>カード読取</source>
      <translation>Read card</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="209" />
      <source>交付履歴</source>
      <translation>Issuance history</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="210" />
      <source>日計表</source>
      <translation>Day close</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="211" />
      <source>ロック</source>
      <translation>Lock</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="212" />
      <source>BCPへ移行(係長)</source>
      <translation>Declare BCP (supervisor)</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="213" />
      <source>BCP照合結果(係長)</source>
      <translation>BCP reconciliation (supervisor)</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="216" />
      <source>プリンタ設定</source>
      <translation>Printer settings</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="217" />
      <source>English / 日本語</source>
      <translation>English / 日本語</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="218" />
      <location filename="../main_window.py" line="280" />
      <source>キー操作</source>
      <translation>Keys</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="219" />
      <source>終了</source>
      <translation>Quit</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="223" />
      <source>窓口 — 証明書交付</source>
      <translation>Madoguchi — Certificate issuance</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="224" />
      <source>操作(&amp;O)</source>
      <translation>&amp;Operations</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="225" />
      <source>検索(&amp;S)</source>
      <translation>&amp;Search</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="226" />
      <source>カナ・氏名・生年月日(例 S60.4.1)・宛名番号</source>
      <translation>Kana, name, date of birth (e.g. S60.4.1) or atena no.</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="227" />
      <source>住民検索</source>
      <translation>Resident search</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="228" />
      <source>検索結果</source>
      <translation>Search results</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="229" />
      <source>住民の詳細</source>
      <translation>Resident details</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="279" />
      <source>Enter	次へ / 決定</source>
      <translation>Enter	Next / confirm</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="279" />
      <source>Esc	戻る / 閉じる</source>
      <translation>Esc	Back / close</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="214" />
      <source>緊急措置の記録(BCP・係長)</source>
      <translation>Record an emergency hold (BCP, supervisor)</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="215" />
      <source>緊急措置の確定(係長)</source>
      <translation>Confirm emergency holds (supervisor)</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="310" />
      <source>終了の確認</source>
      <translation>Quit</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="311" />
      <source>窓口アプリを終了しますか?</source>
      <translation>Quit the counter application?</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="313" />
      <source>終了する</source>
      <translation>Quit</translation>
    </message>
    <message>
      <location filename="../main_window.py" line="314" />
      <source>戻る</source>
      <translation>Back</translation>
    </message>
    <message>
      <source>緊急抑止</source>
      <translation>Emergency suppression</translation>
    </message>
    <message>
      <source>仮支援措置</source>
      <translation>Provisional support measure</translation>
    </message>
  </context>
  <context>
    <name>ModeBanner</name>
    <message>
      <location filename="../mode_banner.py" line="83" />
      <source>接続状態</source>
      <translation>Connection state</translation>
    </message>
    <message>
      <location filename="../mode_banner.py" line="101" />
      <source>防災訓練(BCPモードの練習) — 見本のみ・送信されません</source>
      <translation>Disaster drill (BCP practice) — samples only, nothing is sent</translation>
    </message>
    <message>
      <location filename="../mode_banner.py" line="103" />
      <source>オンライン(主回線)</source>
      <translation>Online (primary line)</translation>
    </message>
    <message>
      <location filename="../mode_banner.py" line="104" />
      <source>オンライン(副回線)</source>
      <translation>Online (secondary line)</translation>
    </message>
    <message>
      <location filename="../mode_banner.py" line="105" />
      <source>BCPモード(縮退運用)</source>
      <translation>BCP mode (degraded operation)</translation>
    </message>
    <message>
      <location filename="../mode_banner.py" line="106" />
      <source>復旧中(同期しています)</source>
      <translation>Recovering (synchronising)</translation>
    </message>
    <message>
      <location filename="../mode_banner.py" line="107" />
      <source>利用停止 — この端末は使用できません</source>
      <translation>Revoked — this terminal cannot be used</translation>
    </message>
    <message>
      <location filename="../mode_banner.py" line="128" />
      <source>BCP用発行番号なし — BCPモードでは交付できません</source>
      <translation>No BCP serial numbers left — cannot issue in BCP mode</translation>
    </message>
    <message>
      <location filename="../mode_banner.py" line="130" />
      <source>発行番号 残り {n}</source>
      <translation>{n} serial numbers left</translation>
    </message>
    <message>
      <location filename="../mode_banner.py" line="131" />
      <source>(残りわずか)</source>
      <translation> (running low)</translation>
    </message>
    <message>
      <location filename="../mode_banner.py" line="142" />
      <source>緊急措置 {n}件 適用中</source>
      <translation>{n} emergency hold(s) in force</translation>
    </message>
    <message>
      <location filename="../mode_banner.py" line="163" />
      <source>全回線断 — BCPモードへの移行に係長の確認が必要です</source>
      <translation>All lines down — a supervisor must confirm the switch to BCP mode</translation>
    </message>
    <message>
      <location filename="../mode_banner.py" line="165" />
      <source>F8 BCPへ移行(係長)</source>
      <translation>F8 Declare BCP (supervisor)</translation>
    </message>
    <message>
      <location filename="../mode_banner.py" line="166" />
      <source>BCPモードへ移行する(係長の確認)</source>
      <translation>Declare BCP mode (supervisor's confirmation)</translation>
    </message>
    <message>
      <location filename="../mode_banner.py" line="172" />
      <source>データ時点 {time}(経過 {age})</source>
      <translation>Data as of {time} ({age} old)</translation>
    </message>
    <message>
      <location filename="../mode_banner.py" line="177" />
      <source>未送信 {n}件</source>
      <translation>{n} waiting to sync</translation>
    </message>
  </context>
  <context>
    <name>ModeReactions</name>
    <message>
      <location filename="../main_window_modes.py" line="101" />
      <source>この端末は登録されていないため、BCPモードは使えません。</source>
      <translation>This terminal is not enrolled: BCP mode is not available.</translation>
    </message>
    <message>
      <location filename="../main_window_modes.py" line="103" />
      <source>データセンターに接続できません。係長が確認のうえ、複製データによる縮退運用(BCP)に移行します。</source>
      <translation>The data centre cannot be reached. After the supervisor's check the counter works from the local replica (BCP mode).</translation>
    </message>
    <message>
      <location filename="../main_window_modes.py" line="107" />
      <source>BCPモードへの移行</source>
      <translation>Declare BCP mode</translation>
    </message>
    <message>
      <location filename="../main_window_modes.py" line="114" />
      <source>{name} がBCPモードへの移行を確認しました。</source>
      <translation>{name} declared BCP mode.</translation>
    </message>
    <message>
      <location filename="../main_window_modes.py" line="125" />
      <source>全回線が {seconds} 秒前から応答しません。</source>
      <translation>No line has answered for {seconds} s.</translation>
    </message>
    <message>
      <location filename="../main_window_modes.py" line="129" />
      <source>{url}: 応答あり</source>
      <translation>{url}: answering</translation>
    </message>
    <message>
      <location filename="../main_window_modes.py" line="131" />
      <source>{url}: {since} から失敗 {n} 回 — 最後のエラー: {error}</source>
      <translation>{url}: failing since {since}, {n} failures — last error: {error}</translation>
    </message>
    <message>
      <location filename="../main_window_modes.py" line="150" />
      <source>防災訓練</source>
      <translation>Disaster drill</translation>
    </message>
    <message>
      <location filename="../main_window_modes.py" line="151" />
      <source>防災訓練を始めました(BCPモードの練習)。発行するのはすべて「見本」で、データセンターへは送信されません。</source>
      <translation>The disaster drill has started (BCP practice). Everything issued is a sample (見本) and nothing is sent to the data centre.</translation>
    </message>
    <message>
      <location filename="../main_window_modes.py" line="154" />
      <source>不明</source>
      <translation>unknown</translation>
    </message>
    <message>
      <location filename="../main_window_modes.py" line="155" />
      <source>BCPモード(縮退運用)</source>
      <translation>BCP mode (degraded operation)</translation>
    </message>
    <message>
      <location filename="../main_window_modes.py" line="156" />
      <source>BCPモード(縮退運用)に切り替わりました。
データセンターに接続できないため、この端末の複製データ(データ時点 {time})で交付します。
支援措置・抑止のある方と、個人番号・住民票コード入りの証明書は交付できません。</source>
      <translation>BCP mode (degraded operation) has started.
The data centre cannot be reached: certificates are issued from this terminal's replica (data as of {time}).
Persons under a support measure or a block, and certificates with My Number or the juminhyo code, cannot be issued.</translation>
    </message>
    <message>
      <location filename="../main_window_modes.py" line="160" />
      <location filename="../main_window_modes.py" line="174" />
      <source>オンラインに復旧</source>
      <translation>Back online</translation>
    </message>
    <message>
      <location filename="../main_window_modes.py" line="161" />
      <source>データセンターとの接続が戻りました。オンラインで交付します。
BCP中の交付を送信しています…</source>
      <translation>The data centre answers again; issuing online.
Sending the issuances made in BCP mode…</translation>
    </message>
    <message>
      <location filename="../main_window_modes.py" line="167" />
      <source>データセンターとの接続が戻りました。オンラインで交付します。
BCP中の交付 {pushed}件を送信しました。</source>
      <translation>The data centre answers again; issuing online.
{pushed} issuances made in BCP mode were sent.</translation>
    </message>
    <message>
      <location filename="../main_window_modes.py" line="170" />
      <source>照合の結果、係長の確認が必要な交付が {n}件あります(F4 BCP照合結果)。</source>
      <translation>{n} issuances need a supervisor's review after the reconciliation (F4 BCP reconciliation).</translation>
    </message>
    <message>
      <location filename="../main_window_modes.py" line="173" />
      <source>係長の確認が必要な交付はありません。</source>
      <translation>Nothing waits for a supervisor's review.</translation>
    </message>
    <message>
      <location filename="../main_window_modes.py" line="205" />
      <source>サインアウトしました(端末の利用停止)</source>
      <translation>Signed out (terminal revoked)</translation>
    </message>
    <message>
      <location filename="../main_window_modes.py" line="206" />
      <source>この端末は利用停止されました。サインイン・検索・交付はできません。システム管理者に連絡してください。</source>
      <translation>This terminal has been revoked. Sign-in, search and issuance are not possible. Contact the system administrator.</translation>
    </message>
  </context>
  <context>
    <name>RequestSheetSection</name>
    <message>
      <location filename="../card_sheet.py" line="67" />
      <source>4. 交付請求書(書かない窓口)</source>
      <translation>4. Request form (no-writing counter)</translation>
    </message>
    <message>
      <location filename="../card_sheet.py" line="76" />
      <source>請求者の区分</source>
      <translation>Requester kind</translation>
    </message>
    <message>
      <location filename="../card_sheet.py" line="77" />
      <source>対象者</source>
      <translation>Persons</translation>
    </message>
    <message>
      <location filename="../card_sheet.py" line="90" />
      <source>通数</source>
      <translation>Copies</translation>
    </message>
    <message>
      <location filename="../card_sheet.py" line="94" />
      <source>住民票は世帯全員</source>
      <translation>Certificate of residence for the whole household</translation>
    </message>
    <message>
      <location filename="../card_sheet.py" line="119" />
      <source>委任状あり</source>
      <translation>Power of attorney presented</translation>
    </message>
    <message>
      <location filename="../card_sheet.py" line="122" />
      <source>使用目的</source>
      <translation>Purpose of use</translation>
    </message>
    <message>
      <location filename="../card_sheet.py" line="123" />
      <source>提出先</source>
      <translation>Submitted to</translation>
    </message>
    <message>
      <location filename="../card_sheet.py" line="124" />
      <source>資格・登録番号</source>
      <translation>Qualification and registration no.</translation>
    </message>
    <message>
      <location filename="../card_sheet.py" line="147" />
      <source>(メイン画面で対象の住民を選んでください)</source>
      <translation>(select the subject in the main window)</translation>
    </message>
    <message>
      <location filename="../card_sheet.py" line="156" />
      <source>顔写真の確認(と不一致の確認)をしてから請求書を作成してください。</source>
      <translation>Confirm the photo (and the mismatches) before making the request form.</translation>
    </message>
    <message>
      <location filename="../card_sheet.py" line="174" />
      <source>交付請求書を作成しました。請求者に内容を確認していただき、署名をもらってください。</source>
      <translation>Request form made. Let the requester check it and sign.</translation>
    </message>
  </context>
  <context>
    <name>RequesterSection</name>
    <message>
      <location filename="../issuance_requester.py" line="38" />
      <source>請求者</source>
      <translation>Requester</translation>
    </message>
    <message>
      <location filename="../issuance_requester.py" line="42" />
      <source>請求者の区分</source>
      <translation>Requester kind</translation>
    </message>
    <message>
      <location filename="../issuance_requester.py" line="46" />
      <source>請求者の氏名</source>
      <translation>Requester's name</translation>
    </message>
    <message>
      <location filename="../issuance_requester.py" line="49" />
      <location filename="../issuance_requester.py" line="101" />
      <source>来庁した世帯員</source>
      <translation>Household member at the counter</translation>
    </message>
    <message>
      <location filename="../issuance_requester.py" line="59" />
      <source>本人確認書類</source>
      <translation>Identity document</translation>
    </message>
    <message>
      <location filename="../issuance_requester.py" line="65" />
      <source>委任状あり</source>
      <translation>Power of attorney presented</translation>
    </message>
    <message>
      <location filename="../issuance_requester.py" line="67" />
      <source>委任状</source>
      <translation>Power of attorney</translation>
    </message>
    <message>
      <location filename="../issuance_requester.py" line="69" />
      <location filename="../issuance_requester.py" line="107" />
      <source>利用目的</source>
      <translation>Purpose</translation>
    </message>
    <message>
      <location filename="../issuance_requester.py" line="73" />
      <location filename="../issuance_requester.py" line="108" />
      <source>資格</source>
      <translation>Qualification</translation>
    </message>
    <message>
      <location filename="../issuance_requester.py" line="74" />
      <source>(選択してください)</source>
      <translation>(choose)</translation>
    </message>
    <message>
      <location filename="../issuance_requester.py" line="80" />
      <location filename="../issuance_requester.py" line="109" />
      <source>登録番号</source>
      <translation>Registration no.</translation>
    </message>
    <message>
      <location filename="../issuance_requester.py" line="81" />
      <source>依頼者の氏名</source>
      <translation>Client's name</translation>
    </message>
    <message>
      <location filename="../issuance_requester.py" line="82" />
      <source>申出者の住所(事務所の所在地)</source>
      <translation>Applicant's address (office)</translation>
    </message>
    <message>
      <location filename="../issuance_requester.py" line="84" />
      <source>特別の請求の理由</source>
      <translation>Reason for the special request</translation>
    </message>
    <message>
      <location filename="../issuance_requester.py" line="85" />
      <location filename="../issuance_requester.py" line="87" />
      <source>特別の請求を認める</source>
      <translation>Accept the special request</translation>
    </message>
    <message>
      <location filename="../issuance_requester.py" line="89" />
      <location filename="../issuance_requester.py" line="113" />
      <source>請求機関</source>
      <translation>Requesting agency</translation>
    </message>
    <message>
      <location filename="../issuance_requester.py" line="90" />
      <source>法令上の根拠(番号法19条)</source>
      <translation>Legal basis (My Number Act art. 19)</translation>
    </message>
    <message>
      <location filename="../issuance_requester.py" line="91" />
      <location filename="../issuance_requester.py" line="93" />
      <source>郵送による請求</source>
      <translation>Request received by post</translation>
    </message>
    <message>
      <location filename="../issuance_requester.py" line="95" />
      <source>対象者の住所へ郵送で交付する(個人番号入り)</source>
      <translation>Send by post to the subject's address (with My Number)</translation>
    </message>
    <message>
      <location filename="../issuance_requester.py" line="97" />
      <source>郵送で交付</source>
      <translation>Deliver by post</translation>
    </message>
    <message>
      <location filename="../issuance_requester.py" line="99" />
      <source>区分</source>
      <translation>Category</translation>
    </message>
    <message>
      <location filename="../issuance_requester.py" line="100" />
      <source>氏名</source>
      <translation>Name</translation>
    </message>
    <message>
      <location filename="../issuance_requester.py" line="102" />
      <source>本人確認(&amp;I)</source>
      <translation>&amp;Identity check</translation>
    </message>
    <message>
      <location filename="../issuance_requester.py" line="106" />
      <source>申出者の住所</source>
      <translation>Applicant's address</translation>
    </message>
    <message>
      <location filename="../issuance_requester.py" line="110" />
      <source>依頼者</source>
      <translation>Client</translation>
    </message>
    <message>
      <location filename="../issuance_requester.py" line="111" />
      <source>特別の請求</source>
      <translation>Special request</translation>
    </message>
    <message>
      <location filename="../issuance_requester.py" line="114" />
      <source>法令上の根拠</source>
      <translation>Legal basis</translation>
    </message>
  </context>
  <context>
    <name>ReviewDialog</name>
    <message>
      <location filename="../review_dialog.py" line="127" />
      <source>F12 処理を記録</source>
      <translation>F12 Record the outcome</translation>
    </message>
    <message>
      <location filename="../review_dialog.py" line="132" />
      <source>Esc 閉じる</source>
      <translation>Esc Close</translation>
    </message>
    <message>
      <location filename="../review_dialog.py" line="133" />
      <source>閉じる</source>
      <translation>Close</translation>
    </message>
    <message>
      <location filename="../review_dialog.py" line="141" />
      <source>表示</source>
      <translation>Show</translation>
    </message>
    <message>
      <location filename="../review_dialog.py" line="205" />
      <source>係長の承認が必要です。</source>
      <translation>A supervisor's approval is required.</translation>
    </message>
    <message>
      <location filename="../review_dialog.py" line="232" />
      <source>読み込んでいます…</source>
      <translation>Loading…</translation>
    </message>
    <message>
      <location filename="../review_dialog.py" line="243" />
      <source>{n}件</source>
      <translation>{n} entries</translation>
    </message>
    <message>
      <location filename="../review_dialog.py" line="279" />
      <source>記録しています…</source>
      <translation>Recording…</translation>
    </message>
  </context>
  <context>
    <name>SearchAndDetail</name>
    <message>
      <location filename="../main_window_search.py" line="62" />
      <source>検索しています…</source>
      <translation>Searching…</translation>
    </message>
    <message>
      <location filename="../main_window_search.py" line="77" />
      <source>宛名番号で検索</source>
      <translation>Search by atena no.</translation>
    </message>
    <message>
      <location filename="../main_window_search.py" line="78" />
      <source>生年月日で検索</source>
      <translation>Search by date of birth</translation>
    </message>
    <message>
      <location filename="../main_window_search.py" line="79" />
      <source>カナで検索</source>
      <translation>Search by kana</translation>
    </message>
    <message>
      <location filename="../main_window_search.py" line="80" />
      <source>氏名で検索</source>
      <translation>Search by name</translation>
    </message>
    <message>
      <location filename="../main_window_search.py" line="81" />
      <source>住所で検索</source>
      <translation>Search by address</translation>
    </message>
    <message>
      <location filename="../main_window_search.py" line="95" />
      <source>{n}件を超えて該当します。先頭の{n}件を表示しています。生年月日や名まで入力して絞り込んでください。</source>
      <translation>More than {n} matches; the first {n} are shown. Narrow the search (add the birth date or the given name).</translation>
    </message>
    <message>
      <location filename="../main_window_search.py" line="98" />
      <source>{n}件 見つかりました</source>
      <translation>{n} found</translation>
    </message>
    <message>
      <location filename="../main_window_search.py" line="98" />
      <source>該当者はいません</source>
      <translation>No match</translation>
    </message>
  </context>
  <context>
    <name>SignInDialog</name>
    <message>
      <location filename="../signin_dialog.py" line="50" />
      <source>窓口 — サインイン</source>
      <translation>Madoguchi — Sign in</translation>
    </message>
    <message>
      <location filename="../signin_dialog.py" line="53" />
      <source>証明書交付システム サインイン</source>
      <translation>Certificate issuance — sign in</translation>
    </message>
    <message>
      <location filename="../signin_dialog.py" line="61" />
      <source>職員ID</source>
      <translation>Staff ID</translation>
    </message>
    <message>
      <location filename="../signin_dialog.py" line="65" />
      <source>パスワード</source>
      <translation>Password</translation>
    </message>
    <message>
      <location filename="../signin_dialog.py" line="73" />
      <source>エラー</source>
      <translation>Error</translation>
    </message>
    <message>
      <location filename="../signin_dialog.py" line="77" />
      <source>団体</source>
      <translation>Municipality</translation>
    </message>
    <message>
      <location filename="../signin_dialog.py" line="116" />
      <source>この端末の団体 ({code})</source>
      <translation>This terminal's municipality ({code})</translation>
    </message>
    <message>
      <location filename="../signin_dialog.py" line="118" />
      <source>{name} ({code}) — 相互バックアップ</source>
      <translation>{name} ({code}) — mutual backup</translation>
    </message>
    <message>
      <location filename="../signin_dialog.py" line="82" />
      <source>団体(&amp;M)</source>
      <translation>Municipality (&amp;M)</translation>
    </message>
    <message>
      <location filename="../signin_dialog.py" line="84" />
      <source>職員ID(&amp;U)</source>
      <translation>Staff ID (&amp;U)</translation>
    </message>
    <message>
      <location filename="../signin_dialog.py" line="85" />
      <source>パスワード(&amp;P)</source>
      <translation>Password (&amp;P)</translation>
    </message>
    <message>
      <location filename="../signin_dialog.py" line="88" />
      <location filename="../signin_dialog.py" line="90" />
      <source>サインイン</source>
      <translation>Sign in</translation>
    </message>
    <message>
      <location filename="../signin_dialog.py" line="91" />
      <location filename="../signin_dialog.py" line="92" />
      <source>終了</source>
      <translation>Quit</translation>
    </message>
    <message>
      <location filename="../signin_dialog.py" line="145" />
      <source>サインインしています…</source>
      <translation>Signing in…</translation>
    </message>
  </context>
  <context>
    <name>StandingLine</name>
    <message>
      <location filename="../standing_line.py" line="81" />
      <source>端末の状態</source>
      <translation>Terminal standing</translation>
    </message>
    <message>
      <location filename="../standing_line.py" line="90" />
      <source>不明</source>
      <translation>unknown</translation>
    </message>
    <message>
      <location filename="../standing_line.py" line="93" />
      <source>端末 {terminal}: 利用停止(失効 {at}) — 住民データ(複製)と鍵は消去されました。この端末で窓口業務は行えません。</source>
      <translation>Terminal {terminal}: revoked (at {at}) — the replicas and the keys have been erased. The counter cannot be used on this terminal.</translation>
    </message>
    <message>
      <location filename="../standing_line.py" line="96" />
      <source>端末 {terminal}: 利用停止(失効 {at}) — 住民データ(複製)は閉じられました。この端末で窓口業務は行えません。</source>
      <translation>Terminal {terminal}: revoked (at {at}) — the replicas are closed. The counter cannot be used on this terminal.</translation>
    </message>
    <message>
      <location filename="../standing_line.py" line="99" />
      <source>この端末は登録されていません。</source>
      <translation>This terminal is not enrolled.</translation>
    </message>
    <message>
      <location filename="../standing_line.py" line="101" />
      <source>署名鍵 有効期限なし</source>
      <translation>signing key without expiry</translation>
    </message>
    <message>
      <location filename="../standing_line.py" line="101" />
      <source>署名鍵なし</source>
      <translation>no signing key</translation>
    </message>
    <message>
      <location filename="../standing_line.py" line="102" />
      <source>端末 {terminal} 登録済み・{key}</source>
      <translation>Terminal {terminal} enrolled · {key}</translation>
    </message>
    <message>
      <location filename="../standing_line.py" line="104" />
      <source>端末の署名鍵がありません。システム管理者に連絡してください。</source>
      <translation>The terminal's signing key is missing. Contact the system administrator.</translation>
    </message>
    <message>
      <location filename="../standing_line.py" line="110" />
      <source>住民データ(複製)の鍵の利用期限が切れているため、複製を開けません(BCPモードでの交付はできません)。データセンターに接続すると更新されます。未送信の交付記録は保持されています。</source>
      <translation>The replica key lease has expired, so the replica cannot be opened (no issuance in BCP mode). It is renewed when the data centre is reached. Unsynced issuances are kept.</translation>
    </message>
    <message>
      <location filename="../standing_line.py" line="117" />
      <source>住民データ(複製)の鍵の利用期限({until})が過ぎたため、複製を開けません(BCPモードでの交付はできません)。データセンターに接続すると更新されます。未送信の交付記録は保持されています。</source>
      <translation>The replica key lease ended ({until}), so the replica cannot be opened (no issuance in BCP mode). It is renewed when the data centre is reached. Unsynced issuances are kept.</translation>
    </message>
    <message>
      <location filename="../standing_line.py" line="120" />
      <source>複製の鍵 {until} まで(残り {days} 日)</source>
      <translation>replica key valid until {until} ({days} days left)</translation>
    </message>
    <message>
      <location filename="../standing_line.py" line="124" />
      <source>期限を過ぎると住民データ(複製)を開けなくなります。データセンターに接続してください。</source>
      <translation>After that the replica can no longer be opened. Connect to the data centre.</translation>
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
      <location filename="../verdict_panel.py" line="31" />
      <source>判定</source>
      <translation>Verdict</translation>
    </message>
    <message>
      <location filename="../verdict_panel.py" line="35" />
      <source>手数料</source>
      <translation>Fee</translation>
    </message>
    <message>
      <location filename="../verdict_panel.py" line="47" />
      <source>判定しています…</source>
      <translation>Checking…</translation>
    </message>
    <message>
      <location filename="../verdict_panel.py" line="50" />
      <source>判定できません。</source>
      <translation>No verdict.</translation>
    </message>
    <message>
      <location filename="../verdict_panel.py" line="57" />
      <source>交付できます。</source>
      <translation>Can be issued.</translation>
    </message>
    <message>
      <location filename="../verdict_panel.py" line="63" />
      <source>停止 — 支援措置の対象者です。</source>
      <translation>Stop — this person is under a support measure.</translation>
    </message>
    <message>
      <location filename="../verdict_panel.py" line="65" />
      <source>F8: 支援措置責任者が請求者を確認して解除します。</source>
      <translation>F8: the support-measure supervisor checks the requester and releases.</translation>
    </message>
    <message>
      <location filename="../verdict_panel.py" line="68" />
      <source>交付できません。</source>
      <translation>Cannot be issued.</translation>
    </message>
    <message>
      <location filename="../verdict_panel.py" line="72" />
      <source>手数料 免除({reason}) {copies}通</source>
      <translation>Fee exempt ({reason}), {copies} copies</translation>
    </message>
    <message>
      <location filename="../verdict_panel.py" line="75" />
      <source>手数料 {fee}円({copies}通)</source>
      <translation>Fee {fee} yen ({copies} copies)</translation>
    </message>
  </context>
  <context>
    <name>WipeDialog</name>
    <message>
      <location filename="../wipe_dialog.py" line="35" />
      <location filename="../wipe_dialog.py" line="72" />
      <location filename="../wipe_dialog.py" line="73" />
      <source>この端末は利用停止されました</source>
      <translation>This terminal has been revoked</translation>
    </message>
    <message>
      <location filename="../wipe_dialog.py" line="74" />
      <source>確認しました</source>
      <translation>Understood</translation>
    </message>
    <message>
      <location filename="../wipe_dialog.py" line="75" />
      <source>不明</source>
      <translation>unknown</translation>
    </message>
    <message>
      <location filename="../wipe_dialog.py" line="76" />
      <source>データセンターがこの端末を利用停止(失効)しました。利用停止日時: {when}</source>
      <translation>The data centre revoked this terminal at {when}</translation>
    </message>
    <message>
      <location filename="../wipe_dialog.py" line="79" />
      <source>(理由: {reason})</source>
      <translation> (reason: {reason})</translation>
    </message>
    <message>
      <location filename="../wipe_dialog.py" line="85" />
      <source>利用停止前にこの端末で交付した記録 {n} 件を、消去の前にデータセンターへ送信しました(交付履歴に残ります)。</source>
      <translation>{n} issuance(s) made on this terminal before the revocation were sent to the data centre before the wipe (they stay in the issuance history).</translation>
    </message>
    <message>
      <location filename="../wipe_dialog.py" line="89" />
      <source>未送信の交付記録 {n} 件は、回線の障害のためまだ送信できていません。記録は端末に保持され、回線が戻りしだい送信してから消去します(アプリを終了した場合は madoguchi sync で送信します)。</source>
      <translation>{n} unsynced issuance(s) could not be sent yet (the line failed). They are kept on the terminal, sent as soon as the line is back and then erased (if the application is closed: madoguchi sync sends them).</translation>
    </message>
    <message>
      <location filename="../wipe_dialog.py" line="93" />
      <source>利用停止後の交付記録 {n} 件はデータセンターが受け付けず、消去されました。</source>
      <translation>{n} issuance(s) made after the revocation were refused by the data centre and erased.</translation>
    </message>
    <message>
      <location filename="../wipe_dialog.py" line="97" />
      <source>この端末の住民データ(複製)、相互バックアップ協定先の複製、暗号鍵と端末の鍵を消去しました。</source>
      <translation>This terminal's replica, the mutual-backup partners' replicas, the encryption keys and the terminal key have been erased.</translation>
    </message>
    <message>
      <location filename="../wipe_dialog.py" line="100" />
      <source>この端末の住民データ(複製)と相互バックアップ協定先の複製は、鍵を消去したため開けなくなりました。</source>
      <translation>This terminal's replica and the partners' replicas can no longer be opened: their keys are erased.</translation>
    </message>
    <message>
      <location filename="../wipe_dialog.py" line="102" />
      <source>この端末ではサインイン・検索・交付はできません。この端末を使わずに、システム管理者(データセンターの端末管理担当)に連絡してください。</source>
      <translation>Sign-in, search and issuance are not possible on this terminal. Stop using it and call the system administrator (the data centre's terminal management).</translation>
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