"""Matching the card's 4情報 to the resident register (online or the replica in BCP mode).

Pure rules, no I/O: the candidates (everyone registered with the card's birth date) are looked
up by the caller through the counter service. Names are compared with the search key (NFKC,
spaces removed, common 異体字 folded; 通称 and 旧氏 accepted); addresses with the address key
(一丁目2番3号 = 1-2-3, 方書 optional). A mismatch is never hidden: each field's result is kept, and
the likely reason (転居・転出, 氏名の変更) is said in plain Japanese.
"""

from __future__ import annotations

import enum
import unicodedata
from dataclasses import dataclass
from datetime import date

from client.card.reader import CardText
from client.domain.model import Resident, ResidentStatus
from client.domain.search_query import address_search_key, name_search_key

SEX_JA = {"M": "男", "F": "女", "9": "適用不能"}


class MatchStatus(enum.StrEnum):
    MATCHED = "matched"  # all four agree and the person is a current resident
    MISMATCH = "mismatch"  # the person is found, but something differs (shown plainly)
    NOT_FOUND = "not_found"  # nobody with this birth date and name/address


@dataclass(frozen=True)
class FieldCheck:
    label: str  # 氏名 | 生年月日 | 住所 | 性別
    card: str
    register: str
    ok: bool


@dataclass(frozen=True)
class CardMatch:
    status: MatchStatus
    resident: Resident | None
    checks: tuple[FieldCheck, ...]
    findings: tuple[str, ...]  # plain-Japanese explanations of each mismatch

    @property
    def summary_ja(self) -> str:
        if self.status is MatchStatus.MATCHED:
            return "カードの4情報は住民記録と一致しました。"
        if self.status is MatchStatus.NOT_FOUND:
            return "カードの4情報に該当する住民が見つかりません。" + "".join(self.findings)
        return "住民記録と一致しない項目があります: " + " ".join(self.findings)


def _name_key(text: str) -> str:
    return name_search_key(text).upper().replace(",", "")


def _strip_prefecture(key: str) -> str:
    for suffix in ("都", "道", "府", "県"):
        i = key.find(suffix)
        if 0 < i <= 3 and (key[:i + 1] in ("北海道", "東京都", "大阪府", "京都府") or suffix == "県"):
            return key[i + 1:]
    return key


def _address_keys(r: Resident) -> set[str]:
    keys = {address_search_key(r.address), address_search_key(r.address + r.katagaki)}
    return keys | {_strip_prefecture(k) for k in keys}


def address_matches(card_address: str, r: Resident) -> bool:
    key = address_search_key(card_address)
    return key in _address_keys(r) or _strip_prefecture(key) in _address_keys(r)


def name_matches(card_name: str, r: Resident) -> bool:
    key = _name_key(card_name)
    names = {r.name, r.alias, f"{r.alias}{r.name}"}
    if r.former_surname:
        given = unicodedata.normalize("NFKC", r.name).split()[-1] if r.name.split() else ""
        names.add(f"{r.former_surname}{given}")
    return key in {_name_key(n) for n in names if n}


def birth_matches(card_birth: date, r: Resident) -> bool:
    return r.birth.is_complete and r.birth.as_date() == card_birth


def _checks(card: CardText, r: Resident) -> tuple[FieldCheck, ...]:
    return (
        FieldCheck("氏名", card.name, r.name + (f"(通称 {r.alias})" if r.alias else ""), name_matches(card.name, r)),
        FieldCheck("生年月日", card.birth.isoformat(), str(r.birth), birth_matches(card.birth, r)),
        FieldCheck("住所", card.address, r.address + (r.katagaki and f" {r.katagaki}"), address_matches(card.address, r)),
        FieldCheck("性別", SEX_JA.get(card.sex, card.sex), SEX_JA.get(r.sex.value, r.sex.value), card.sex == r.sex.value),
    )


def _score(checks: tuple[FieldCheck, ...]) -> tuple[int, int]:
    ok = {c.label: c.ok for c in checks}
    return (2 * ok["生年月日"] + 2 * ok["氏名"] + ok["住所"] + ok["性別"], int(ok["氏名"]))


def match_card(card: CardText, candidates: list[Resident]) -> CardMatch:
    """The best register entry for the card among ``candidates`` and what agrees."""
    scored = [(r, _checks(card, r)) for r in candidates]
    scored = [(r, c) for r, c in scored if c[1].ok]  # the birth date must agree to be the same person
    scored = [(r, c) for r, c in scored if c[0].ok or c[2].ok]  # and the name or the address
    if not scored:
        return CardMatch(MatchStatus.NOT_FOUND, None, (), (
            "転入の手続前の方、他の市区町村の住民の方、または氏名と住所の両方が変わった方かもしれません。",
        ))
    scored.sort(key=lambda rc: _score(rc[1]), reverse=True)
    resident, checks = scored[0]
    ok = {c.label: c.ok for c in checks}
    findings: list[str] = []
    if not ok["住所"]:
        findings.append("住所がカードと住民記録で異なります(転居・転出の届出後、カードの券面が更新されていない可能性)。")
    if not ok["氏名"]:
        findings.append("氏名がカードと住民記録で異なります(婚姻等による氏名の変更の可能性)。")
    if not ok["性別"]:
        findings.append("性別がカードと住民記録で異なります。")
    if resident.status is ResidentStatus.MOVED_OUT:
        findings.append("住民記録では転出により消除されています(除票)。")
    elif resident.status is ResidentStatus.DECEASED:
        findings.append("住民記録では死亡により消除されています。カードの使用を確認してください。")
    if len(scored) > 1 and _score(scored[1][1]) == _score(checks):
        findings.append("同じ条件の住民が複数います。住民を選び直してください。")
    status = MatchStatus.MATCHED if not findings else MatchStatus.MISMATCH
    return CardMatch(status, resident, checks, tuple(findings))
