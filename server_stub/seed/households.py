"""The people of a generated municipality: households of plausible composition, names (kana
consistent with the kanji, some 外字), addresses, foreign households with 通称.

A mixin of ``generator._Generator``: every draw comes from its one ``random.Random`` stream, so the
order of the calls below is part of the determinism (the same seed gives the same people).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from server_stub.models import (
    Municipality,
)
from server_stub.seed import names

GAIJI_RATE = 0.01


class HouseholdDraws:
    """Draws the members of one household and hands them to ``_emit_household`` (``rows``)."""

    rng: random.Random
    ref: date
    muni: Municipality
    postal_prefix: str

    def _emit_household(self, members: list[dict[str, Any]]) -> None:
        raise NotImplementedError

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
