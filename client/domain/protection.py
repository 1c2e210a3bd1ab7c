"""Protection of residents: 支援措置 (DV・ストーカー・児童虐待等), 抑止, and a release of a block.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from client.domain.partial_date import PartialDate
from client.domain.serialization import Serializable, date_or_none, datetime_or_none, partial_date_or_none


class Process(enum.StrEnum):
    """抑止・支援措置の対象業務."""

    IDO = "ido"  # 異動
    HAKKO = "hakko"  # 発行 (交付)
    SHOKAI = "shokai"  # 照会 (閲覧)


class SuppressionLevel(enum.StrEnum):
    ERROR = "error"  # 抑止 (エラー): blocks
    ALERT = "alert"  # 警告: allows with a warning the clerk must see


@dataclass(frozen=True)
class SupportMeasure(Serializable):
    """支援措置 (DV・ストーカー・児童虐待等の被害者保護). Fails closed for everything it touches."""

    measure_id: str
    protected_atena_nos: tuple[str, ...]  # 支援対象者 and jointly protected persons (併せて支援)
    perpetrator_names: tuple[str, ...] = ()  # 加害者 氏名 (as written)
    perpetrator_atena_nos: tuple[str, ...] = ()  # 加害者 if a resident here
    # 生年月日 of each name in ``perpetrator_names`` (same order; None where unknown)
    perpetrator_births: tuple[PartialDate | None, ...] = ()
    start: date | None = None
    end: date | None = None  # 1 year by default; extendable
    provisional: bool = False  # 仮支援措置 (application under review) blocks too
    processes: tuple[Process, ...] = (Process.HAKKO, Process.SHOKAI)

    def active_on(self, day: date) -> bool:
        if self.provisional and self.start is None:
            return True
        if self.start is not None and day < self.start:
            return False
        return not (self.end is not None and day > self.end)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SupportMeasure:
        return cls(
            measure_id=d["measure_id"],
            protected_atena_nos=tuple(d.get("protected_atena_nos", ())),
            perpetrator_names=tuple(d.get("perpetrator_names", ())),
            perpetrator_atena_nos=tuple(d.get("perpetrator_atena_nos", ())),
            perpetrator_births=tuple(partial_date_or_none(b) for b in d.get("perpetrator_births", ())),
            start=date_or_none(d.get("start")),
            end=date_or_none(d.get("end")),
            provisional=bool(d.get("provisional", False)),
            processes=tuple(Process(p) for p in d.get("processes", ("hakko", "shokai"))),
        )


@dataclass(frozen=True)
class Suppression(Serializable):
    """抑止: per person (atena_no) or household (household_no), per process, level, dates.

    It does not lapse by itself: ``end`` None means until lifted. A temporary release
    (``released_until``) re-locks at that time.
    """

    suppression_id: str
    process: Process
    level: SuppressionLevel
    atena_no: str | None = None
    household_no: str | None = None
    start: date | None = None
    end: date | None = None
    reason: str = ""
    released_until: datetime | None = None

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Suppression:
        return cls(
            suppression_id=d["suppression_id"],
            process=Process(d["process"]),
            level=SuppressionLevel(d["level"]),
            atena_no=d.get("atena_no"),
            household_no=d.get("household_no"),
            start=date_or_none(d.get("start")),
            end=date_or_none(d.get("end")),
            reason=d.get("reason", ""),
            released_until=datetime_or_none(d.get("released_until")),
        )


@dataclass(frozen=True)
class SupportRelease(Serializable):
    """A 支援措置責任者's case-by-case release of a block, with a recorded reason."""

    measure_id: str
    supervisor: str
    reason: str
