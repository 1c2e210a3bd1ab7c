"""Kana conversion and the kana search key (住民記録システム標準仕様書 §2.1.2).

``normalize_for_search`` builds a key in which every spelling the standard treats as equal
becomes the same string; two inputs match when their keys match (exact) or one key starts with
the other (prefix search). Rules, applied in this order:

1. hiragana, half-width katakana and full-width forms are converted to full-width katakana
   (NFKC, with the stand-alone voiced marks ゛゜ attached to the preceding kana);
2. spaces (half- and full-width), the 長音 and dash variants (ー ― － ‐ ｰ - and similar) and the
   中点 ・ are dropped;
3. small kana become large (ァィゥェォッャュョヮヵヶ → アイウエオツヤユヨワカケ);
4. ヴァ ヴィ ヴェ ヴォ → バ ビ ベ ボ, other ヴ → ブ (also ヷヸヹヺ → バビベボ);
5. ヂ → ジ, ヅ → ズ, ヲ → オ, ワ → ハ, ピ → ヒ;
6. from the 2nd character on, a ウ after an オ-row kana (オコソトノホモヨロ and voiced forms)
   becomes オ (so コウノ and コオノ match).

Latin letters are upper-cased; kanji and other characters are kept as they are. The key is
idempotent: ``normalize_for_search(normalize_for_search(x)) == normalize_for_search(x)``.
"""

from __future__ import annotations

import unicodedata

_HIRA_START = 0x3041
_HIRA_END = 0x3096
_HIRA_TO_KATA = 0x60

_DASHES = frozenset("ー―－‐-ｰ‑‒–—−─━～〜・･")
_SPACES = frozenset(" \u3000\t\n\r\u00a0")

_SMALL_TO_LARGE = str.maketrans("ァィゥェォッャュョヮヵヶ", "アイウエオツヤユヨワカケ")
_VU_COMBOS = {"ア": "バ", "イ": "ビ", "エ": "ベ", "オ": "ボ"}
_VU_LETTERS = str.maketrans("ヷヸヹヺ", "バビベボ")
_EQUALS = str.maketrans("ヂヅヲワピ", "ジズオハヒ")
_O_ROW = frozenset("オコソトノホモヨロゴゾドボポ")


def _attach_voiced_marks(text: str) -> str:
    # ゛ (U+309B) and ゜ (U+309C) are spacing marks; NFKC would turn them into a space plus the
    # combining mark. Use the combining forms so that か゛ composes to が.
    return text.replace("\u309b", "\u3099").replace("\u309c", "\u309a")


def _hiragana_to_katakana(text: str) -> str:
    out = []
    for ch in text:
        cp = ord(ch)
        if _HIRA_START <= cp <= _HIRA_END:
            out.append(chr(cp + _HIRA_TO_KATA))
        elif ch == "ゝ":
            out.append("ヽ")
        elif ch == "ゞ":
            out.append("ヾ")
        else:
            out.append(ch)
    return "".join(out)


def _halfwidth_katakana_to_fullwidth(text: str) -> str:
    out: list[str] = []
    for ch in text:
        cp = ord(ch)
        if 0xFF61 <= cp <= 0xFF9F:
            full = unicodedata.normalize("NFKC", ch)
            if full in ("\u3099", "\u309a") and out:
                out[-1] = unicodedata.normalize("NFC", out[-1] + full)
            else:
                out.append(full)
        else:
            out.append(ch)
    return "".join(out)


def to_katakana(text: str) -> str:
    """Hiragana and half-width katakana → full-width katakana; everything else unchanged.

    For display (the renderer prints フリガナ as katakana in brackets). Spaces and 長音 stay.
    """
    text = unicodedata.normalize("NFC", _attach_voiced_marks(text))
    return _hiragana_to_katakana(_halfwidth_katakana_to_fullwidth(text))


def is_kana_text(text: str) -> bool:
    """True when the text holds kana only (any script width), plus spaces, 長音 and dashes.

    Used to tell a kana search from a kanji name search. Empty or blank text is not kana.
    """
    kata = to_katakana(text)
    seen = False
    for ch in kata:
        if ch in _SPACES or ch in _DASHES:
            continue
        if not ("\u30a1" <= ch <= "\u30fa" or ch in "ヽヾ"):
            return False
        seen = True
    return seen


def normalize_for_search(text: str) -> str:
    """The kana search key (see the module docstring for the rules)."""
    text = unicodedata.normalize("NFKC", _attach_voiced_marks(text))
    text = _hiragana_to_katakana(text)
    text = "".join(ch for ch in text if ch not in _SPACES and ch not in _DASHES)
    text = unicodedata.normalize("NFKC", text.translate(_SMALL_TO_LARGE).upper())
    text = text.translate(_VU_LETTERS)
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "ヴ":
            nxt = text[i + 1] if i + 1 < len(text) else ""
            if nxt in _VU_COMBOS:
                out.append(_VU_COMBOS[nxt])
                i += 2
                continue
            out.append("ブ")
        else:
            out.append(ch)
        i += 1
    text = "".join(out).translate(_EQUALS)
    result: list[str] = []
    for ch in text:
        if ch == "ウ" and result and result[-1] in _O_ROW:
            result.append("オ")
        else:
            result.append(ch)
    return "".join(result)


def name_search_keys(kana: str) -> tuple[str, ...]:
    """Keys under which a stored kana name is found: the full name and the given name alone.

    Stored kana separate family and given name with a space (full- or half-width); the standard
    lets a clerk search by the given name only. Returns the full key first; duplicates dropped.
    """
    full = normalize_for_search(kana)
    parts = [p for p in kana.replace("\u3000", " ").split(" ") if p.strip()]
    keys = [full]
    if len(parts) >= 2:
        given = normalize_for_search("".join(parts[1:]))
        if given and given not in keys:
            keys.append(given)
    return tuple(k for k in keys if k)


def kana_matches(query: str, stored_kana: str, *, prefix: bool = True) -> bool:
    """True when ``query`` matches the stored kana name (full name or given name; exact or prefix)."""
    q = normalize_for_search(query)
    if not q:
        return False
    for key in name_search_keys(stored_kana):
        if key == q or (prefix and key.startswith(q)):
            return True
    return False
