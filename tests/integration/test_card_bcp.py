"""The card at a counter in BCP mode: matched against the replica, the 交付請求書 made offline, the
IC 本人確認 carried through the outbox to the server's 交付履歴 on sync back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import create_engine, text

from client.card.identification import CardSession, identity_check
from client.card.matching import MatchStatus
from client.card.reader import MyNumberCardReader
from client.card.sheet_form import SheetForm
from client.card.signature import TrustStore
from client.card.transport import PcscConnector
from client.domain.model import CertificateType, IdentityDocument
from client.local.keystore import KeyStore
from client.printing.request_sheet import render_request_sheet
from client.replica.lookups import ReplicaLookups
from client.replica.search import ReplicaSearch
from client.services.bcp_backend import BcpBackend
from tests.cardsim.card import CardHolder, build_card
from tests.integration.bcp_env import CODE, Terminal, juminhyo, login, now_utc, plain_subjects, seed


@pytest.fixture
def bcp(db_url: str, tmp_path: Path, server_factory: Any, memory_keyring: Any
        ) -> Iterator[tuple[BcpBackend, Terminal, str]]:
    """A terminal in BCP mode over a replica of a seeded server (SQLite or PostgreSQL)."""
    seed(db_url)
    server = server_factory(db_url)
    t = Terminal.build(tmp_path / "t", login(server.base_url), KeyStore())
    t.lease(10)
    t.bootstrap()
    backend = BcpBackend(ReplicaLookups(t.store), ReplicaSearch(t.store), t.outbox, t.issuer)
    yield backend, t, db_url
    t.close()


def test_card_identification_and_sheet_in_bcp_mode(bcp: Any, card_slot: Any, card_chain: Any, tmp_path: Path) -> None:
    backend, t, db_url = bcp
    backend.sign_in(CODE, "clerk1", "clerk1pass", "T001")
    resident = None
    for atena in plain_subjects(db_url, 20):
        r = backend.resident(atena).resident
        if r.birth.is_complete:
            resident = r
            break
    assert resident is not None
    holder = CardHolder(resident.name, resident.address + resident.katagaki, resident.birth.as_date(),
                        "1" if resident.sex.value == "M" else "2", date(2034, 3, 31))
    card_slot.insert(build_card(holder, card_chain))
    roots, inter = card_chain.write(tmp_path / "trust")
    session = CardSession(MyNumberCardReader(PcscConnector(), TrustStore.from_files(roots, inter)))
    face = session.read_face(holder.pin_b)
    card = session.read_text("1234")
    match = session.find(backend)  # the replica answers: no server involved
    assert match.status is MatchStatus.MATCHED and match.resident is not None
    assert match.resident.atena_no == resident.atena_no
    identity = identity_check(face, card, match, photo_confirmed=True)

    form = SheetForm(card=card, holder=match.resident, identity=identity)
    form.choose(CertificateType.JUMINHYO, True)
    pdf = render_request_sheet(form.sheet(municipality_name="桜ヶ丘市", now=datetime(2026, 12, 2, 9, 30),
                                          bcp=True, terminal="本庁1"))
    (tmp_path / "sheet.pdf").write_bytes(pdf)
    sheet_text = "".join((PdfReader(str(tmp_path / "sheet.pdf")).pages[0].extract_text() or "").split())
    assert "縮退運用(BCP)中に作成" in sheet_text and "".join(resident.name.split()) in sheet_text

    base = juminhyo(resident.atena_no)
    request = replace(base, requester=replace(base.requester, identity_document=IdentityDocument.MY_NUMBER_CARD_IC,
                                              identity_checks=identity.checks))
    backend.issue(request, None, "P001")
    result = t.pusher().push(now_utc)
    assert (result.stored, result.rejected) == (1, 0)
    engine = create_engine(db_url)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT request_json, mode FROM issuances")).one()
    engine.dispose()
    stored = json.loads(row[0])
    assert row[1] == "bcp"
    assert stored["requester"]["identity_document"] == "my_number_card_ic"
    assert stored["requester"]["identity_checks"] == list(identity.checks)
    assert holder.my_number not in row[0]
