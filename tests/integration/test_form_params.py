"""様式パラメータ (form parameters) end to end on a real server (SQLite and PostgreSQL): the admin
CLI and API refuse bad input and change nothing, every change reaches a terminal's replica
through the change feed (set and clear), and an online and a BCP certificate print the same
overridden 認証文 and 備考 line — or the default wording when nothing is set."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from client.domain.content import CERT_INKAN, CERT_JUMINHYO
from client.domain.model import CertificateContent, Mode
from client.local.keystore import KeyStore
from client.outbox.issuer import BcpRefused
from client.printing.render import render_certificate
from client.remote.wire import combine, text_digest
from client.replica.lookups import form_parameters
from client.replica.sync import ReplicaSync
from server_stub import cli
from server_stub.db import make_engine
from server_stub.models import AccessLogEntry, ChangeLogEntry, FormParameter
from tests.fixtures.pdftools import pdftotext
from tests.integration.bcp_env import CODE, Terminal, juminhyo, now_utc, plain_subjects
from tests.integration.bcp_env import login as terminal_login
from tests.integration.conftest import CITY_CODE, login
from tests.integration.helpers import self_request

OVERRIDE = "上記の者は、本市の住民基本台帳に記録されていることを証明する。"
NOTE = "この証明書は、発行日から3か月以内のものをご利用ください。"


def _squash(text: str) -> str:
    return "".join(text.split())


def _state(db_url: str) -> tuple[int, int, int]:
    """(form_parameters rows, form_parameter change-log rows, access-log rows) of the city."""
    engine = make_engine(db_url)
    try:
        with engine.connect() as c:
            rows = c.execute(select(func.count()).select_from(FormParameter.__table__)).scalar_one()
            feed = c.execute(select(func.count()).select_from(ChangeLogEntry.__table__).where(
                ChangeLogEntry.municipality_code == CITY_CODE, ChangeLogEntry.kind == "form_parameter")).scalar_one()
            audit = c.execute(select(func.count()).select_from(AccessLogEntry.__table__).where(
                AccessLogEntry.municipality_code == CITY_CODE)).scalar_one()
            return int(rows), int(feed), int(audit)
    finally:
        engine.dispose()


def _cli(capsys: pytest.CaptureFixture[str], db_url: str, *args: str) -> tuple[int, str, str]:
    code = cli.main(["form-params", *args, "--db", db_url, "--municipality", CITY_CODE])
    out = capsys.readouterr()
    return code, out.out, out.err


# ---------------------------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------------------------


def test_cli_refuses_bad_input_and_changes_nothing(seeded_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    before = _state(seeded_db)
    bad = [
        (("set", "--form", "juminhyo_kojin", "--set", "colour=red"), "unknown form parameter colour"),
        (("set", "--form", "juminhyo_kojin", "--set", f"note={'あ' * 101}"), "too long"),
        (("set", "--form", "juminhyo_kojin", "--set", f"certification_text={'あ' * 81}"), "too long"),
        (("set", "--form", "juminhyo_renki", "--set", f"note={'あ' * 90}"), "does not fit"),
        (("set", "--form", "juminhyo_kojin", "--set", "note=私用領域\ue000"), "U+E000"),
        (("set", "--form", "juminhyo_kojin", "--set", "note=一行目\n二行目"), "control characters"),
        (("set", "--form", "juminhyo_kojin", "--set", "enabled=maybe"), "true or false"),
        (("set", "--form", "juminhyo", "--set", "note=x"), "unknown form 'juminhyo'"),
        (("set", "--form", "juminhyo_kojin"), "no form parameter given"),
        (("set", "--form", "juminhyo_kojin", "--set", "note"), "not KEY=VALUE"),
        (("set", "--form", "kazei", "--set", "note=a", "--set", "note=b"), "note given twice"),
        (("set", "--set", "note=x"), "--form is required"),
        (("clear", "--form", "kazei", "--set", "note=x"), "clear takes no --set"),
        # a good key next to a bad one: nothing of it is stored
        (("set", "--form", "inkan", "--set", f"certification_text={OVERRIDE}", "--set", "colour=red"), "colour"),
    ]
    for args, expected in bad:
        code, out, err = _cli(capsys, seeded_db, *args)
        assert code == 2 and expected in err and out == "", (args, err)
        assert "error:" in err and any("\u3040" <= ch <= "\u9fff" for ch in err)  # Japanese first
    code = cli.main(["form-params", "list", "--db", seeded_db, "--municipality", "999999"])
    assert code == 2 and "unknown municipality" in capsys.readouterr().err
    assert _state(seeded_db) == before


def test_cli_set_list_clear(seeded_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    rows0, feed0, audit0 = _state(seeded_db)
    code, out, _ = _cli(capsys, seeded_db, "set", "--form", "inkan", "--set", f"certification_text={OVERRIDE}",
                        "--set", f"note={NOTE}")
    assert code == 0
    assert json.loads(out)["forms"] == [{"form_id": "inkan", "certification_text": OVERRIDE, "note": NOTE,
                                         "enabled": True, "registration_no": False, "customised": True}]
    assert _state(seeded_db) == (rows0 + 1, feed0 + 1, audit0 + 1)
    code, out, _ = _cli(capsys, seeded_db, "set", "--form", "inkan", "--set", "note=")  # one key back to default
    assert code == 0 and json.loads(out)["forms"][0]["note"] == ""
    code, out, _ = _cli(capsys, seeded_db, "list")
    forms = {f["form_id"]: f for f in json.loads(out)["forms"]}
    assert len(forms) == 6 and forms["inkan"]["certification_text"] == OVERRIDE
    assert forms["kazei"] == {"form_id": "kazei", "certification_text": "", "note": "", "enabled": True,
                              "customised": False}
    code, out, _ = _cli(capsys, seeded_db, "clear", "--form", "inkan")
    assert code == 0 and json.loads(out)["forms"][0]["customised"] is False
    assert _state(seeded_db) == (rows0, feed0 + 3, audit0 + 3)  # upsert, upsert, delete
    # setting everything back to the defaults also removes the row (a delete in the feed)
    _cli(capsys, seeded_db, "set", "--form", "kazei", "--set", "enabled=false")
    _cli(capsys, seeded_db, "set", "--form", "kazei", "--set", "enabled=true")
    assert _state(seeded_db)[:2] == (rows0, feed0 + 5)
    engine = make_engine(seeded_db)
    try:
        with engine.connect() as c:
            ops = c.execute(select(ChangeLogEntry.op).where(ChangeLogEntry.kind == "form_parameter")
                            .order_by(ChangeLogEntry.seq)).scalars().all()
    finally:
        engine.dispose()
    assert ops[-5:] == ["upsert", "upsert", "delete", "upsert", "delete"]


# ---------------------------------------------------------------------------------------------
# API
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def city_admin(server: Any) -> Iterator[Any]:
    api = login(server.base_url, CITY_CODE, "admin1")
    yield api
    api.client.close()


def test_api_is_admin_only_and_refuses_bad_input(server: Any, seeded_db: str, city_admin: Any,
                                                 city_clerk: Any, city_supervisor: Any) -> None:
    path = "/api/v1/admin/form-parameters"
    before = _state(seeded_db)
    for api in (city_clerk, city_supervisor):
        assert api.get(path).status_code == 403
        r = api.client.put(f"{path}/juminhyo_kojin", json={"note": NOTE})
        assert r.status_code == 403 and r.json()["detail"]["code"] == "forbidden_role"
        assert api.client.delete(f"{path}/juminhyo_kojin").status_code == 403
    cases = [
        ("juminhyo_kojin", {"note": NOTE, "colour": "red"}, 422, "unknown form parameter colour"),
        ("juminhyo_kojin", {"certification_text": "あ" * 81}, 422, "too long"),
        ("juminhyo_kojin", {"note": 3}, 422, "must be a string"),
        ("juminhyo_kojin", {"enabled": "perhaps"}, 422, "true or false"),
        ("juminhyo_kojin", {}, 422, "no form parameter given"),
        ("juminhyo_renki", {"note": "あ" * 90}, 422, "does not fit"),
        ("jumin", {"note": NOTE}, 404, "unknown form"),
    ]
    for form, body, status, expected in cases:
        r = city_admin.client.put(f"{path}/{form}", json=body)
        assert r.status_code == status, r.text
        detail = r.json()["detail"]
        assert expected in detail["message_en"] and detail["message_ja"], detail
    assert city_admin.client.put(f"{path}/juminhyo_kojin", json=["note"]).status_code == 422
    assert city_admin.client.delete(f"{path}/jumin").status_code == 404
    assert _state(seeded_db) == before

    r = city_admin.client.put(f"{path}/juminhyo_kojin", json={"note": NOTE, "enabled": False})
    assert r.status_code == 200, r.text
    assert r.json() == {"form_id": "juminhyo_kojin", "certification_text": "", "note": NOTE, "enabled": False,
                        "customised": True}
    listed = {f["form_id"]: f for f in city_admin.get(path).json()["forms"]}
    assert listed["juminhyo_kojin"]["enabled"] is False and listed["inkan"]["customised"] is False
    assert city_admin.client.delete(f"{path}/juminhyo_kojin").json() == {"form_id": "juminhyo_kojin",
                                                                         "cleared": True}
    assert city_admin.client.delete(f"{path}/juminhyo_kojin").json()["cleared"] is False
    assert _state(seeded_db) == (before[0], before[1] + 2, before[2] + 2)


# ---------------------------------------------------------------------------------------------
# Change feed → replica, and the certificates online and in BCP mode
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def terminal(server: Any, tmp_path: Path, memory_keyring: Any) -> Iterator[Terminal]:
    t = Terminal.build(tmp_path / "t1", terminal_login(server.base_url), KeyStore())
    t.lease(20)
    t.bootstrap()
    yield t
    t.close()


def _replica_forms(t: Terminal) -> dict[str, Any]:
    with t.store.read() as conn:
        return form_parameters(conn)


def _pdf_text(cert: Any) -> str:
    content = cert.content if hasattr(cert, "content") else CertificateContent.from_dict(cert["content"])
    token = cert.qr_token if hasattr(cert, "qr_token") else cert["qr_token"]
    return _squash(pdftotext(render_certificate(content, token).pdf))


def _form_checksum_matches(t: Terminal) -> None:
    """The server's checksum of the kind equals one computed over the replica's stored texts."""
    remote = t.remote.replica_checksum(None)["kinds"]["form_parameter"]
    with t.store.read() as conn:
        rows = conn.exec_driver_sql(
            "SELECT key, data FROM other_records WHERE kind = 'form_parameter'").fetchall()
    assert remote == {"count": len(rows), "digest": combine([text_digest(k, d) for k, d in rows])}


def test_feed_carries_set_and_clear_and_both_paths_print_the_parameters(
    server: Any, seeded_db: str, city_admin: Any, city_clerk: Any, terminal: Terminal
) -> None:
    path = "/api/v1/admin/form-parameters"
    subject, other = plain_subjects(seeded_db, 2)
    assert _replica_forms(terminal) == {}

    # defaults: the built-in 認証文 and no 備考 line, online and in BCP mode
    r = city_clerk.post("/api/v1/issuances", json={"request": self_request(subject)})
    assert r.status_code == 201, r.text
    online = _pdf_text(r.json()["certificates"][0])
    bcp = terminal.issuer.issue(juminhyo(other), user_id="clerk1", printer_id="P001", now=now_utc())
    assert bcp.certificates[0].content.mode is Mode.BCP
    for text in (online, _pdf_text(bcp.certificates[0])):
        assert _squash(CERT_JUMINHYO) in text and _squash(NOTE) not in text

    # set: the replica has it after one delta pull; the checksums agree
    assert city_admin.client.put(f"{path}/juminhyo_kojin",
                                 json={"certification_text": OVERRIDE, "note": NOTE}).status_code == 200
    assert city_admin.client.put(f"{path}/inkan", json={"enabled": False}).status_code == 200
    result = ReplicaSync(terminal.store, terminal.remote).pull()
    assert result.action == "delta" and result.applied >= 2
    forms = _replica_forms(terminal)
    assert set(forms) == {"juminhyo_kojin", "inkan"}
    assert (forms["juminhyo_kojin"].certification_text, forms["juminhyo_kojin"].note) == (OVERRIDE, NOTE)
    assert forms["inkan"].enabled is False
    _form_checksum_matches(terminal)
    assert ReplicaSync(terminal.store, terminal.remote).compare_checksums(repair=False).matches

    # both paths print the override and the 備考 line, and the content is the same
    r = city_clerk.post("/api/v1/issuances", json={"request": self_request(subject)})
    assert r.status_code == 201, r.text
    online_cert = r.json()["certificates"][0]
    bcp = terminal.issuer.issue(juminhyo(other), user_id="clerk1", printer_id="P001", now=now_utc())
    online_content = CertificateContent.from_dict(online_cert["content"])
    for content in (online_content, bcp.certificates[0].content):
        assert content.certification_text == OVERRIDE and content.notes == (NOTE,)
    for text in (_pdf_text(online_cert), _pdf_text(bcp.certificates[0])):
        assert _squash(OVERRIDE) in text and _squash(NOTE) in text and _squash(CERT_JUMINHYO) not in text

    # the form disabled at the server after these BCP issuances: syncing them back is no conflict
    assert city_admin.client.put(f"{path}/juminhyo_kojin", json={"enabled": False}).status_code == 200
    pushed = terminal.pusher().push(now_utc)
    assert (pushed.stored, pushed.rejected, pushed.conflicts) == (2, 0, [])
    assert city_admin.client.put(f"{path}/juminhyo_kojin", json={"enabled": True}).status_code == 200

    # a disabled form is refused on both paths
    inkan = self_request(subject, cert_type="inkan", inkan_card_no="X")
    r = city_clerk.post("/api/v1/issuances", json={"request": inkan})
    assert r.status_code != 201 and "form_disabled" in r.text
    from dataclasses import replace

    from client.domain.model import CertificateType

    with pytest.raises(BcpRefused) as refused:
        terminal.issuer.issue(replace(juminhyo(other), cert_type=CertificateType.INKAN, inkan_card_no="X"),
                              user_id="clerk1", printer_id="P001", now=now_utc())
    assert "form_disabled" in {r.code for r in refused.value.decision.reasons}

    # clear: a delete in the feed; the replica forgets it and both paths print the default again
    assert city_admin.client.delete(f"{path}/juminhyo_kojin").json()["cleared"] is True
    assert city_admin.client.delete(f"{path}/inkan").json()["cleared"] is True
    ReplicaSync(terminal.store, terminal.remote).pull()
    assert _replica_forms(terminal) == {}
    _form_checksum_matches(terminal)
    r = city_clerk.post("/api/v1/issuances", json={"request": self_request(subject)})
    bcp = terminal.issuer.issue(juminhyo(other), user_id="clerk1", printer_id="P001", now=now_utc())
    for text in (_pdf_text(r.json()["certificates"][0]), _pdf_text(bcp.certificates[0])):
        assert _squash(CERT_JUMINHYO) in text and _squash(OVERRIDE) not in text and _squash(NOTE) not in text
    assert CERT_INKAN  # the default 印鑑 wording is untouched by any of this


def test_bootstrap_carries_form_parameters(server: Any, seeded_db: str, city_admin: Any, tmp_path: Path,
                                           memory_keyring: Any) -> None:
    r = city_admin.client.put("/api/v1/admin/form-parameters/kazei",
                              json={"certification_text": OVERRIDE, "note": NOTE})
    assert r.status_code == 200, r.text
    t = Terminal.build(tmp_path / "t2", terminal_login(server.base_url), KeyStore())
    try:
        t.bootstrap()
        forms = _replica_forms(t)
        assert list(forms) == ["kazei"] and forms["kazei"].note == NOTE
        _form_checksum_matches(t)
        # the nightly comparison covers the kind too: silent drift is found and repaired
        with t.store.write() as conn:
            conn.exec_driver_sql("DELETE FROM other_records WHERE kind = 'form_parameter'")
        report = ReplicaSync(t.store, t.remote).compare_checksums()
        assert report.mismatched_kinds == ("form_parameter",) and report.repaired
        assert _replica_forms(t)["kazei"].note == NOTE
        assert ReplicaSync(t.store, t.remote).compare_checksums(repair=False).matches
    finally:
        t.close()
    assert CODE == CITY_CODE


def _sealed_subjects(db_url: str, count: int) -> list[tuple[str, str, str]]:
    """(宛名番号, 印鑑登録証 card no, 登録番号) of plain subjects with an active seal registration."""
    from sqlalchemy.orm import Session

    from server_stub.models import SealRegistration

    plain = plain_subjects(db_url, 100)
    engine = make_engine(db_url)
    try:
        with Session(engine) as s:
            rows = s.execute(select(SealRegistration.atena_no, SealRegistration.card_no,
                                    SealRegistration.registration_no).where(
                SealRegistration.municipality_code == CITY_CODE, SealRegistration.status == "active",
                SealRegistration.atena_no.in_(plain))).all()
    finally:
        engine.dispose()
    assert len(rows) >= count
    return [(a, c, r) for a, c, r in rows[:count]]


def test_inkan_registration_no_is_a_municipal_option_printed_the_same_online_and_in_bcp(
    server: Any, seeded_db: str, city_admin: Any, city_clerk: Any, terminal: Terminal
) -> None:
    from dataclasses import replace

    from client.domain.model import CertificateType

    path = "/api/v1/admin/form-parameters"
    ((subject, card, number),) = _sealed_subjects(seeded_db, 1)

    def both() -> tuple[str, str]:
        """The same person's 印鑑登録証明書 online and from the replica (BCP), as pdftotext reads it."""
        r = city_clerk.post("/api/v1/issuances", json={
            "request": self_request(subject, cert_type="inkan", inkan_card_no=card)})
        assert r.status_code == 201, r.text
        request = replace(juminhyo(subject), cert_type=CertificateType.INKAN, inkan_card_no=card)
        bcp = terminal.issuer.issue(request, user_id="clerk1", printer_id="P001", now=now_utc())
        return _pdf_text(r.json()["certificates"][0]), _pdf_text(bcp.certificates[0])

    # default: no 登録番号 on either path
    for text in both():
        assert "登録番号" not in text
    # bad input: only the inkan form takes it, and only true/false; nothing changes
    before = _state(seeded_db)
    assert city_admin.client.put(f"{path}/juminhyo_kojin", json={"registration_no": True}).status_code == 422
    assert city_admin.client.put(f"{path}/inkan", json={"registration_no": "perhaps"}).status_code == 422
    assert _state(seeded_db) == before

    r = city_admin.client.put(f"{path}/inkan", json={"registration_no": True})
    assert r.status_code == 200 and r.json()["registration_no"] is True
    ReplicaSync(terminal.store, terminal.remote).pull()
    assert _replica_forms(terminal)["inkan"].registration_no is True
    _form_checksum_matches(terminal)
    online, bcp = both()
    # pdftotext reads the labels, then the values: …性別登録番号住所<name><birth>男<登録番号><address>…
    body = online.split("手数料")[0]
    assert "性別登録番号住所" in body and f"{number}東京都" in body, online
    # identical on both paths: everything above the 手数料 (title, 印影, person, 認証文, date, issuer)
    assert body == bcp.split("手数料")[0]

    # cleared: gone again on both paths
    assert city_admin.client.delete(f"{path}/inkan").json()["cleared"] is True
    ReplicaSync(terminal.store, terminal.remote).pull()
    for text in both():
        assert "登録番号" not in text
