"""Usage per municipality for a period, and the split of shared costs among municipalities.

Usage: issuances (requests and copies, by certificate type, online and BCP; voided ones left
out), enrolled active terminals and population (current residents, households) — population and
terminals as they stand when the report is made (the register keeps no history of counts).

Cost split rules used by shared-cloud consortia (共同利用の費用按分):

* ``equal`` — 均等割: the same share for each municipality;
* ``population`` — 人口割: in proportion to current residents;
* ``usage`` — 利用割: in proportion to certificate copies issued in the period;
* ``terminals`` — 端末割: in proportion to enrolled active terminals;
* ``weighted`` — a weighted mix of the above, e.g. 均等割 20 %, 人口割 50 %, 利用割 30 %.

Amounts are whole yen by the largest-remainder method, so the shares add up to the total exactly
(ties go to the lower municipality code). A basis whose total is zero (no usage at all in the
period) is shared equally.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from client.domain.model import CertificateType
from server_stub.models import Issuance, Municipality, Resident, Terminal

BASES = ("equal", "population", "usage", "terminals")
RULES = (*BASES, "weighted")


class UsageError(ValueError):
    def __init__(self, message_en: str, message_ja: str) -> None:
        super().__init__(message_en)
        self.message_en = message_en
        self.message_ja = message_ja


@dataclass
class MunicipalityUsage:
    code: str
    name: str
    population: int = 0
    households: int = 0
    terminals: int = 0
    requests: int = 0
    copies: int = 0
    fee_yen: int = 0
    bcp_requests: int = 0
    by_type: dict[str, dict[str, int]] = field(default_factory=dict)

    def basis(self, name: str) -> int:
        return {"equal": 1, "population": self.population, "usage": self.copies, "terminals": self.terminals}[name]


def usage_for_period(session: Session, start: date, end: date, codes: list[str] | None = None) -> list[MunicipalityUsage]:
    """Usage of each municipality (all, or ``codes``) for the Japan dates ``start``..``end`` inclusive."""
    if end < start:
        raise UsageError(f"period ends before it starts: {start} .. {end}", "期間の終わりが始まりより前です。")
    stmt = select(Municipality.code, Municipality.name).order_by(Municipality.code)
    if codes:
        stmt = stmt.where(Municipality.code.in_(codes))
    rows = {code: MunicipalityUsage(code, name) for code, name in session.execute(stmt)}
    missing = sorted(set(codes or ()) - set(rows))
    if missing:
        raise UsageError(f"unknown municipality {', '.join(missing)}", f"団体{', '.join(missing)}が登録されていません。")
    if not rows:
        return []
    wanted = list(rows)
    for code, population, households in session.execute(
        select(Resident.municipality_code, func.count(), func.count(func.distinct(Resident.household_no)))
        .where(Resident.municipality_code.in_(wanted), Resident.status == "resident")
        .group_by(Resident.municipality_code)
    ):
        rows[code].population, rows[code].households = int(population), int(households)
    for code, count in session.execute(
        select(Terminal.municipality_code, func.count()).where(Terminal.municipality_code.in_(wanted),
                                                               Terminal.active.is_(True))
        .group_by(Terminal.municipality_code)
    ):
        rows[code].terminals = int(count)
    for code, cert_type, mode, requests, copies, fee in session.execute(
        select(Issuance.municipality_code, Issuance.cert_type, Issuance.mode, func.count(),
               func.coalesce(func.sum(Issuance.copies), 0), func.coalesce(func.sum(Issuance.fee_yen), 0))
        .where(Issuance.municipality_code.in_(wanted), Issuance.issued_on >= start, Issuance.issued_on <= end,
               Issuance.voided_at.is_(None))
        .group_by(Issuance.municipality_code, Issuance.cert_type, Issuance.mode)
    ):
        u = rows[code]
        slot = u.by_type.setdefault(cert_type, {"requests": 0, "copies": 0})
        slot["requests"] += int(requests)
        slot["copies"] += int(copies)
        u.requests += int(requests)
        u.copies += int(copies)
        u.fee_yen += int(fee)
        if mode == "bcp":
            u.bcp_requests += int(requests)
    return list(rows.values())


def normalise_weights(rule: str, weights: dict[str, float] | None) -> dict[str, Fraction]:
    if rule not in RULES:
        raise UsageError(f"unknown rule {rule!r} (one of {', '.join(RULES)})", f"按分方式「{rule}」は使えません。")
    if rule != "weighted":
        return {rule: Fraction(1)}
    if not weights:
        raise UsageError("the weighted rule needs weights", "加重按分には比率(--weight)が必要です。")
    unknown = sorted(set(weights) - set(BASES))
    if unknown or any(w < 0 for w in weights.values()) or sum(weights.values()) <= 0:
        raise UsageError(f"bad weights {weights} (bases: {', '.join(BASES)}, non-negative, not all zero)",
                         "比率の指定が正しくありません(equal/population/usage/terminals に0以上の値)。")
    fractions = {k: Fraction(str(v)) for k, v in weights.items() if v > 0}
    total = sum(fractions.values())
    return {k: v / total for k, v in sorted(fractions.items())}


def split_costs(usage: list[MunicipalityUsage], total_yen: int, rule: str,
                weights: dict[str, float] | None = None) -> dict[str, dict[str, Any]]:
    """Each municipality's exact ratio and whole-yen amount; the amounts sum to ``total_yen``."""
    if total_yen < 0:
        raise UsageError("the total cost is negative", "費用総額が負です。")
    if not usage:
        return {}
    mix = normalise_weights(rule, weights)
    ratio: dict[str, Fraction] = defaultdict(Fraction)
    for basis, weight in mix.items():
        values = {u.code: u.basis(basis) for u in usage}
        total = sum(values.values())
        for code, value in values.items():
            ratio[code] += weight * (Fraction(value, total) if total else Fraction(1, len(usage)))
    exact = {code: r * total_yen for code, r in ratio.items()}
    amounts = {code: int(v) for code, v in exact.items()}  # floor (non-negative)
    left = total_yen - sum(amounts.values())
    for code in sorted(exact, key=lambda c: (-(exact[c] - amounts[c]), c))[:left]:
        amounts[code] += 1
    return {code: {"ratio": float(ratio[code]), "cost_yen": amounts[code]} for code in sorted(ratio)}


