"""書かない窓口 counter flow: マイナンバーカード read → resident shown → pre-filled 交付請求書.

The card is the emulator (tests/cardsim) in a real pcscd + vpcd reader; the resident is matched
through the counter service against the seeded SQLite server over HTTP. Each sample reads the
face (照合番号B, photo, signature), the 4情報 (PIN, signature), finds the resident (search by birth
date + details) and, for the second row, builds and renders the one-page 交付請求書 to a file.
The bar (DESIGN.md §6) excludes the reader's own I/O: the time inside transmit (pcscd, vpcd and
the emulated chip) is measured and subtracted; both figures are in the notes.
"""

from __future__ import annotations

import time
from datetime import date, datetime
from typing import Any

from tests.bench.support import CITY, CLERK, Context, Measurement, latency

CARD_FORM_MS = 3000.0


class _TimedConnector:
    """Wraps the PC/SC connector and adds up the time spent in the reader (connect + transmit)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.io_s = 0.0

    def connect(self) -> Any:
        t0 = time.perf_counter()
        transport = self.inner.connect()
        self.io_s += time.perf_counter() - t0
        outer = self

        class Timed:
            def transmit(self, apdu: bytes) -> bytes:
                t = time.perf_counter()
                try:
                    return bytes(transport.transmit(apdu))
                finally:
                    outer.io_s += time.perf_counter() - t

            def close(self) -> None:
                transport.close()

        return Timed()


def card(ctx: Context) -> list[Measurement]:
    from client.card.identification import CardSession, identity_check
    from client.card.reader import MyNumberCardReader
    from client.card.sheet_form import SheetForm
    from client.card.signature import TrustStore
    from client.card.transport import PcscConnector
    from client.domain.model import CertificateType
    from client.printing.request_sheet import render_request_sheet
    from client.services.backend import BackendRouter, OnlineBackend
    from client.services.counter import CounterService
    from client.services.online_api import OnlineApi
    from tests.bench.bench_issue import _subjects
    from tests.cardsim.card import CardHolder, build_card
    from tests.cardsim.pcsc import PcscStack
    from tests.cardsim.pki import make_chain

    n = 8 if ctx.quick else 30
    api = OnlineApi([ctx.server("sqlite").base_url], timeout=10.0)
    service = CounterService(BackendRouter(OnlineBackend(api)), municipality_code=CITY, terminal_id="T001",
                             out_dir=ctx.workdir / "card-sheets", printer_id="P001")
    service.sign_in(*CLERK)
    residents = []
    for atena in _subjects(ctx, n * 3):
        r = service.resident(atena).resident
        if r.birth.is_complete:
            residents.append(r)
        if len(residents) == n:
            break
    chain = make_chain()
    roots, inter = chain.write(ctx.workdir / "card-trust")
    stack = PcscStack(ctx.workdir / "pcsc")
    stack.start()
    out = ctx.workdir / "card-sheets"
    out.mkdir(parents=True, exist_ok=True)
    shown_ms: list[float] = []
    form_ms: list[float] = []
    io_ms: list[float] = []
    total_ms: list[float] = []
    try:
        connector = _TimedConnector(PcscConnector())
        reader = MyNumberCardReader(connector, TrustStore.from_files(roots, inter))  # type: ignore[arg-type]
        for i, r in enumerate(residents):
            holder = CardHolder(r.name, r.address + r.katagaki, r.birth.as_date(), "1" if r.sex.value == "M" else "2",
                                date(2034, 3, 31))
            stack.insert(build_card(holder, chain))
            connector.io_s = 0.0
            t0 = time.perf_counter()
            session = CardSession(reader)
            reader.pin_b_tries()
            face = session.read_face(holder.pin_b)
            reader.pin_tries()
            text = session.read_text("1234")
            match = session.find(service)
            t_shown = time.perf_counter()
            assert match.resident is not None and match.resident.atena_no == r.atena_no, match.summary_ja
            form = SheetForm(card=text, holder=match.resident,
                             identity=identity_check(face, text, match, photo_confirmed=True))
            form.choose(CertificateType.JUMINHYO, True)
            sheet = form.sheet(municipality_name=service.session.municipality.name, now=datetime.now(),
                               bcp=False, terminal="T001")
            (out / f"sheet-{i}.pdf").write_bytes(render_request_sheet(sheet))
            t_form = time.perf_counter()
            io = connector.io_s * 1000
            if i == 0:
                continue  # warm-up: fonts, connection
            io_ms.append(io)
            total_ms.append((t_form - t0) * 1000)
            shown_ms.append((t_shown - t0) * 1000 - io)
            form_ms.append((t_form - t0) * 1000 - io)
    finally:
        stack.stop()
    io_p50 = sorted(io_ms)[len(io_ms) // 2] if io_ms else 0.0
    total_p50 = sorted(total_ms)[len(total_ms) // 2] if total_ms else 0.0
    notes = (f"excluding the reader's I/O (pcscd + vpcd + emulated chip, median {io_p50:.0f} ms a card); "
             f"with it the median is {total_p50:.0f} ms; online, SQLite server over HTTP")
    return [
        latency("card read → resident shown", shown_ms, CARD_FORM_MS, notes=notes),
        latency("card read → pre-filled form", form_ms, CARD_FORM_MS,
                notes=notes + "; 交付請求書 rendered to a PDF file (printer spool not included)"),
    ]
