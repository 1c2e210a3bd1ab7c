"""Is this person the 支援措置's 加害者? Identity keys that tolerate the ways a name is miswritten.

A 加害者 is recognised (住民記録システム標準仕様書, 支援措置):

- by 宛名番号 where the 加害者 is a resident here and the requester (or the person they act for,
  or the 依頼者 of a 職務上請求) gives one;
- by the name key plus the birth date: the name is folded more strongly than for search
  (``search_query.name_search_key`` — NFKC, spaces, common 異体字 — then the confusable glyphs a
  clerk or an applicant mistypes, such as 籐 for 藤, and the kana search folding). Two names match
  when their keys are equal; two birth dates match unless both are known and differ (a date known
  on one side only does not clear the person: fails closed);
- through the 加害者's household: anybody in it (other than the protected persons themselves)
  counts as acting for the 加害者.

Pure functions; the stores build the ``PerpetratorIdentity`` values from their own data.
"""

from __future__ import annotations

from dataclasses import dataclass

from client.domain.kana import normalize_for_search
from client.domain.partial_date import PartialDate
from client.domain.search_query import name_search_key

# Glyphs confused with each other in names (not 異体字 in the strict sense, but what is written
# on request forms for the same person). Folded only for 加害者 matching, never for search keys.
_CONFUSABLES = str.maketrans(
    {
        "籐": "藤", "籘": "藤", "逹": "達", "濵": "浜", "舘": "館", "桒": "桑", "峯": "峰", "渕": "淵",
        "會": "会", "萬": "万", "與": "与", "戶": "戸", "黑": "黒", "圓": "円", "淺": "浅", "條": "条",
        "增": "増", "穗": "穂", "遙": "遥", "凜": "凛", "聰": "聡", "恆": "恒", "亙": "亘", "曻": "昇",
        "晧": "皓", "鷗": "鴎", "莊": "荘",
    }
)


def identity_name_key(name: str) -> str:
    """The key two spellings of one person's name share (see the module docstring)."""
    return normalize_for_search(name_search_key(name).translate(_CONFUSABLES))


def births_compatible(a: PartialDate | None, b: PartialDate | None) -> bool:
    """False only when both dates are known in a part and that part differs."""
    if a is None or b is None:
        return True
    for x, y in ((a.year, b.year), (a.month, b.month), (a.day, b.day)):
        if x is not None and y is not None and x != y:
            return False
    return True


@dataclass(frozen=True)
class PersonKey:
    """A name (as written) with a birth date when known, for matching a person by identity."""

    name: str
    birth: PartialDate | None = None

    def matches(self, other: PersonKey) -> bool:
        mine, theirs = identity_name_key(self.name), identity_name_key(other.name)
        return bool(mine) and mine == theirs and births_compatible(self.birth, other.birth)
