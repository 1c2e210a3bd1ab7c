"""The rows of a generated municipality: residents, 印鑑登録, tax summaries, 支援措置 and 抑止,
buffered for ``generator._Generator.flush``.

A mixin of ``generator._Generator`` on top of ``households.HouseholdDraws`` (same random stream).
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from client.domain.checkdigits import make_atena_no, make_my_number
from client.domain.foreign import FOREIGN_RESIDENTS_FROM
from client.domain.kana import name_search_keys
from client.domain.partial_date import PartialDate
from client.domain.search_query import address_search_key, name_search_key
from client.domain.tax import per_capita_levy, salary_income
from server_stub.layout.importer import foreign_resident_problems
from server_stub.seed import names
from server_stub.seed.households import HouseholdDraws

if TYPE_CHECKING:
    from server_stub.seed.generator import SeedStats, _Buffers

TAX_YEARS = 3  # 課税年度 generated: the reference year and the two before
SUPPORT_RATE = 0.001  # share of residents protected by a 支援措置
SUPPRESSION_RATE = 0.0005
SEAL_RATE = 0.40  # share of adults with a 印鑑登録


class RowEmitter(HouseholdDraws):
    """Turns drawn members into the rows of every table, with the serial numbers."""

    stamp: datetime
    stats: SeedStats
    buf: _Buffers
    seal_pool: list[bytes]
    next_atena: int
    next_household: int
    next_seal: int
    next_measure: int
    next_suppression: int

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
                "seal_image_png": self.seal_pool[rng.randrange(len(self.seal_pool))],
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
