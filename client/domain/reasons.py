"""The documented set of reason codes the rule engine returns, with clerk (ja) and log (en) texts.

Every code is a module-level string constant; ``CATALOGUE`` maps it to its messages and to
whether it blocks issuance. ``make(code, **values)`` builds the ``Reason`` value object; the
messages may hold ``{placeholders}`` filled from ``values``. Codes never change meaning once
released: the server, the replica, the outbox and the logs store them.
"""

from __future__ import annotations

from dataclasses import dataclass

from client.domain.decision import Reason


@dataclass(frozen=True)
class ReasonSpec:
    message_ja: str
    message_en: str
    blocking: bool = True
    releasable: bool = False  # a 支援措置責任者 may release it (NEEDS_RELEASE)


# --- subject and request shape ------------------------------------------------------------------
SUBJECT_NOT_FOUND = "subject_not_found"
SUBJECT_REMOVED = "subject_removed"
SUBJECT_NOT_REMOVED = "subject_not_removed"
MEMBER_NOT_IN_HOUSEHOLD = "member_not_in_household"
INVALID_COPIES = "invalid_copies"
FORM_DISABLED = "form_disabled"
LAYOUT_NOT_AVAILABLE = "layout_not_available"
ITEMS_NOT_APPLICABLE = "items_not_applicable"
ITEM_DATA_MISSING = "item_data_missing"
# --- requester (住基法12条, 12条の2, 12条の3) ----------------------------------------------------
IDENTITY_NOT_CHECKED = "identity_not_checked"
REQUESTER_NOT_SUBJECT = "requester_not_subject"
REQUESTER_NOT_IN_HOUSEHOLD = "requester_not_in_household"
POWER_OF_ATTORNEY_MISSING = "power_of_attorney_missing"
PURPOSE_MISSING = "purpose_missing"
QUALIFICATION_MISSING = "qualification_missing"
QUALIFICATION_NOT_SPECIFIED = "qualification_not_specified"
REGISTRATION_NO_MISSING = "registration_no_missing"
CLIENT_MISSING = "client_missing"
APPLICANT_ADDRESS_MISSING = "applicant_address_missing"
SPECIAL_REQUEST_NOT_ACCEPTED = "special_request_not_accepted"
OFFICIAL_AGENCY_MISSING = "official_agency_missing"
THIRD_PARTY_MY_NUMBER = "third_party_my_number"
THIRD_PARTY_JUMINHYO_CODE = "third_party_juminhyo_code"
REQUESTER_NOT_ALLOWED = "requester_not_allowed"
AGENT_MY_NUMBER_BY_POST = "agent_my_number_by_post"
AGENT_MY_NUMBER_COUNTER = "agent_my_number_counter"
OFFICIAL_MY_NUMBER_BASIS_MISSING = "official_my_number_basis_missing"
RESIDENCE_PERIOD_EXPIRED = "residence_period_expired"
# --- 除票 (15条の4) ----------------------------------------------------------------------------
JOHYO_DECEASED_SELF = "johyo_deceased_self"
JOHYO_FORMER_HOUSEHOLD = "johyo_former_household"
JOHYO_OFFICIAL_NUMBERS = "johyo_official_numbers"
JOHYO_DISCARDED = "johyo_discarded"
# --- 印鑑登録証明 ---------------------------------------------------------------------------------
INKAN_CARD_MISSING = "inkan_card_missing"
INKAN_NOT_REGISTERED = "inkan_not_registered"
INKAN_CARD_MISMATCH = "inkan_card_mismatch"
INKAN_REGISTRATION_ABOLISHED = "inkan_registration_abolished"
INKAN_SUBJECT_NOT_RESIDENT = "inkan_subject_not_resident"
# --- 課税証明 -------------------------------------------------------------------------------------
TAX_YEAR_MISSING = "tax_year_missing"
TAX_YEAR_OUT_OF_RANGE = "tax_year_out_of_range"
TAX_NO_DATA = "tax_no_data"
TAX_NOT_RESIDENT_ON_JAN1 = "tax_not_resident_on_jan1"
# --- fees ---------------------------------------------------------------------------------------
INVALID_EXEMPTION = "invalid_exemption"
# --- 支援措置 ---------------------------------------------------------------------------------------
SUPPORT_MEASURE = "support_measure"
SUPPORT_MEASURE_PERPETRATOR = "support_measure_perpetrator"
SUPPORT_MEASURE_VICTIM_BY_AGENT = "support_measure_victim_by_agent"
SUPPORT_MEASURE_VICTIM_BY_POST = "support_measure_victim_by_post"
SUPPORT_MEASURE_BCP = "support_measure_bcp"
SUPPORT_MEASURE_RELEASED = "support_measure_released"
SUPPORT_MEASURE_RECENTLY_ENDED = "support_measure_recently_ended"
# --- 抑止 -----------------------------------------------------------------------------------------
SUPPRESSED = "suppressed"
SUPPRESSION_ALERT = "suppression_alert"
SUPPRESSED_BCP = "suppressed_bcp"
# --- BCP mode -----------------------------------------------------------------------------------
BCP_ITEM_NOT_REPLICATED = "bcp_item_not_replicated"
REPLICA_AS_OF_UNKNOWN = "replica_as_of_unknown"
REPLICA_STALE = "replica_stale"
REPLICA_STALE_OVERRIDDEN = "replica_stale_overridden"
PENDING_CHANGES = "pending_changes"