def usage_report(session: Session, start: date, end: date, *, codes: list[str] | None = None,
                 total_yen: int | None = None, rule: str = "equal",
                 weights: dict[str, float] | None = None) -> dict[str, Any]:
    usage = usage_for_period(session, start, end, codes)
    split = split_costs(usage, total_yen, rule, weights) if total_yen is not None else {}
    mix = normalise_weights(rule, weights) if total_yen is not None else {}
    return {
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "cost": None if total_yen is None else {
            "total_yen": total_yen, "rule": rule, "weights": {k: float(v) for k, v in mix.items()}},
        "municipalities": [{
            "code": u.code, "name": u.name, "population": u.population, "households": u.households,
            "terminals": u.terminals, "requests": u.requests, "copies": u.copies, "fee_yen": u.fee_yen,
            "bcp_requests": u.bcp_requests, "by_type": dict(sorted(u.by_type.items())),
            **({"cost_ratio": split[u.code]["ratio"], "cost_yen": split[u.code]["cost_yen"]} if split else {}),
        } for u in usage],
        "totals": {k: sum(getattr(u, k) for u in usage)
                   for k in ("population", "households", "terminals", "requests", "copies", "fee_yen")},
    }


def report_csv(report: dict[str, Any]) -> bytes:
    """One row per municipality; UTF-8 with a BOM (opens correctly in Excel), CRLF."""
    types = [t.value for t in CertificateType]
    with_cost = report["cost"] is not None
    header = ["団体コード", "団体名", "人口", "世帯数", "端末数", "交付件数", "交付通数", "手数料(円)", "うちBCP件数",
              *[f"{CertificateType(t).label_ja}(通)" for t in types]]
    if with_cost:
        header += ["按分比率", "負担額(円)"]
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    for m in report["municipalities"]:
        row = [m["code"], m["name"], m["population"], m["households"], m["terminals"], m["requests"], m["copies"],
               m["fee_yen"], m["bcp_requests"], *[m["by_type"].get(t, {}).get("copies", 0) for t in types]]
        if with_cost:
            row += [f"{m['cost_ratio']:.6f}", m["cost_yen"]]
        w.writerow(row)
    t = report["totals"]
    total = ["合計", "", t["population"], t["households"], t["terminals"], t["requests"], t["copies"], t["fee_yen"],
             sum(m["bcp_requests"] for m in report["municipalities"]),
             *[sum(m["by_type"].get(ty, {}).get("copies", 0) for m in report["municipalities"]) for ty in types]]
    if with_cost:
        total += ["1.000000", report["cost"]["total_yen"]]
    w.writerow(total)
    return buf.getvalue().encode("utf-8-sig")
