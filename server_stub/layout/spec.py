"""The record kinds of the migration layout, their columns and the code tables.

Three CSV files, each with a header row of the Japanese item names (which identifies the kind):

* ``JUKI_SETAI`` (住民基本台帳・世帯): one row per 世帯
* ``JUKI_KOJIN`` (住民基本台帳・個人): one row per person, including removed persons (除票)
* ``INKAN`` (印鑑登録): one row per 印鑑登録

Types: ``X`` text (length in characters), ``N`` ASCII digits (exact or maximum length), ``C``
a code from a code table, ``D`` a date ``YYYYMMDD`` (西暦), ``B`` a birth date ``YYYYMMDD`` where
``0000``/``00`` mark unknown parts, ``P`` a postal code ``NNN-NNNN``, ``I`` base64 of a PNG image.
"""

from __future__ import annotations

from dataclasses import dataclass

# --- code tables --------------------------------------------------------------------------------

SEX = {"1": "M", "2": "F"}  # 性別: 1 男, 2 女
BIRTH_KIND = {"0": False, "1": True}  # 生年月日区分: 0 通常, 1 頃 (approximate)
HEAD = {"0": False, "1": True}  # 世帯主区分
FOREIGN = {"0": False, "1": True}  # 外国人区分: 0 日本人, 1 外国人住民
STATUS = {"1": "resident", "2": "moved_out", "3": "deceased"}  # 住民状態
REMOVAL_REASON = {  # 消除事由
    "00": "",
    "01": "転出",
    "02": "死亡",
    "03": "職権消除",
    "04": "国外転出",
    "05": "失踪宣告",
}
RELATION = {  # 続柄
    "01": "世帯主",
    "02": "妻",
    "03": "夫",
    "04": "妻(未届)",
    "05": "夫(未届)",
    "11": "子",
    "12": "長男",
    "13": "長女",
    "14": "二男",
    "15": "二女",
    "16": "三男",
    "17": "三女",
    "21": "子の妻",
    "22": "子の夫",
    "23": "孫",
    "31": "父",
    "32": "母",
    "33": "妻の父",
    "34": "妻の母",
    "35": "夫の父",
    "36": "夫の母",
    "41": "祖父",
    "42": "祖母",
    "51": "兄",
    "52": "弟",
    "53": "姉",
    "54": "妹",
    "61": "叔父",
    "62": "叔母",
    "63": "甥",
    "64": "姪",
    "71": "縁故者",
    "81": "同居人",
}
SEAL_STATUS = {"1": "active", "2": "abolished"}  # 登録状態: 1 登録中, 2 廃止
FOREIGN_CATEGORY = {  # 30条の45規定区分 (外国人住民)
    "0": "",
    "1": "中長期在留者",
    "2": "特別永住者",
    "3": "一時庇護許可者",
    "4": "仮滞在許可者",
    "5": "経過滞在者",
}

# 生年月日元号: the era a partial birth date was written in, when it is not the era the period is
# named after by default (平成31年 → 4, 昭和64年1月 → 3, 昭和年月日不詳 → 3); 0 for every other date
BIRTH_ERA = {"0": "", "1": "M", "2": "T", "3": "S", "4": "H", "5": "R"}

CODE_TABLES: dict[str, dict[str, object]] = {
    "性別": dict(SEX),
    "生年月日区分": dict(BIRTH_KIND),
    "生年月日元号": dict(BIRTH_ERA),
    "世帯主区分": dict(HEAD),
    "外国人区分": dict(FOREIGN),
    "住民状態": dict(STATUS),
    "消除事由": dict(REMOVAL_REASON),
    "続柄": dict(RELATION),
    "登録状態": dict(SEAL_STATUS),
    "規定区分": dict(FOREIGN_CATEGORY),
}


def reverse(table: dict[str, object]) -> dict[object, str]:
    return {v: k for k, v in table.items()}


# --- columns ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str  # 項目名 (header)
    attr: str  # model attribute
    type: str  # X N C D B P I
    length: int  # maximum characters (N: digits; exact when ``exact``)
    required: bool = False
    exact: bool = False
    code_table: str = ""  # key of CODE_TABLES for type C
    note: str = ""


