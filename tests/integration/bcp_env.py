"""A terminal in a box for BCP tests: a real server, a replica, an outbox and the issuer.

Shared by the BCP integration, fault and crash tests so each builds the same object graph.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from client.certificate.signing import key_id_for, public_key_for
from client.domain.model import (
    CertificateType,
    IdentityDocument,
    IssuanceRequest,
    Requester,
    RequesterKind,
)
from client.local.keystore import KeyStore
from client.outbox.issuer import BcpIssuer
from client.outbox.push import OutboxPusher
from client.outbox.store import Lease, Outbox
from client.printing.seal_marks import with_seal_marks
from client.remote.http import DataCentreClient
from client.replica.lookups import ReplicaLookups
from client.replica.store import ReplicaStore
from client.replica.sync import ReplicaSync
from server_stub.db import make_engine, make_sessionmaker, write_session
from server_stub.models import Resident, SupportMeasure, SupportMeasurePerson, Suppression
from server_stub.replica.changes import record_change
from server_stub.seed.demo import CITY, demo_terminal_private_key, seed_demo

CODE = CITY.code
JST_OFFSET = timedelta(hours=9)


def seed(db_url: str, residents: int = 80) -> None:
    engine = make_engine(db_url)
    try:
        seed_demo(make_sessionmaker(engine), residents=residents, seed=7)
    finally:
        engine.dispose()


def enrolled(tmp_path: Path, server_factory: Any, terminal_id: str, terminal_name: str) -> tuple[str, Any, Path]:
    """A seeded SQLite server and a terminal enrolled by admin1: (db_url, server, data_dir).

    The keys go to the keyring the test installed (``memory_keyring``).
    """
    from client.lifecycle.enrollment import enroll
    from server_stub.migrate import upgrade

    db_url = f"sqlite:///{tmp_path / 'server.db'}"
    upgrade(db_url)
    seed(db_url)
    server = server_factory(db_url)
    data = tmp_path / "home"
    enroll(server_url=server.base_url, municipality_code=CODE, terminal_name=terminal_name, admin_user="admin1", admin_password="admin1pass",
           data_dir=data, keystore=KeyStore(), terminal_id=terminal_id)
    return db_url, server, data


@contextlib.contextmanager
def terminal_env(db_url: str, server_factory: Any, tmp_path: Path, lease: int = 30) -> Iterator[tuple[str, Any, Terminal]]:
    """A seeded server on ``db_url`` and a terminal signed in as clerk1 with ``lease`` serials and a
    bootstrapped replica: (db_url, server, terminal). The keys go to the test's keyring."""
    seed(db_url)
    server = server_factory(db_url)
    terminal = Terminal.build(tmp_path / "t1", login(server.base_url), KeyStore())
    try:
        terminal.lease(lease)
        terminal.bootstrap()
        yield db_url, server, terminal
    finally:
        terminal.close()


def login(base_url: str, user: str = "clerk1", password: str = "clerk1pass", terminal: str = "T001",
          secondary: str | None = None) -> DataCentreClient:
    client = DataCentreClient(base_url, secondary, timeout=10.0, connect_timeout=2.0)
    answer = client.login(CODE, user, password, terminal)
    client.token = answer["token"]
    return client