CATALOGUE: dict[str, ReasonSpec] = {
    SUBJECT_NOT_FOUND: ReasonSpec(
        "該当する住民が見つかりません。宛名番号を確認してください。",
        "No resident with this atena number.",
    ),
    SUBJECT_REMOVED: ReasonSpec(
        "この方は{reason}により消除されています。住民票の除票の写しを請求してください。",
        "The resident was removed ({reason}); request the removed-record certificate (johyo).",
    ),
    SUBJECT_NOT_REMOVED: ReasonSpec(
        "この方は現在の住民です。除票は転出・死亡等で消除された方についてのみ交付できます。",
        "The resident is current; johyo is only issued for removed residents.",
    ),
    MEMBER_NOT_IN_HOUSEHOLD: ReasonSpec(
        "選択された方（宛名番号 {atena_no}）は請求対象者と同一世帯ではありません。",
        "Selected member {atena_no} is not in the subject's household.",
    ),
    INVALID_COPIES: ReasonSpec(
        "通数が正しくありません（1〜{max}通）。",
        "Copies must be between 1 and {max}.",
    ),
    FORM_DISABLED: ReasonSpec(
        "この団体では{cert}（様式 {form_id}）を交付していません（様式パラメータで停止中）。",
        "{cert_en} (form {form_id}) is not issued by this municipality (disabled in its form parameters).",
    ),
    LAYOUT_NOT_AVAILABLE: ReasonSpec(
        "{cert}は個人票・本人分のみ交付できます。世帯全員・世帯連記式は選択できません。",
        "{cert_en} is issued per person only (no household or multi-person layout).",
    ),
    ITEMS_NOT_APPLICABLE: ReasonSpec(
        "{cert}では記載事項（世帯主・続柄、本籍 等）を選択できません。",
        "Juminhyo items cannot be requested on {cert_en}.",
    ),
    ITEM_DATA_MISSING: ReasonSpec(
        "{item}のデータがないため記載できません（宛名番号 {atena_no}）。",
        "No data for {item_en} (atena {atena_no}).",
    ),
    IDENTITY_NOT_CHECKED: ReasonSpec(
        "窓口に来た方の本人確認が済んでいません。本人確認書類を確認してください。",
        "The identity of the person at the counter has not been checked.",
    ),
    REQUESTER_NOT_SUBJECT: ReasonSpec(
        "請求者が本人ではありません。請求者区分（同一世帯・代理人・第三者）を見直してください。",
        "The requester is not the subject; choose household member, agent or third party.",
    ),
    REQUESTER_NOT_IN_HOUSEHOLD: ReasonSpec(
        "請求者が請求対象者と同一世帯であることを確認できません。請求者の宛名番号を確認してください。",
        "The requester is not a member of the subject's household.",
    ),
    POWER_OF_ATTORNEY_MISSING: ReasonSpec(
        "代理人による請求には委任状が必要です。",
        "An agent needs a power of attorney (ininjo).",
    ),
    PURPOSE_MISSING: ReasonSpec(
        "第三者・職務上請求には利用目的（正当な理由）の記載が必要です。",
        "Third-party and professional requests need a stated purpose.",
    ),
    QUALIFICATION_MISSING: ReasonSpec(
        "職務上請求には資格（弁護士・司法書士・行政書士 等）の記載が必要です。",
        "A professional request needs the professional qualification.",
    ),
    QUALIFICATION_NOT_SPECIFIED: ReasonSpec(
        "「{qualification}」は職務上請求のできる資格ではありません（{allowed}）。第三者請求として受け付けてください。",
        "'{qualification}' is not one of the eight qualifications for a professional request ({allowed}).",
    ),
    REGISTRATION_NO_MISSING: ReasonSpec(
        "職務上請求には資格の登録番号の記載が必要です。",
        "A professional request needs the professional's registration number.",
    ),
    CLIENT_MISSING: ReasonSpec(
        "職務上請求には依頼者の氏名（名称）の記載が必要です。",
        "A professional request needs the client (on whose behalf) named.",
    ),
    APPLICANT_ADDRESS_MISSING: ReasonSpec(
        "第三者・職務上請求には申出者の氏名と住所（事務所の所在地）の記載が必要です。",
        "Third-party and professional requests need the applicant's name and address.",
    ),
    SPECIAL_REQUEST_NOT_ACCEPTED: ReasonSpec(
        "第三者には基礎証明事項のみ記載します。{items}の記載は、特別の請求の理由を記録し認めた場合に限ります。",
        "Third parties get the basic items only; {items_en} need a special request whose reason is "
        "recorded and accepted.",
    ),
    OFFICIAL_AGENCY_MISSING: ReasonSpec(
        "公用請求には請求機関名が必要です。",
        "An official request needs the requesting agency.",
    ),
    THIRD_PARTY_MY_NUMBER: ReasonSpec(
        "第三者・職務上請求では個人番号を記載できません。個人番号の記載を外してください。",
        "Third parties never get the My Number; remove the item.",
    ),
    THIRD_PARTY_JUMINHYO_CODE: ReasonSpec(
        "第三者・職務上請求では住民票コードを記載できません。住民票コードの記載を外してください。",
        "Third parties never get the juminhyo code; remove the item.",
    ),
    REQUESTER_NOT_ALLOWED: ReasonSpec(
        "{cert}はこの請求者区分（{kind}）からは請求できません。",
        "{cert_en} cannot be requested by requester kind {kind_en}.",
    ),
    AGENT_MY_NUMBER_BY_POST: ReasonSpec(
        "個人番号入りの住民票は代理人に渡さず、本人の住所（{address}）あてに郵送します。",
        "The juminhyo with My Number goes by post to the subject's address ({address}), not to the agent.",
        blocking=False,
    ),
    AGENT_MY_NUMBER_COUNTER: ReasonSpec(
        "任意代理人には個人番号入りの住民票を窓口で交付できません。本人の住所あての郵送交付を選んでください。",
        "An agent cannot receive a juminhyo with My Number at the counter; choose delivery by post "
        "to the subject's address.",
    ),
    OFFICIAL_MY_NUMBER_BASIS_MISSING: ReasonSpec(
        "公用請求で個人番号を記載するには、番号法19条に基づく根拠（号・事務）の記録が必要です。",
        "An official request for the My Number needs its legal basis (My Number Act art. 19) recorded.",
    ),
    JOHYO_DECEASED_SELF: ReasonSpec(
        "死亡により消除された方は本人として請求できません。請求者区分（代理人・第三者 等）を見直してください。",
        "A deceased person cannot be the requester; choose agent or third party.",
    ),
    JOHYO_FORMER_HOUSEHOLD: ReasonSpec(
        "除票は同一世帯員として請求できません。元の世帯員の方は第三者請求（15条の4第3項、利用目的の記載）になります。",
        "Former household members request a johyo as third parties (art. 15-4(3), with a purpose).",
    ),
    JOHYO_OFFICIAL_NUMBERS: ReasonSpec(
        "公用請求の除票には個人番号・住民票コードを記載できません（15条の4第2項）。",
        "An official request for a johyo omits the My Number and juminhyo code (art. 15-4(2)).",
    ),
    JOHYO_DISCARDED: ReasonSpec(
        "この除票（{removed}消除）は保存期間（5年）を経過して廃棄されたため交付できません。"
        "必要な場合は廃棄証明（除票の不存在の証明）を交付してください。",
        "This removed record ({removed}) was past its 5-year retention and discarded; "
        "issue a certificate of disposal instead.",
    ),
    RESIDENCE_PERIOD_EXPIRED: ReasonSpec(
        "注意：{name}（宛名番号 {atena_no}）の在留期間の満了の日（{date}）が過ぎています。在留資格の更新等を確認してください。",
        "Residence period of {name} ({atena_no}) expired on {date}; check renewal before issuing.",
        blocking=False,
    ),
    INKAN_CARD_MISSING: ReasonSpec(
        "印鑑登録証明書の交付には印鑑登録証の提示が必要です。",
        "The seal registration card must be presented.",
    ),
    INKAN_NOT_REGISTERED: ReasonSpec(
        "この方は印鑑登録をしていません。",
        "The resident has no seal registration.",
    ),
    INKAN_CARD_MISMATCH: ReasonSpec(
        "提示された印鑑登録証の番号が登録内容と一致しません。",
        "The presented card number does not match the registration.",
    ),
    INKAN_REGISTRATION_ABOLISHED: ReasonSpec(
        "この印鑑登録は廃止されています。",
        "The seal registration has been abolished.",
    ),
    INKAN_SUBJECT_NOT_RESIDENT: ReasonSpec(
        "住民でない方の印鑑登録証明書は交付できません（消除により印鑑登録は抹消されます）。",
        "Seal certificates are only issued for current residents.",
    ),
    TAX_YEAR_MISSING: ReasonSpec(
        "課税証明の年度を指定してください。",
        "The tax year is missing.",
    ),
    TAX_YEAR_OUT_OF_RANGE: ReasonSpec(
        "{year}の課税証明は交付できません（{first}〜{last}）。",
        "Tax year {year_en} is outside {first_en}..{last_en}.",
    ),
    TAX_NO_DATA: ReasonSpec(
        "{year}の所得・課税データがありません。",
        "No income/tax data for tax year {year_en}.",
    ),
    TAX_NOT_RESIDENT_ON_JAN1: ReasonSpec(
        "{jan1}に当市区町村に住所がないため、{year}の課税証明は交付できません。"
        "1月1日時点の住所地の市区町村に請求してください。",
        "Not resident here on 1 January {year_en}; ask the municipality of residence on that day.",
    ),
    INVALID_EXEMPTION: ReasonSpec(
        "手数料免除の事由「{reason}」は登録されていません。",
        "Fee exemption reason '{reason}' is not a registered reason.",
    ),
    SUPPORT_MEASURE: ReasonSpec(
        "支援措置の対象者が含まれています。支援措置責任者による解除（理由の記録）が必要です。",
        "A person under a support measure (DV etc.) is involved; a supervisor must release it.",
        releasable=True,
    ),
    SUPPORT_MEASURE_PERPETRATOR: ReasonSpec(
        "支援措置の加害者（その同一世帯員・代理人・職務上請求の依頼者を含む）からの請求のため交付できません。",
        "Request by a support-measure perpetrator (or their household, agent or client): refused.",
    ),
    SUPPORT_MEASURE_VICTIM_BY_AGENT: ReasonSpec(
        "支援措置の対象者本人名義の代理人請求は交付できません。本人が窓口で請求してください。",
        "A request in a protected person's name by an agent is refused.",
    ),
    SUPPORT_MEASURE_VICTIM_BY_POST: ReasonSpec(
        "支援措置の対象者本人名義の郵送請求は交付できません。本人が窓口で請求してください。",
        "A request by post in a protected person's name is refused.",
    ),
    SUPPORT_MEASURE_BCP: ReasonSpec(
        "縮退運用中は支援措置の対象者が含まれる照会・証明書の交付はできません。",
        "Nothing touching a support-measure person is shown or issued in BCP mode.",
    ),
    SUPPORT_MEASURE_RELEASED: ReasonSpec(
        "支援措置は支援措置責任者（{supervisor}）により今回に限り解除されています。理由：{reason}",
        "Support measure released for this request by {supervisor}: {reason}",
        blocking=False,
    ),
    SUPPORT_MEASURE_RECENTLY_ENDED: ReasonSpec(
        "注意：この方の支援措置は{end}に期間が終了しています。延長の申出がないか支援措置担当に確認してください。",
        "A support measure for this person ended on {end}; check with the supervisor that no extension is pending.",
        blocking=False,
    ),
    SUPPRESSED: ReasonSpec(
        "抑止が設定されています（{reason}）。この処理はできません。",
        "Suppression (error level) in force: {reason}",
    ),
    SUPPRESSION_ALERT: ReasonSpec(
        "注意：抑止（警告）が設定されています（{reason}）。内容を確認してから処理してください。",
        "Suppression alert: {reason}",
        blocking=False,
    ),
    SUPPRESSED_BCP: ReasonSpec(
        "縮退運用中は抑止が設定された方の証明書を交付できません（{reason}）。",
        "No issuance for a suppressed person in BCP mode: {reason}",
    ),
    BCP_ITEM_NOT_REPLICATED: ReasonSpec(
        "縮退運用中は{item}を記載できません（端末に複製されていません）。",
        "{item_en} is not available in BCP mode (not replicated).",
    ),
    REPLICA_AS_OF_UNKNOWN: ReasonSpec(
        "複製データの基準日時が不明なため交付できません。",
        "The replica's as-of time is unknown.",
    ),
    REPLICA_STALE: ReasonSpec(
        "複製データが古すぎます（{age}時間前、上限{limit}時間）。係長の承認（理由）が必要です。",
        "Replica is {age} h old, beyond the {limit} h limit; supervisor override needed.",
    ),
    REPLICA_STALE_OVERRIDDEN: ReasonSpec(
        "複製データは{age}時間前のものです（上限{limit}時間）。承認理由：{reason}",
        "Replica {age} h old, limit {limit} h, overridden: {reason}",
        blocking=False,
    ),
    PENDING_CHANGES: ReasonSpec(
        "この方には未反映の異動があります（宛名番号 {atena_no}）。記載内容が最新でない可能性があります。",
        "Resident {atena_no} has pending changes; the data may be out of date.",
        blocking=False,
    ),
}

ALL_CODES: frozenset[str] = frozenset(CATALOGUE)
RELEASABLE_CODES: frozenset[str] = frozenset(c for c, s in CATALOGUE.items() if s.releasable)


class _Defaulting(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return ""


def make(code: str, **values: object) -> Reason:
    """The ``Reason`` for ``code`` with its messages filled from ``values``."""
    spec = CATALOGUE[code]
    fill = _Defaulting(values)
    return Reason(
        code=code,
        message_ja=spec.message_ja.format_map(fill),
        message_en=spec.message_en.format_map(fill),
        blocking=spec.blocking,
    )


def is_releasable(reason: Reason) -> bool:
    """True for a blocking reason a 支援措置責任者 may release."""
    return reason.code in RELEASABLE_CODES
