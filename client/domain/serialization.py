"""Dataclass ↔ JSON-safe dict: what crosses the wire encodes dates as ISO strings, enums as values.

Every domain record mixes in ``Serializable`` (``to_dict``); each writes its own ``from_dict``
with the helpers below where types need it.
"""

from __future__ import annotations

import enum
from dataclasses import fields
from datetime import date, datetime
from typing import Any

from client.domain.partial_date import PartialDate


def encode_value(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, PartialDate):
        return value.to_str()
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        import base64

        return base64.b64encode(value).decode("ascii")
    if isinstance(value, (list, tuple)):
        return [encode_value(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(encode_value(v) for v in value)
    if isinstance(value, dict):
        return {str(k): encode_value(v) for k, v in value.items()}
    if hasattr(value, "to_dict"):
        return value.to_dict()
    return value


class Serializable:
    """Mixin: ``to_dict`` encodes fields; ``from_dict`` is written per class where types need it."""

    def to_dict(self) -> dict[str, Any]:
        return {f.name: encode_value(getattr(self, f.name)) for f in fields(self)}  # type: ignore[arg-type]


def date_or_none(v: str | None) -> date | None:
    return date.fromisoformat(v) if v else None


def datetime_or_none(v: str | None) -> datetime | None:
    return datetime.fromisoformat(v) if v else None


def partial_date_or_none(v: str | None) -> PartialDate | None:
    return PartialDate.parse_str(v) if v else None
