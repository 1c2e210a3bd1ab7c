"""What did the clerk type into the one search field? (used by the server and the replica alike)

``classify_query(text)`` returns a ``Query``:

- ``ATENA_NO``: digits only (full- or half-width, spaces allowed) that are not a birth date;
  ``error`` is set when the check digit is wrong (search nothing, tell the clerk); digits with
  hyphens that are neither a date nor a valid number are an ``ADDRESS`` (1-2-3);
- ``BIRTH_DATE``: anything ``wareki.parse_date`` accepts with a date marker (R1.5.1, 昭和60年4月1日,
  S60, 1985-04-01, 8 digits forming a valid date, a 4-digit year 1868..2200);
- ``KANA``: kana only (hiragana, katakana, half-width; spaces and 長音 allowed) → ``kana_key``;
- ``ADDRESS``: digits mixed with text, 丁目/番地/番/号, a prefecture at the start, a 市/区/郡
  inside the text, or text starting with the municipality's own name → ``address_key``;
- ``NAME``: anything else (kanji, mixed) → ``name_key`` (spaces removed, common 異体字 folded).

Keys are built by the functions below, which the stores must also apply to the stored values:
``kana.name_search_keys`` for kana, ``name_search_key`` for names, ``address_search_key`` for
addresses. Then the same input finds the same residents online and offline.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass

from client.domain.checkdigits import is_valid_atena_no
from client.domain.kana import is_kana_text, normalize_for_search
from client.domain.partial_date import PartialDate
from client.domain.wareki import WarekiError, likely_intended, looks_like_era_date, parse_date


class QueryKind(enum.StrEnum):
    EMPTY = "empty"
    ATENA_NO = "atena_no"
    BIRTH_DATE = "birth_date"
    KANA = "kana"
    NAME = "name"
    ADDRESS = "address"


@dataclass(frozen=True)
class Query:
    kind: QueryKind
    text: str  # the input, NFKC-normalised and trimmed
    atena_no: str = ""
    birth: PartialDate | None = None
    kana_key: str = ""
    name_key: str = ""
    address_key: str = ""
    error: str = ""  # Japanese message when the input cannot be searched as typed

    @property
    def searchable(self) -> bool:
        return self.kind is not QueryKind.EMPTY and not self.error


# Common 異体字 (variant kanji) folded for name search; stored names keep their own glyphs.
_VARIANTS = str.maketrans(
    {
        "髙": "高", "﨑": "崎", "嵜": "崎", "邊": "辺", "邉": "辺", "齋": "斉", "齊": "斉", "斎": "斉",
        "澤": "沢", "濱": "浜", "嶋": "島", "嶌": "島", "廣": "広", "國": "国", "櫻": "桜", "德": "徳",
        "眞": "真", "槇": "槙", "冨": "富", "龍": "竜", "瀧": "滝", "藏": "蔵", "曾": "曽", "𠮷": "吉",
        "惠": "恵", "榮": "栄", "壽": "寿", "實": "実", "彌": "弥", "禮": "礼", "隆": "隆", "晴": "晴",
    }
)

_SPACE = re.compile(r"\s+")
_DIGITS_ONLY = re.compile(r"^[0-9][0-9\-]*$")
_KANJI_NUM = {"〇": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_KANJI_NUMBER = re.compile(r"[〇一二三四五六七八九十]+")
_PREFECTURE_START = re.compile(r"^(北海道|東京都|大阪府|京都府|.{2,3}県)")
_ADDRESS_MARKS = re.compile(r"丁目|番地|[0-9]番|[0-9]号|^.{2,}[市区郡].")
_DATE_MARKS = re.compile(r"[年月日/.\-]|^[MTSHRmtshr明大昭平令]|不詳|頃")


def _clean(text: str) -> str:
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def name_search_key(name: str) -> str:
    """Key for kanji (or mixed) name search and for the 通称: NFKC, no spaces, common 異体字
    folded, Latin letters upper-cased (alphabet names are found whatever the case typed)."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", name)).translate(_VARIANTS).upper()


