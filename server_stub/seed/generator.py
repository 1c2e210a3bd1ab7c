"""Deterministic generation of realistic resident data for one municipality, in bulk.

``seed_residents(factory, code, n, seed)`` adds about ``n`` residents (households of plausible
composition, kana consistent with the kanji, some 外字 names, foreign residents with 通称, removed
persons, ~0.1 % under 支援措置, some 抑止, 印鑑登録 for ~40 % of adults, tax summaries) using
Core bulk inserts in chunks, each chunk in one write transaction with its change_log rows.
The same (municipality, n, seed) on the same starting database gives the same rows.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from client.domain.checkdigits import make_atena_no, make_my_number
from client.domain.foreign import FOREIGN_RESIDENTS_FROM
from client.domain.kana import name_search_keys
from client.domain.partial_date import PartialDate
from client.domain.search_query import address_search_key, name_search_key
from client.domain.tax import per_capita_levy, salary_income
from server_stub import changes
from server_stub.db import begin_write
from server_stub.layout.importer import foreign_resident_problems
from server_stub.models import (
    Household,
    Municipality,
    Resident,
    SealRegistration,
    SupportMeasure,
    SupportMeasurePerson,
    Suppression,
    TaxSummary,
)
from server_stub.seed import names
from server_stub.seed.seal_png import seal_png

REFERENCE_DATE = date(2026, 10, 1)  # "today" of the generated data (fixed: determinism)
TAX_YEARS = 3  # 課税年度 generated: the reference year and the two before
SUPPORT_RATE = 0.001  # share of residents protected by a 支援措置
SUPPRESSION_RATE = 0.0005
SEAL_RATE = 0.40  # share of adults with a 印鑑登録
GAIJI_RATE = 0.01
SEAL_POOL = 32


@dataclass
class SeedStats:
    residents: int = 0
    households: int = 0
    removed: int = 0
    foreign: int = 0
    gaiji: int = 0
    seals: int = 0
    taxes: int = 0
    support_measures: int = 0
    protected_persons: int = 0
    suppressions: int = 0
    partial_births: int = 0

    def to_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class _Buffers:
    households: list[dict[str, Any]] = field(default_factory=list)
    residents: list[dict[str, Any]] = field(default_factory=list)
    seals: list[dict[str, Any]] = field(default_factory=list)
    taxes: list[dict[str, Any]] = field(default_factory=list)
    measures: list[dict[str, Any]] = field(default_factory=list)
    measure_persons: list[dict[str, Any]] = field(default_factory=list)
    suppressions: list[dict[str, Any]] = field(default_factory=list)


def _serial_of(number: str | None) -> int:
    return int(number[:-1]) if number else 0


class _Generator:
    def __init__(self, muni: Municipality, seed: int, start: dict[str, int], ref: date) -> None:
        self.rng = random.Random(f"{muni.code}:{seed}")
        self.muni = muni
        self.ref = ref
        self.stamp = datetime.combine(ref, time(9, 0), tzinfo=UTC)
        self.next_atena = start["atena"] + 1
        self.next_household = start["household"] + 1
        self.next_seal = start["seal"] + 1
        self.next_measure = start["measure"] + 1
        self.next_suppression = start["suppression"] + 1
        self.stats = SeedStats()
        self.buf = _Buffers()
        self.seal_pool = [seal_png(seed * 1000 + i) for i in range(SEAL_POOL)]
        self.postal_prefix = f"{(int(muni.code[:3]) * 7) % 900 + 100:03d}"

    # -- small helpers -------------------------------------------------------------------------
    def _date_between(self, lo: date, hi: date) -> date:
        if hi <= lo:
            return lo
        return lo + timedelta(days=self.rng.randrange((hi - lo).days + 1))

    def _birth_for_age(self, age: int) -> date:
        hi = self.ref - timedelta(days=int(age * 365.25))
        return self._date_between(hi - timedelta(days=364), hi)

    def _age(self, birth: date) -> int:
        return self.ref.year - birth.year - ((self.ref.month, self.ref.day) < (birth.month, birth.day))

    def _surname(self) -> tuple[str, str]:
        if self.rng.random() < GAIJI_RATE:
            return self.rng.choice(names.GAIJI_SURNAMES)
        # Skewed towards the common names at the front of the table.
        idx = min(int(self.rng.paretovariate(1.2)) - 1, len(names.SURNAMES) - 1)
        if self.rng.random() < 0.5:
            idx = self.rng.randrange(len(names.SURNAMES))
        return names.SURNAMES[idx]

    def _given(self, sex: str) -> tuple[str, str]:
        return self.rng.choice(names.MALE_GIVEN if sex == "M" else names.FEMALE_GIVEN)

    def _address(self) -> dict[str, str]:
        town_idx = self.rng.randrange(len(names.TOWNS))
        town = names.TOWNS[town_idx]
        addr = (
            f"{self.muni.prefecture}{self.muni.name}{town}{self.rng.randint(1, 5)}丁目"
            f"{self.rng.randint(1, 30)}番{self.rng.randint(1, 20)}号"
        )
        katagaki = ""
        if self.rng.random() < 0.35:
            katagaki = (
                f"{self.rng.choice(names.BUILDING_NAMES)}{self.rng.choice(names.BUILDINGS)}"
                f"{self.rng.randint(1, 6)}0{self.rng.randint(1, 9)}号"
            )
        postal = f"{self.postal_prefix}-{(town_idx + 1) * 11:04d}"
        return {"address": addr, "katagaki": katagaki, "postal_code": postal}

    # -- households ----------------------------------------------------------------------------
    def household(self) -> None:
        r = self.rng.random()
        members: list[dict[str, Any]]
        if r < 0.03:
            members = self._foreign_household()
        else:
            members = self._japanese_household(r)
        self._distinct_given_names(members)
        self._emit_household(members)

    def _distinct_given_names(self, members: list[dict[str, Any]]) -> None:
        """No two members of one household share a given name (a clerk would stumble on it);
        only a collision draws again, so households without one are generated as before."""
        seen: set[str] = set()
        for m in members:
            given = m["name"].replace(" ", "\u3000").split("\u3000")[-1]
            tries = 0
            while given in seen and "family" in m and tries < 20:
                g = self._given(m["sex"])
                m["name"], m["kana"] = f"{m['family'][0]}\u3000{g[0]}", f"{m['family'][1]} {g[1]}"
                given, tries = g[0], tries + 1
            seen.add(given)

    def _person(self, family: tuple[str, str], sex: str, birth: date, relation: str,
                given: tuple[str, str] | None = None) -> dict[str, Any]:
        g = given or self._given(sex)
        return {
            "name": f"{family[0]}\u3000{g[0]}",
            "kana": f"{family[1]} {g[1]}",
            "sex": sex,
            "birth_date": birth,
            "relation": relation,
            "family": family,
        }

    def _children(self, family: tuple[str, str], mother_birth: date, count: int) -> list[dict[str, Any]]:
        kids = []
        born = self._date_between(
            date(mother_birth.year + 24, 1, 1), date(mother_birth.year + 34, 12, 28)
        )
        for _ in range(count):
            if born > self.ref:
                break
            kids.append(self._person(family, self.rng.choice("MF"), born, "子"))
            born = born + timedelta(days=self.rng.randint(400, 1600))
        return kids

    def _japanese_household(self, r: float) -> list[dict[str, Any]]:
        """A household of plausible composition (about 2.2 persons on average, as in a city)."""
        family = self._surname()
        kind = self.rng.random()
        head_sex = "M" if self.rng.random() < 0.8 else "F"
        if kind < 0.25:  # single, working age
            return [self._person(family, self.rng.choice("MF"), self._birth_for_age(self.rng.randint(19, 45)), "世帯主")]
        if kind < 0.41:  # single, elderly
            return [self._person(family, "F" if self.rng.random() < 0.65 else "M",
                                 self._birth_for_age(self.rng.randint(65, 96)), "世帯主")]
        head_age = self.rng.randint(26, 88)
        head_birth = self._birth_for_age(head_age)
        head = self._person(family, head_sex, head_birth, "世帯主")
        spouse_sex = "F" if head_sex == "M" else "M"
        spouse_birth = self._birth_for_age(max(20, head_age + self.rng.randint(-6, 4)))
        spouse = self._person(family, spouse_sex, spouse_birth, "妻" if spouse_sex == "F" else "夫")
        if self.rng.random() < 0.08:
            spouse["former_surname"] = self._surname()[0]
        mother_birth = spouse_birth if spouse_sex == "F" else head_birth
        if kind < 0.61:  # couple
            return [head, spouse]
        if kind < 0.85:  # couple with children
            return [head, spouse, *self._children(family, mother_birth, self.rng.choice((1, 1, 1, 2, 2, 2, 3)))]
        if kind < 0.91:  # single parent
            parent = self._person(family, "F" if self.rng.random() < 0.85 else "M",
                                  self._birth_for_age(self.rng.randint(26, 55)), "世帯主")
            return [parent, *self._children(family, parent["birth_date"], self.rng.choice((1, 1, 2, 3)))]
        if kind < 0.97:  # three generations: the head's parent(s) live with them
            members = [head, spouse, *self._children(family, mother_birth, self.rng.choice((1, 2, 2, 3)))]
            gp_age = min(head_age + self.rng.randint(24, 34), 104)
            members.append(self._person(family, "F", self._birth_for_age(gp_age), "母"))
            if self.rng.random() < 0.5:
                members.append(self._person(family, "M", self._birth_for_age(min(gp_age + 3, 104)), "父"))
            return members
        # head with a lodger (同居人)
        return [head, self._person(self._surname(), self.rng.choice("MF"),
                                   self._birth_for_age(self.rng.randint(20, 70)), "同居人")]

    def _foreign_household(self) -> list[dict[str, Any]]:
        nationality, people, statuses = self.rng.choice(names.FOREIGN)
        status = self.rng.choice(statuses)
        name, kana = self.rng.choice(people)
        head_birth = self._birth_for_age(self.rng.randint(20, 70))
        head: dict[str, Any] = {"name": name, "kana": kana, "sex": self.rng.choice("MF"), "birth_date": head_birth,
                "relation": "世帯主", "foreign": (nationality, status)}
        members = [head]
        if self.rng.random() < 0.4:
            n2, k2 = self.rng.choice(people)
            if n2.split(" ", 1)[-1] == name.split(" ", 1)[-1]:  # not the head's given name: the next one
                n2, k2 = people[(people.index((n2, k2)) + 1) % len(people)]
            fam_name, fam_kana = name.split(" ")[0], kana.split(" ")[0]
            members.append({"name": f"{fam_name} {n2.split(' ', 1)[-1]}", "kana": f"{fam_kana} {k2.split(' ', 1)[-1]}",
                            "sex": "F" if head["sex"] == "M" else "M",
                            "birth_date": self._birth_for_age(self._age(head_birth) + self.rng.randint(-5, 5)),
                            "relation": "妻" if head["sex"] == "M" else "夫",
                            "foreign": (nationality, "家族滞在" if status in ("留学", "技能") else status)})
        if status in ("特別永住者", "永住者") and self.rng.random() < 0.5:
            alias = self.rng.choice(names.ALIASES)
            g = self._given(head["sex"])
            head["alias"] = f"{alias[0]}\u3000{g[0]}"
        return members

    # -- rows ----------------------------------------------------------------------------------
    def _emit_household(self, members: list[dict[str, Any]]) -> None:
        household_no = make_atena_no(self.next_household)
        self.next_household += 1
        addr = self._address()
        movein_lo = max(date(1975, 1, 1), members[0]["birth_date"] + timedelta(days=18 * 365))
        movein = self._date_between(movein_lo, self.ref - timedelta(days=20))
        moved_out_all = self.rng.random() < 0.01
        moved_out_on = self._date_between(self.ref - timedelta(days=3 * 365), self.ref - timedelta(days=5))
        head_atena = ""
        head_name = members[0]["name"]
        honseki = f"{self.rng.choice(names.PREFECTURES_FOR_HONSEKI)}{self.rng.choice(names.TOWNS)}{self.rng.randint(1, 999)}番地"
        for i, m in enumerate(members):
            atena_no = make_atena_no(self.next_atena)
            self.next_atena += 1
            if i == 0:
                head_atena = atena_no
            self._emit_resident(m, atena_no, household_no, i == 0, addr, movein, honseki,
                                head_name, moved_out_all, moved_out_on)
        self.buf.households.append({
            "municipality_code": self.muni.code, "household_no": household_no, "head_atena_no": head_atena,
            "updated_at": self.stamp, **addr,
        })
        self.stats.households += 1

    def _emit_resident(self, m: dict[str, Any], atena_no: str, household_no: str, is_head: bool,
                       addr: dict[str, str], movein: date, honseki: str, head_name: str,
                       moved_out_all: bool, moved_out_on: date) -> None:
        rng = self.rng
        birth: date = m["birth_date"]
        foreign = m.get("foreign")
        age = self._age(birth)
        partial = PartialDate.of(birth)
        if age >= 85 and rng.random() < 0.01:
            partial = PartialDate(birth.year, None, None)
        elif foreign and rng.random() < 0.02:
            partial = PartialDate(birth.year, None, None, approximate=True)
        if not partial.is_complete:
            self.stats.partial_births += 1
        became = max(movein, birth)
        if foreign:  # 外国人住民となった年月日: none before 平成24年7月9日 (30条の45)
            became = max(became, FOREIGN_RESIDENTS_FROM)
        previous_address = ""
        if became != birth:
            previous_address = f"{rng.choice(names.PREVIOUS_ADDRESSES)}{rng.randint(1, 9)}丁目{rng.randint(1, 30)}番{rng.randint(1, 20)}号"
        jutei = became if rng.random() < 0.8 else self._date_between(became, self.ref - timedelta(days=10))
        notified = min(jutei + timedelta(days=rng.randint(0, 13)), self.ref)
        status, removed_on, removal_reason = "resident", None, ""
        if moved_out_all:
            status, removed_on, removal_reason = "moved_out", max(moved_out_on, jutei), "転出"
        elif not is_head and age >= 75 and rng.random() < 0.05:
            status, removed_on, removal_reason = "deceased", self._date_between(jutei, self.ref - timedelta(days=1)), "死亡"
        elif not is_head and 18 <= age <= 35 and rng.random() < 0.03:
            status, removed_on, removal_reason = "moved_out", self._date_between(jutei, self.ref - timedelta(days=1)), "転出"
        keys = name_search_keys(m["kana"])
        row = {
            "municipality_code": self.muni.code,
            "atena_no": atena_no,
            "household_no": household_no,
            "name": m["name"],
            "name_key": name_search_key(m["name"]),
            "kana": m["kana"],
            "kana_key": keys[0] if keys else "",
            "given_kana_key": keys[1] if len(keys) > 1 else "",
            "birth": partial.to_str(),
            "sex": m["sex"],
            "relation": m["relation"],
            "is_head": is_head,
            "katagaki": addr["katagaki"],
            "address": addr["address"],
            "address_key": address_search_key(addr["address"] + addr["katagaki"]),
            "postal_code": addr["postal_code"],
            "honseki": "" if foreign else honseki,
            "hittousha": "" if foreign else (head_name if m["relation"] not in ("母", "父", "同居人") else m["name"]),
            "former_surname": m.get("former_surname", ""),
            "alias": m.get("alias", ""),
            "alias_key": name_search_key(m.get("alias", "")),
            "became_resident_on": became,
            "jutei_on": jutei,
            "notified_on": notified,
            "previous_address": previous_address,
            "status": status,
            "removed_on": removed_on,
            "removal_reason": removal_reason,
            "my_number": make_my_number(f"{rng.randrange(10**10, 10**11):011d}"),
            "juminhyo_code": f"{rng.randrange(10**10, 10**11):011d}",
            "is_foreign": bool(foreign),
            "nationality": foreign[0] if foreign else "",
            "residence_status": foreign[1] if foreign and foreign[1] != "特別永住者" else "",
            "residence_period_end": (
                None if not foreign or "永住" in foreign[1] else self.ref + timedelta(days=rng.randint(30, 1100))
            ),
            **_foreign_items(foreign, atena_no),
            "moved_to_address": "",
            "moved_out_notified_on": None,
            "updated_at": self.stamp,
        }
        if status == "moved_out":  # 転出 除票: 転出先 and 転出届出日
            row["moved_to_address"] = f"{names.PREVIOUS_ADDRESSES[int(atena_no) % len(names.PREVIOUS_ADDRESSES)]}1丁目1番1号"
            row["moved_out_notified_on"] = removed_on - timedelta(days=int(atena_no) % 14) if removed_on else None
        problems = foreign_record_problems(row)
        if problems:
            raise ValueError("; ".join(problems))
        self.buf.residents.append(row)
        self.stats.residents += 1
        if status != "resident":
            self.stats.removed += 1
        if foreign:
            self.stats.foreign += 1
        if any(ch in m["name"] for ch in "髙﨑𠮷德"):
            self.stats.gaiji += 1
        if status == "resident":
            self._extras(row, birth, age, is_head)

    def _extras(self, row: dict[str, Any], birth: date, age: int, is_head: bool) -> None:
        rng = self.rng
        code, atena_no = self.muni.code, row["atena_no"]
        if age >= 15 and rng.random() < SEAL_RATE:
            serial = self.next_seal
            self.next_seal += 1
            self.buf.seals.append({
                "municipality_code": code,
                "registration_no": f"{serial:08d}",
                "card_no": f"{(serial * 7919 + 13) % 10**8:08d}",
                "atena_no": atena_no,
                "registered_on": self._date_between(
                    max(row["became_resident_on"], date(birth.year + 15, birth.month, min(birth.day, 28))),
                    self.ref),
                "status": "active",
                "seal_image_png": self.seal_pool[rng.randrange(SEAL_POOL)],
            })
            self.stats.seals += 1
        if age >= 18:
            for year in range(self.ref.year - TAX_YEARS + 1, self.ref.year + 1):
                if row["became_resident_on"] > date(year, 1, 1) or rng.random() < 0.1:
                    continue
                self.buf.taxes.append(self._tax_row(code, atena_no, year, age, is_head))
                self.stats.taxes += 1
        if rng.random() < SUPPORT_RATE:
            self._support_measure(row)
        if rng.random() < SUPPRESSION_RATE:
            self._suppression(row)

    def _tax_row(self, code: str, atena_no: str, year: int, age: int, is_head: bool) -> dict[str, Any]:
        """One 年度's figures by kind, following the tables (client.domain.tax): 給与所得 after the
        給与所得控除, 公的年金等 for the elderly, 所得割 6 % / 4 %, 均等割 and 森林環境税 of the 年度.
        The random draws are those of the earlier, simpler figures (the seed stays deterministic)."""
        rng = self.rng
        income_year = year - 1
        salary = pension = 0
        if age < 23:
            salary = rng.choice((0, 0, rng.randint(300, 1300) * 1000))
        elif age < 65:
            salary = rng.randint(1800, 9500) * 1000 if rng.random() < 0.75 else 0
        else:
            pension = rng.randint(0, 2400) * 1000
        pension_income = max(0, pension - 1_100_000)  # 公的年金等控除 (65歳以上, 330万円以下の部分)
        total = salary_income(salary, income_year) + pension_income
        dependents = rng.choice((0, 0, 1, 2)) if is_head else 0
        social = int((salary + pension) * 0.14) // 1000 * 1000
        basic = 430_000 if total <= 24_000_000 else 0
        dependents_deduction = dependents * 330_000  # 住民税の扶養控除 (一般)
        deductions = social + basic + dependents_deduction
        taxable = max(0, total - deductions) // 1000 * 1000
        taxed = total > 450_000  # 非課税限度額 (単身, 概算)
        per_local, per_pref = per_capita_levy(year) if taxed else (0, 0)
        levy_local, levy_pref = (int(taxable * 0.06), int(taxable * 0.04)) if taxed else (0, 0)
        breakdown = {"social_insurance": social, "basic": basic}
        if dependents_deduction:
            breakdown["dependents_deduction"] = dependents_deduction
        if pension_income:
            breakdown["pension_income"] = pension_income
        breakdown |= {"municipal_income_levy": levy_local, "prefectural_income_levy": levy_pref}
        return {
            "municipality_code": code, "atena_no": atena_no, "tax_year": year, "resided_on_jan1": True,
            "total_income": total, "salary_income": salary, "deductions": deductions, "taxable_income": taxable,
            "municipal_tax": levy_local + per_local, "prefectural_tax": levy_pref + per_pref,
            "dependents": dependents, "breakdown_json": json.dumps(breakdown, sort_keys=True),
        }

    def _support_measure(self, row: dict[str, Any]) -> None:
        rng = self.rng
        code = self.muni.code
        measure_id = f"SM{code}-{self.next_measure:05d}"
        self.next_measure += 1
        start = self.ref - timedelta(days=rng.randint(0, 330))
        provisional = rng.random() < 0.1
        perpetrator = f"{self._surname()[0]}\u3000{self._given('M')[0]}"
        # Sometimes the 加害者 is registered here too (another household of the same chunk).
        others = [r for r in self.buf.residents[-200:]
                  if r["household_no"] != row["household_no"] and r["status"] == "resident"]
        perpetrator_atena = None
        if others and rng.random() < 0.3:
            chosen = rng.choice(others)
            perpetrator, perpetrator_atena = chosen["name"], chosen["atena_no"]
        self.buf.measures.append({
            "municipality_code": code, "measure_id": measure_id,
            "perpetrator_names_json": json.dumps([perpetrator], ensure_ascii=False),
            "start": start, "end": None if provisional else start + timedelta(days=364),
            "provisional": provisional, "processes": "hakko,shokai",
        })
        self.buf.measure_persons.append({"municipality_code": code, "measure_id": measure_id,
                                         "atena_no": row["atena_no"], "role": "protected"})
        if perpetrator_atena is not None:
            self.buf.measure_persons.append({"municipality_code": code, "measure_id": measure_id,
                                             "atena_no": perpetrator_atena, "role": "perpetrator"})
        self.stats.support_measures += 1
        self.stats.protected_persons += 1

    def _suppression(self, row: dict[str, Any]) -> None:
        rng = self.rng
        per_household = rng.random() < 0.3
        self.buf.suppressions.append({
            "municipality_code": self.muni.code,
            "suppression_id": f"SP{self.muni.code}-{self.next_suppression:05d}",
            "atena_no": None if per_household else row["atena_no"],
            "household_no": row["household_no"] if per_household else None,
            "process": rng.choice(("hakko", "hakko", "shokai", "ido")),
            "level": "error" if rng.random() < 0.7 else "alert",
            "start": self.ref - timedelta(days=rng.randint(0, 900)),
            "end": None,
            "reason": rng.choice(("本人申出", "実態調査中", "職権記載の確認中", "届出内容の確認中")),
            "released_until": None,
        })
        self.next_suppression += 1
        self.stats.suppressions += 1

    # -- flushing ------------------------------------------------------------------------------
    def flush(self, session: Session, now: datetime) -> None:
        b = self.buf
        items: list[tuple[str, str, str]] = []
        plan = (
            (Household, b.households, "household", lambda r: r["household_no"]),
            (Resident, b.residents, "resident", lambda r: r["atena_no"]),
            (SealRegistration, b.seals, "seal", lambda r: r["registration_no"]),
            (TaxSummary, b.taxes, "tax", lambda r: f"{r['atena_no']}:{r['tax_year']}"),
            (SupportMeasure, b.measures, "support_measure", lambda r: r["measure_id"]),
            (SupportMeasurePerson, b.measure_persons, None, None),
            (Suppression, b.suppressions, "suppression", lambda r: r["suppression_id"]),
        )
        for model, rows, kind, key in plan:
            if not rows:
                continue
            session.execute(insert(cast(Table, model.__table__)), rows)
            if kind is not None and key is not None:
                items.extend((kind, key(r), changes.UPSERT) for r in rows)
        changes.record_changes(session, self.muni.code, items, now)
        self.buf = _Buffers()


def _foreign_items(foreign: tuple[str, str] | None, atena_no: str) -> dict[str, str]:
    """30条の45規定区分, 在留期間 and 在留カード等の番号 (derived, no random draw: the stream stays)."""
    if not foreign:
        return {"foreign_category": "", "residence_period": "", "residence_card_no": ""}
    status = foreign[1]
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
    n = int(atena_no)
    card = f"{letters[n % 23]}{letters[(n // 23) % 23]}{n % 10**8:08d}{letters[(n // 7) % 23]}{letters[(n // 11) % 23]}"
    if status == "特別永住者":
        return {"foreign_category": "特別永住者", "residence_period": "", "residence_card_no": card}
    period = "無期限" if status == "永住者" else ("5年", "3年", "1年")[n % 3]
    return {"foreign_category": "中長期在留者", "residence_period": period, "residence_card_no": card}


def foreign_record_problems(row: dict[str, Any]) -> list[str]:
    """The import's checks for foreign residents, applied to generated rows too."""
    return [f"{row['atena_no']}: {en}" for _col, _code, _ja, en in foreign_resident_problems(row)]