@dataclass(frozen=True)
class RecordKind:
    key: str  # JUKI_SETAI | JUKI_KOJIN | INKAN
    label: str
    file_name: str
    columns: tuple[Column, ...]
    key_attr: str  # natural key within the municipality
    change_kind: str  # change feed kind

    @property
    def header(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


MUNI = Column("団体コード", "municipality_code", "N", 6, required=True, exact=True, note="全国地方公共団体コード(検査数字付き)")

SETAI = RecordKind(
    "JUKI_SETAI", "住民基本台帳(世帯)", "JUKI_SETAI.csv",
    (
        MUNI,
        Column("世帯番号", "household_no", "N", 16, required=True, note="検査数字付き(モジュラス11)"),
        Column("世帯主宛名番号", "head_atena_no", "N", 16, note="検査数字付き"),
        Column("住所", "address", "X", 200, required=True),
        Column("方書", "katagaki", "X", 100),
        Column("郵便番号", "postal_code", "P", 8),
    ),
    "household_no", "household",
)

KOJIN = RecordKind(
    "JUKI_KOJIN", "住民基本台帳(個人)", "JUKI_KOJIN.csv",
    (
        MUNI,
        Column("宛名番号", "atena_no", "N", 16, required=True, note="検査数字付き(モジュラス11)"),
        Column("世帯番号", "household_no", "N", 16, required=True, note="検査数字付き"),
        Column("氏名", "name", "X", 100, required=True, note="外字を含みうる"),
        Column("氏名カナ", "kana", "X", 100, required=True, note="全角カタカナ、氏と名の間は半角空白"),
        Column("旧氏", "former_surname", "X", 50),
        Column("通称", "alias", "X", 100),
        Column("生年月日", "birth", "B", 8, required=True, exact=True, note="不詳部分は0000/00"),
        Column("生年月日区分", "birth_approximate", "C", 1, required=True, exact=True, code_table="生年月日区分"),
        Column("性別", "sex", "C", 1, required=True, exact=True, code_table="性別"),
        Column("世帯主区分", "is_head", "C", 1, required=True, exact=True, code_table="世帯主区分"),
        Column("続柄", "relation", "C", 2, required=True, exact=True, code_table="続柄"),
        Column("住所", "address", "X", 200, required=True),
        Column("方書", "katagaki", "X", 100),
        Column("郵便番号", "postal_code", "P", 8),
        Column("本籍", "honseki", "X", 200),
        Column("筆頭者", "hittousha", "X", 100),
        Column("住民となった年月日", "became_resident_on", "D", 8, exact=True),
        Column("住定日", "jutei_on", "D", 8, exact=True),
        Column("届出日", "notified_on", "D", 8, exact=True),
        Column("前住所", "previous_address", "X", 200, note="転入前住所"),
        Column("住民状態", "status", "C", 1, required=True, exact=True, code_table="住民状態"),
        Column("消除日", "removed_on", "D", 8, exact=True),
        Column("消除事由", "removal_reason", "C", 2, required=True, exact=True, code_table="消除事由"),
        Column("個人番号", "my_number", "N", 12, exact=True, note="検査数字付き"),
        Column("住民票コード", "juminhyo_code", "N", 11, exact=True),
        Column("外国人区分", "is_foreign", "C", 1, required=True, exact=True, code_table="外国人区分"),
        Column("国籍・地域", "nationality", "X", 64),
        Column("在留資格", "residence_status", "X", 64),
        Column("在留期間の満了日", "residence_period_end", "D", 8, exact=True),
        Column("30条の45規定区分", "foreign_category", "C", 1, exact=True, code_table="規定区分"),
        Column("在留期間", "residence_period", "X", 16, note="例: 3年、6月"),
        Column("在留カード等の番号", "residence_card_no", "X", 16, note="特別永住者は特別永住者証明書番号"),
        Column("転出先住所", "moved_to_address", "X", 200, note="転出による消除"),
        Column("転出届出日", "moved_out_notified_on", "D", 8, exact=True),
        Column("生年月日元号", "birth_era", "C", 1, exact=True, code_table="生年月日元号",
               note="不詳を含む生年月日を記録した元号(平成31年、昭和64年1月、昭和年月日不詳)"),
    ),
    "atena_no", "resident",
)

INKAN = RecordKind(
    "INKAN", "印鑑登録", "INKAN.csv",
    (
        MUNI,
        Column("登録番号", "registration_no", "N", 16, required=True),
        Column("印鑑登録証番号", "card_no", "N", 16, required=True),
        Column("宛名番号", "atena_no", "N", 16, required=True, note="検査数字付き"),
        Column("登録年月日", "registered_on", "D", 8, required=True, exact=True),
        Column("登録状態", "status", "C", 1, required=True, exact=True, code_table="登録状態"),
        Column("印影データ", "seal_image_png", "I", 400_000, note="PNG画像のBase64"),
    ),
    "registration_no", "seal",
)

KINDS: tuple[RecordKind, ...] = (SETAI, KOJIN, INKAN)
KIND_BY_HEADER = {k.header: k for k in KINDS}