def is_latin_name(key: str) -> bool:
    """A name key of Latin letters only (an alphabet name: also found by its given name)."""
    return bool(key) and key.isascii() and key.replace("-", "").replace("'", "").replace(".", "").isalpha()


def _kanji_to_int(text: str) -> int:
    if "十" not in text:
        return int("".join(str(_KANJI_NUM[c]) for c in text))
    tens, _, ones = text.partition("十")
    t = _kanji_to_int(tens) if tens else 1
    o = _kanji_to_int(ones) if ones else 0
    return t * 10 + o


def _kanji_numbers(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        s = m.group(0)
        if s.count("十") > 1:
            return s
        return str(_kanji_to_int(s))

    return _KANJI_NUMBER.sub(repl, text)


def address_search_key(address: str) -> str:
    """Key for address search: 一丁目2番3号, 1丁目2-3 and 1-2-3 all become 1-2-3.

    NFKC, spaces removed, ヶ/ケ/が between kanji unified to ケ, kanji numerals as digits,
    丁目/番地/番/の between numbers as "-", 号 dropped.
    """
    s = _SPACE.sub("", unicodedata.normalize("NFKC", address))
    s = s.replace("ヶ", "ケ").replace("ヵ", "ケ")
    s = re.sub(r"(?<=[\u4e00-\u9fff])[がヵ](?=[\u4e00-\u9fff])", "ケ", s)
    s = _kanji_numbers(s)
    s = re.sub(r"[‐‑‒–—―−ー－]", "-", s)
    s = re.sub(r"(?<=[0-9])(?:丁目|番地|番|の)+(?=[0-9])", "-", s)
    s = re.sub(r"(?<=[0-9])(丁目|番地|番|号)", "", s)
    return s


def classify_query(text: str, *, municipality_name: str = "") -> Query:
    """Tell what the clerk typed (see the module docstring)."""
    cleaned = _clean(text or "")
    if not cleaned:
        return Query(QueryKind.EMPTY, "")
    compact = cleaned.replace(" ", "")
    if _DIGITS_ONLY.match(compact):
        return _digits_query(cleaned, compact)
    if _DATE_MARKS.search(compact):
        try:
            birth = parse_date(compact)
        except WarekiError:
            birth = None
        if birth is not None:
            return Query(QueryKind.BIRTH_DATE, cleaned, birth=birth)
        if looks_like_era_date(compact):  # an impossible 和暦 date: tell the clerk, never search it as text
            intended = likely_intended(compact)
            hint = f"{intended}のことではありませんか。" if intended else "年・月・日を確認してください。"
            return Query(QueryKind.BIRTH_DATE, cleaned, error=f"「{cleaned}」という日付はありません。{hint}")
    if is_kana_text(cleaned):
        return Query(QueryKind.KANA, cleaned, kana_key=normalize_for_search(cleaned))
    muni = _clean(municipality_name).replace(" ", "")
    if (
        re.search(r"[0-9]", compact)
        or _ADDRESS_MARKS.search(compact)
        or _PREFECTURE_START.match(compact)
        or (muni and compact.startswith(muni))
    ):
        return Query(QueryKind.ADDRESS, cleaned, address_key=address_search_key(cleaned))
    return Query(QueryKind.NAME, cleaned, name_key=name_search_key(cleaned))


def _digits_query(cleaned: str, compact: str) -> Query:
    digits = compact.replace("-", "")
    if "-" in compact or len(digits) in (4, 8):
        try:
            birth = parse_date(compact)
        except WarekiError:
            birth = None
        if birth is not None:
            return Query(QueryKind.BIRTH_DATE, cleaned, birth=birth)
    if is_valid_atena_no(digits):
        return Query(QueryKind.ATENA_NO, cleaned, atena_no=digits)
    if "-" in compact:  # 1-2-3: a 番地 typed without the town
        return Query(QueryKind.ADDRESS, cleaned, address_key=address_search_key(cleaned))
    return Query(
        QueryKind.ATENA_NO,
        cleaned,
        atena_no=digits,
        error="宛名番号のチェックデジットが正しくありません。番号を確認してください。",
    )