def _start_serials(session: Session, code: str) -> dict[str, int]:
    def scalar(stmt: Any) -> Any:
        return session.execute(stmt).scalar()

    return {
        "atena": _serial_of(scalar(select(func.max(Resident.atena_no)).where(Resident.municipality_code == code))),
        "household": _serial_of(
            scalar(select(func.max(Household.household_no)).where(Household.municipality_code == code))
        ),
        "seal": int(scalar(select(func.count()).select_from(SealRegistration)
                           .where(SealRegistration.municipality_code == code)) or 0),
        "measure": int(scalar(select(func.count()).select_from(SupportMeasure)
                              .where(SupportMeasure.municipality_code == code)) or 0),
        "suppression": int(scalar(select(func.count()).select_from(Suppression)
                                  .where(Suppression.municipality_code == code)) or 0),
    }


def seed_residents(factory: sessionmaker[Session], municipality_code: str, residents: int, seed: int,
                   *, ref: date = REFERENCE_DATE, chunk: int = 20_000, now: datetime | None = None) -> SeedStats:
    """Add about ``residents`` generated residents (whole households: may overshoot by a few)."""
    now = now or datetime.now(UTC)
    with factory() as session:
        muni = session.get(Municipality, municipality_code)
        if muni is None:
            raise ValueError(f"unknown municipality {municipality_code}")
        start = _start_serials(session, municipality_code)
    gen = _Generator(muni, seed, start, ref)
    while gen.stats.residents < residents:
        gen.household()
        if len(gen.buf.residents) >= chunk or gen.stats.residents >= residents:
            with factory() as session:
                begin_write(session)
                gen.flush(session, now)
                session.commit()
    return gen.stats
