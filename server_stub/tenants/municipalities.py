"""Creating municipalities and staff; reading a municipality's parameters."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session

from client.certificate.signing import generate_keypair, key_id_for
from client.domain.checkdigits import is_valid_municipality_code
from client.domain.model import Deputy as DeputyParams
from client.domain.model import MunicipalityParams, Role
from server_stub import counters
from server_stub.auth.passwords import hash_password
from server_stub.models import Deputy, Municipality, Staff
from server_stub.replica import changes

DEFAULT_FEES = {"juminhyo": 300, "kisai_jiko": 300, "johyo": 300, "inkan": 300, "kazei": 300}
DEFAULT_EXEMPTIONS = ("公用", "生活保護", "罹災", "公的年金")


class TenantError(ValueError):
    """Invalid municipality or staff data."""


def create_municipality(
    session: Session,
    *,
    code: str,
    name: str,
    prefecture: str,
    mayor_title: str,
    mayor_name: str,
    now: datetime,
    deputies: tuple[tuple[str, str, date, date], ...] = (),
    seal_image_png: bytes = b"",
    fees: dict[str, int] | None = None,
    exemption_reasons: tuple[str, ...] = DEFAULT_EXEMPTIONS,
    bcp_policy: str = "auto",
    replica_max_age_hours: int = 72,
    signing_private_key: bytes | None = None,
) -> Municipality:
    """Create a municipality with its counters and an Ed25519 signing key (kept in the DB: stub only)."""
    if not is_valid_municipality_code(code):
        raise TenantError(f"invalid 地方公共団体コード (check digit): {code!r}")
    if bcp_policy not in ("auto", "confirm"):
        raise TenantError(f"bcp_policy must be auto or confirm, got {bcp_policy!r}")
    if signing_private_key is None:
        private, public = generate_keypair()
    else:
        from client.certificate.signing import public_key_for

        private, public = signing_private_key, public_key_for(signing_private_key)
    muni = Municipality(
        code=code,
        name=name,
        prefecture=prefecture,
        mayor_title=mayor_title,
        mayor_name=mayor_name,
        seal_image_png=seal_image_png,
        fees_json=json.dumps(fees or DEFAULT_FEES, sort_keys=True),
        exemption_reasons_json=json.dumps(list(exemption_reasons), ensure_ascii=False),
        bcp_policy=bcp_policy,
        replica_max_age_hours=replica_max_age_hours,
        print_sex_on_inkan=True,
        signing_key_id=key_id_for(public),
        signing_private_key=private,
        signing_public_key=public,
        created_at=now,
    )
    session.add(muni)
    session.flush()
    for title, dname, start, end in deputies:
        session.add(Deputy(municipality_code=code, title=title, name=dname, start=start, end=end))
    counters.create_counters(session, code)
    session.flush()
    changes.record_change(session, code, "municipality", code, changes.UPSERT, now)
    return muni


def create_staff(session: Session, municipality_code: str, *, user_id: str, name: str, role: str,
                 password: str, now: datetime, password_hash: str | None = None) -> Staff:
    if role not in {r.value for r in Role}:
        raise TenantError(f"unknown role {role!r}")
    staff = Staff(
        municipality_code=municipality_code,
        user_id=user_id,
        name=name,
        role=role,
        password_hash=password_hash or hash_password(password),
        failed_attempts=0,
        locked=False,
        active=True,
        updated_at=now,
    )
    session.add(staff)
    session.flush()
    changes.record_change(session, municipality_code, "staff", user_id, changes.UPSERT, now)
    return staff


_munis = cast(Table, Municipality.__table__)
_deputies = cast(Table, Deputy.__table__)
_MUNICIPALITY = select(_munis).where(_munis.c.code == bindparam("code"))
_DEPUTIES = select(_deputies).where(_deputies.c.municipality_code == bindparam("code")).order_by(_deputies.c.start)


def municipality_row(session: Session, code: str) -> Any | None:
    """The municipality's row (Core, read by attribute like the ORM object; no identity map), or
    None. Read on every evaluation and issuance (issue 23)."""
    return session.execute(_MUNICIPALITY, {"code": code}).one_or_none()


def params_of(session: Session, muni: Municipality | Any) -> MunicipalityParams:
    """The MunicipalityParams the client receives at sign-in (``muni``: the ORM object or its row)."""
    deputies = session.execute(_DEPUTIES, {"code": muni.code}).all()
    return MunicipalityParams(
        code=muni.code,
        name=muni.name,
        prefecture=muni.prefecture,
        mayor_title=muni.mayor_title,
        mayor_name=muni.mayor_name,
        deputies=tuple(DeputyParams(d.title, d.name, d.start, d.end) for d in deputies),
        seal_image_png=muni.seal_image_png or b"",
        fees={str(k): int(v) for k, v in json.loads(muni.fees_json or "{}").items()},
        exemption_reasons=tuple(json.loads(muni.exemption_reasons_json or "[]")),
        bcp_policy=muni.bcp_policy,
        replica_max_age_hours=muni.replica_max_age_hours,
        print_sex_on_inkan=muni.print_sex_on_inkan,
    )
