"""Per-municipality parameters (from the server; adding a town needs no code) and 職務代理者.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from client.domain.certificates import CertificateType
from client.domain.serialization import Serializable


@dataclass(frozen=True)
class Deputy(Serializable):
    """職務代理者 and the period in which they sign instead of the mayor."""

    title: str
    name: str
    start: date
    end: date

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Deputy:
        return cls(d["title"], d["name"], date.fromisoformat(d["start"]), date.fromisoformat(d["end"]))


@dataclass(frozen=True)
class MunicipalityParams(Serializable):
    """Per-municipality parameters. They come from the server; adding a town needs no code."""

    code: str  # 全国地方公共団体コード (6 digits with check digit)
    name: str  # e.g. 桜ヶ丘市
    prefecture: str  # e.g. 東京都
    mayor_title: str  # 職名, e.g. 桜ヶ丘市長
    mayor_name: str
    deputies: tuple[Deputy, ...] = ()
    seal_image_png: bytes = b""  # 電子公印
    fees: dict[str, int] = field(default_factory=dict)  # CertificateType value → yen per copy
    exemption_reasons: tuple[str, ...] = ("公用", "生活保護", "罹災", "公的年金")
    bcp_policy: str = "auto"  # "auto" | "confirm"
    replica_max_age_hours: int = 72
    print_sex_on_inkan: bool = True

    def fee_for(self, cert_type: CertificateType) -> int:
        return int(self.fees.get(cert_type.value, 300))

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> MunicipalityParams:
        import base64

        return cls(
            code=d["code"],
            name=d["name"],
            prefecture=d["prefecture"],
            mayor_title=d["mayor_title"],
            mayor_name=d["mayor_name"],
            deputies=tuple(Deputy.from_dict(x) for x in d.get("deputies", ())),
            seal_image_png=base64.b64decode(d.get("seal_image_png") or ""),
            fees={str(k): int(v) for k, v in d.get("fees", {}).items()},
            exemption_reasons=tuple(d.get("exemption_reasons", ())),
            bcp_policy=d.get("bcp_policy", "auto"),
            replica_max_age_hours=int(d.get("replica_max_age_hours", 72)),
            print_sex_on_inkan=bool(d.get("print_sex_on_inkan", True)),
        )
