"""``madoguchi issue`` can make every request the API accepts (issue 16): 職務上請求 with the
qualification, 登録番号 and 依頼者, 特別の請求, 同一世帯員 by 宛名番号, 郵送交付, layout choice."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from tests.fixtures.counter_server import CLERK, pick_household_head
from tests.fixtures.pdftools import pdftotext
from tests.integration.test_services_cli import _home, _run


def _issue(env: dict[str, str], out: Path, *args: str) -> tuple[int, dict[str, Any]]:
    result = _run(["issue", *args, "--out", str(out), "--json", "--user", CLERK[0], "--password-stdin"], env)
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout) if result.stdout.strip() else {"stderr": result.stderr}


def _flat(pdf: Path) -> str:
    return "".join(pdftotext(pdf.read_bytes()).split())


def _stored_requests(db_url: str) -> list[dict[str, Any]]:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT request_json FROM issuances ORDER BY issued_at")).all()
    engine.dispose()
    return [json.loads(r[0]) for r in rows]


@pytest.mark.parametrize("seeded_db", ["sqlite"], indirect=True)
def test_cli_makes_professional_special_household_and_postal_requests(server: Any, seeded_db: str,
                                                                       tmp_path: Path) -> None:
    env = _home(tmp_path, server.base_url)
    head = pick_household_head(seeded_db, min_members=2)
    engine = create_engine(seeded_db)
    with engine.connect() as conn:
        honseki, member = conn.execute(text(
            "SELECT (SELECT honseki FROM residents WHERE atena_no = :a AND municipality_code = '132403'), "
            "(SELECT atena_no FROM residents WHERE household_no = :h AND atena_no <> :a AND status = 'resident' "
            " AND municipality_code = '132403' ORDER BY atena_no LIMIT 1)"),
            {"a": head.atena_no, "h": head.household_no}).one()
    engine.dispose()
    pro = ["--resident", head.atena_no, "--type", "juminhyo", "--requester", "professional",
           "--requester-name", "弁護 士郎", "--id-document", "official_id", "--purpose", "訴訟手続のため",
           "--address", "東京都千代田区霞が関1-1-1", "--qualification", "弁護士"]
    # registration number and client missing: refused with both reasons
    code, body = _issue(env, tmp_path / "a.pdf", *pro)
    assert code == 1 and {"registration_no_missing", "client_missing"} <= {r["code"] for r in body["reasons"]}
    complete = [*pro, "--registration-no", "第12345号", "--client-name", "依頼 一郎"]
    code, body = _issue(env, tmp_path / "pro.pdf", *complete)
    assert code == 0, body
    assert honseki and "".join(honseki.split()) not in _flat(tmp_path / "pro.pdf")  # 基礎証明事項 only
    # a qualification outside the eight is a usage error (closed list)
    bad = _run(["issue", *pro[:-1], "不動産鑑定士", "--out", str(tmp_path / "x.pdf"), "--user", CLERK[0],
                "--password-stdin"], env)
    assert bad.returncode == 2 and not (tmp_path / "x.pdf").exists()
    # 本籍 for a third party: refused without an accepted 特別の請求, printed with one
    code, body = _issue(env, tmp_path / "b.pdf", *complete, "--include", "honseki")
    assert code == 1 and [r["code"] for r in body["reasons"]] == ["special_request_not_accepted"]
    code, body = _issue(env, tmp_path / "special.pdf", *complete, "--include", "honseki",
                        "--special-reason", "相続登記のため本籍の記載が必要", "--special-accepted")
    assert code == 0, body
    assert "".join(honseki.split()) in _flat(tmp_path / "special.pdf")
    # 同一世帯員 named by 宛名番号, 世帯連記式 for one person
    code, body = _issue(env, tmp_path / "renki.pdf", "--resident", head.atena_no, "--type", "juminhyo",
                        "--requester", "household", "--requester-atena", member, "--layout", "renki")
    assert code == 0, body
    # 個人番号 for an agent: not at the counter, by post to the subject's address
    agent = ["--resident", head.atena_no, "--type", "juminhyo", "--requester", "agent", "--requester-name",
             "代理 花子", "--id-document", "drivers_license", "--power-of-attorney", "--include", "my_number"]
    code, body = _issue(env, tmp_path / "c.pdf", *agent)
    assert code == 1 and [r["code"] for r in body["reasons"]] == ["agent_my_number_counter"]
    code, body = _issue(env, tmp_path / "post.pdf", *agent, "--deliver-by-post", "--by-post")
    assert code == 0, body
    assert body["delivery"] == "post" and [w["code"] for w in body["warnings"]] == ["agent_my_number_by_post"]
    stored = _stored_requests(seeded_db)
    assert len(stored) == 4
    pro_req, special_req, renki_req, post_req = stored
    assert (pro_req["requester"]["qualification"], pro_req["requester"]["registration_no"],
            pro_req["requester"]["client_name"], pro_req["requester"]["address"]) == (
        "弁護士", "第12345号", "依頼 一郎", "東京都千代田区霞が関1-1-1")
    assert special_req["requester"]["special_accepted"] and special_req["items"] == ["honseki"]
    assert renki_req["layout"] == "renki" and renki_req["requester"]["requester_atena_no"] == member
    assert post_req["deliver_by_post"] and post_req["requester"]["by_post"]