def terminal_signed(base_url: str, terminal_id: str = "T001", secondary: str | None = None) -> DataCentreClient:
    """A client that authenticates as the enrolled demo terminal itself (no staff token)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from client.remote.terminal_auth import TerminalSigner

    key = Ed25519PrivateKey.from_private_bytes(demo_terminal_private_key(CODE, terminal_id))
    return DataCentreClient(base_url, secondary, timeout=10.0, connect_timeout=2.0,
                            signer=TerminalSigner(CODE, terminal_id, key))


def plain_subjects(db_url: str, count: int, code: str = CODE) -> list[str]:
    """Current heads of household with no 支援措置 and no 抑止 touching their household."""
    engine = make_engine(db_url)
    try:
        with Session(engine) as s:
            protected = set(s.scalars(select(SupportMeasurePerson.atena_no)
                                      .where(SupportMeasurePerson.municipality_code == code)))
            blocked_people = set(s.scalars(select(Suppression.atena_no).where(Suppression.municipality_code == code)))
            blocked_households = set(s.scalars(select(Suppression.household_no)
                                               .where(Suppression.municipality_code == code)))
            heads = s.execute(
                select(Resident.atena_no, Resident.household_no).where(
                    Resident.municipality_code == code, Resident.is_head.is_(True), Resident.status == "resident",
                    Resident.is_foreign.is_(False),
                ).order_by(Resident.atena_no)
            ).all()
            members: dict[str, set[str]] = {}
            for atena, hh in s.execute(select(Resident.atena_no, Resident.household_no)
                                       .where(Resident.municipality_code == code)):
                members.setdefault(hh, set()).add(atena)
    finally:
        engine.dispose()
    out = [a for a, hh in heads
           if hh not in blocked_households and not (members[hh] & (protected | blocked_people))]
    assert len(out) >= count, f"demo data has only {len(out)} plain subjects"
    return out[:count]


def protect(db_url: str, atena_no: str, *, start: date, measure_id: str = "SM-TEST-1", code: str = CODE) -> None:
    """Put a 支援措置 on a resident at the server, as the 支援措置責任者 would."""
    engine = make_engine(db_url)
    try:
        now = datetime.now(UTC)
        with write_session(make_sessionmaker(engine)) as s:
            s.add(SupportMeasure(municipality_code=code, measure_id=measure_id, perpetrator_names_json="[]",
                                 start=start, end=start + timedelta(days=364), provisional=False,
                                 processes="hakko,shokai"))
            s.add(SupportMeasurePerson(municipality_code=code, measure_id=measure_id, atena_no=atena_no,
                                       role="protected"))
            record_change(s, code, "support_measure", measure_id, "upsert", now)
    finally:
        engine.dispose()


def juminhyo(atena_no: str, copies: int = 1) -> IssuanceRequest:
    return IssuanceRequest(
        cert_type=CertificateType.JUMINHYO,
        subject_atena_no=atena_no,
        requester=Requester(kind=RequesterKind.SELF, name="本人",
                            identity_document=IdentityDocument.DRIVERS_LICENSE),
        copies=copies,
    )


@dataclass
class Terminal:
    """One enrolled terminal's local side, wired the way the application wires it."""

    data_dir: Path
    remote: DataCentreClient
    store: ReplicaStore
    outbox: Outbox
    issuer: BcpIssuer
    terminal_id: str

    @classmethod
    def build(cls, data_dir: Path, remote: DataCentreClient, keystore: KeyStore, *,
              terminal_id: str = "T001", terminal_name: str = "本庁1") -> Terminal:
        store = ReplicaStore(data_dir, CODE, keystore)
        outbox = Outbox.open(data_dir / "outbox.db", keystore.ensure_database_key(f"outbox-{CODE}"))
        private = demo_terminal_private_key(CODE, terminal_id)
        issuer = BcpIssuer(outbox, ReplicaLookups(store), terminal_name=terminal_name, signing_key=private,
                           key_id=key_id_for(public_key_for(private)), place_seals=with_seal_marks)
        return cls(data_dir, remote, store, outbox, issuer, terminal_id)

    def bootstrap(self) -> None:
        ReplicaSync(self.store, self.remote).bootstrap()

    def pull(self) -> None:
        ReplicaSync(self.store, self.remote).pull()

    def lease(self, size: int = 50) -> dict[str, Any]:
        answer = self.remote.post("/api/v1/serials/lease", {"size": size})
        self.outbox.add_lease(Lease(answer["lease_id"], int(answer["first"]), int(answer["last"]),
                                    datetime.fromisoformat(answer["expires_at"]),
                                    datetime.fromisoformat(answer["leased_at"])))
        return answer

    def pusher(self) -> OutboxPusher:
        return OutboxPusher(self.outbox, self.remote)

    def close(self) -> None:
        self.outbox.close()
        self.store.close()
        self.remote.close()


def now_utc() -> datetime:
    return datetime.now(UTC)
