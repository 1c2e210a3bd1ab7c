"""Two fictional municipalities with staff and an enrolled demo terminal (``seed --demo``).

| municipality | code | prefecture |
|---|---|---|
| 桜ヶ丘市 (city) | 132403 | 東京都 |
| 緑川町 (town) | 113905 | 埼玉県 |

Staff in each (user id / password / role):

- ``clerk1`` / ``clerk1pass`` / clerk (窓口職員)
- ``clerk2`` / ``clerk2pass`` / clerk
- ``supervisor1`` / ``supervisor1pass`` / supervisor (係長・支援措置責任者)
- ``admin1`` / ``admin1pass`` / admin

Demo terminals ``T001`` (本庁1) and ``T002`` (本庁2) are enrolled in each municipality; their
Ed25519 private keys are derived from a fixed string (:func:`demo_terminal_private_key`) so a demo
client can sign BCP certificates. The municipality signing keys are generated and stored in the
database (acceptable for the stub only).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session, sessionmaker

from client.certificate.signing import key_id_for, public_key_for
from server_stub.auth.passwords import hash_password
from server_stub.db import begin_write
from server_stub.models import Municipality, Terminal
from server_stub.replica import changes
from server_stub.seed.generator import SeedStats, seed_residents
from server_stub.seed.seal_png import official_seal_png
from server_stub.tenants.municipalities import create_municipality, create_staff


@dataclass(frozen=True)
class DemoMunicipality:
    code: str
    name: str
    prefecture: str
    mayor_title: str
    mayor_name: str
    residents: int


CITY = DemoMunicipality("132403", "桜ヶ丘市", "東京都", "桜ヶ丘市長", "青山 一郎", 3000)
TOWN = DemoMunicipality("113905", "緑川町", "埼玉県", "緑川町長", "川村 花子", 600)
DEMO_MUNICIPALITIES = (CITY, TOWN)
DEMO_STAFF = (
    ("clerk1", "窓口 一郎", "clerk", "clerk1pass"),
    ("clerk2", "窓口 二郎", "clerk", "clerk2pass"),
    ("supervisor1", "係長 花子", "supervisor", "supervisor1pass"),
    ("admin1", "管理 太郎", "admin", "admin1pass"),
)
DEMO_TERMINALS = (("T001", "本庁1"), ("T002", "本庁2"))


def demo_terminal_private_key(municipality_code: str, terminal_id: str) -> bytes:
    """The fixed raw Ed25519 private key of a demo terminal (demo only: derived from public text)."""
    return hashlib.sha256(f"madoguchi-demo-terminal:{municipality_code}:{terminal_id}".encode()).digest()


def enroll_terminal(session: Session, municipality_code: str, terminal_id: str, name: str,
                    public_key: bytes, enrolled_by: str, now: datetime) -> Terminal:
    terminal = Terminal(
        municipality_code=municipality_code,
        terminal_id=terminal_id,
        name=name,
        key_id=key_id_for(public_key),
        public_key=public_key,
        enrolled_at=now,
        enrolled_by=enrolled_by,
        active=True,
    )
    session.add(terminal)
    session.flush()
    changes.record_change(session, municipality_code, "terminal", terminal_id, changes.UPSERT, now)
    return terminal


def seed_demo(factory: sessionmaker[Session], *, residents: int | None = None, seed: int = 1,
              now: datetime | None = None) -> dict[str, SeedStats]:
    """Create the demo municipalities (skipping those that exist) and generate their residents."""
    now = now or datetime.now(UTC)
    stats: dict[str, SeedStats] = {}
    hashes: dict[str, str] = {}  # one argon2 hash per demo password, reused across municipalities
    for demo in DEMO_MUNICIPALITIES:
        with factory() as session:
            begin_write(session)
            if session.get(Municipality, demo.code) is not None:
                session.rollback()
                continue
            create_municipality(
                session,
                code=demo.code,
                name=demo.name,
                prefecture=demo.prefecture,
                mayor_title=demo.mayor_title,
                mayor_name=demo.mayor_name,
                now=now,
                deputies=((f"{demo.name[:-1]}副{demo.mayor_title[-2:]}" if demo.name.endswith("市")
                           else f"{demo.name}副町長", "代理 次郎", date(2026, 8, 1), date(2026, 8, 14)),),
                seal_image_png=official_seal_png(int(demo.code)),
            )
            for user_id, name, role, password in DEMO_STAFF:
                create_staff(session, demo.code, user_id=user_id, name=name, role=role, password=password, now=now,
                             password_hash=hashes.setdefault(password, hash_password(password)))
            for terminal_id, tname in DEMO_TERMINALS:
                public = public_key_for(demo_terminal_private_key(demo.code, terminal_id))
                enroll_terminal(session, demo.code, terminal_id, tname, public, "seed", now)
            session.commit()
        count = residents if residents is not None else demo.residents
        if count > 0:
            stats[demo.code] = seed_residents(factory, demo.code, count, seed, now=now)
            _ensure_blocks(factory, demo.code, stats[demo.code], now)
    return stats


def _ensure_blocks(factory: sessionmaker[Session], code: str, stats: SeedStats, now: datetime) -> None:
    """A small demo town may draw no 支援措置 or 抑止 at random: add one of each so the demo shows them."""
    from sqlalchemy import select

    from server_stub.models import Resident
    from server_stub.register.writes import add_support_measure, add_suppression

    if stats.support_measures and stats.suppressions:
        return
    with factory() as session:
        begin_write(session)
        people = session.scalars(
            select(Resident.atena_no).where(Resident.municipality_code == code, Resident.status == "resident",
                                            Resident.is_head.is_(False))
            .order_by(Resident.atena_no).limit(12)
        ).all()
        if len(people) >= 12:
            if not stats.support_measures:
                add_support_measure(session, code, measure_id=f"SM{code}-DEMO1", protected=[people[4]], now=now,
                                    perpetrator_names=["加害　太郎"], start=date(2026, 4, 1), end=date(2027, 3, 31))
                stats.support_measures += 1
                stats.protected_persons += 1
            if not stats.suppressions:
                add_suppression(session, code, suppression_id=f"SP{code}-DEMO1", process="hakko", level="error",
                                atena_no=people[10], start=date(2026, 1, 1), reason="実態調査中", now=now)
                stats.suppressions += 1
        session.commit()
