"""The line format of replica pages (server_stub.replica.wire → client.remote.wire) and the
record text the server writes with orjson."""

from __future__ import annotations

import json

import orjson
import pytest

from client.remote.wire import PageFormatError, parse_lines_page, parse_record_lines, split_lines_page
from server_stub.replica.records import rec_dict, tax_data
from server_stub.replica.wire import lines_body

AWKWARD = "𠮷野\t太郎\n「髙橋」\\ \"quoted\" \u2028 \x01 é"


def _page(records: list) -> dict:
    return {"records": records, "next_cursor": "abc", "as_of_seq": 7, "total": None, "server_time": "t"}


def data_text(data: dict) -> str:
    return orjson.dumps(data).decode()  # how replica_records writes every record's data


def test_record_text_is_what_json_dumps_writes() -> None:
    data = {"name": AWKWARD, "n": 12, "flag": True, "none": None, "list": ["a", 1, False], "nested": {"k": "值"}}
    assert data_text(data) == json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def test_tax_text_fast_path_equals_the_dict_encoding() -> None:
    args = ("0000123456", 2025, 1, 4_500_000, 4_000_000, 1_200_000, 3_300_000, 198_000, 132_000, 2)
    expected = orjson.dumps({"atena_no": "0000123456", "tax_year": 2025, "resided_on_jan1": True,
                             "total_income": 4_500_000, "salary_income": 4_000_000, "deductions": 1_200_000,
                             "taxable_income": 3_300_000, "municipal_tax": 198_000, "prefectural_tax": 132_000,
                             "dependents": 2, "breakdown": {}})
    assert tax_data(*args) == expected
    by_kind = '{"pension_income":1200000,"social_insurance":150000}'
    assert json.loads(tax_data(*args, by_kind))["breakdown"] == {"pension_income": 1_200_000, "social_insurance": 150_000}
    assert tax_data(*args, by_kind) == orjson.dumps({**json.loads(expected), "breakdown": json.loads(by_kind)})
    odd = tax_data('12"3', 2025, 0, 1, 2, 3, 4, 5, 6, 7)  # not alphanumeric: encoded, not formatted
    assert json.loads(odd)["atena_no"] == '12"3' and json.loads(odd)["resided_on_jan1"] is False


def test_lines_round_trip_dicts_and_tuples_with_awkward_text() -> None:
    text = data_text({"name": AWKWARD, "kana": "ヨシノ"})
    records = [
        {"kind": "resident", "key": "A1", "op": "upsert", "data": text, "index": ["H1", "resident", AWKWARD]},
        {"kind": "resident", "key": "A2", "op": "delete", "data": None},
        ("household", "H\t1", "upsert", None, orjson.dumps({"address": AWKWARD})),
    ]
    page = parse_lines_page(lines_body(_page(records)))
    assert page["next_cursor"] == "abc" and page["as_of_seq"] == 7 and page["count"] == 3
    got = page["records"]
    assert got[0] == records[0]
    assert got[1] == {"kind": "resident", "key": "A2", "op": "delete", "data": None}
    assert got[2] == rec_dict(records[2]) and json.loads(got[2]["data"])["address"] == AWKWARD


def test_an_empty_page_round_trips() -> None:
    page = parse_lines_page(lines_body(_page([])))
    assert page["records"] == [] and page["count"] == 0


@pytest.mark.parametrize("damage", ["truncate", "flip", "no_head", "bad_head"])
def test_damaged_pages_are_refused(damage: str) -> None:
    body = lines_body(_page([{"kind": "tax", "key": f"A{i}:2025", "op": "upsert", "data": '{"x":1}',
                              "index": [f"A{i}", 2025]} for i in range(50)]))
    if damage == "truncate":
        body = body[: len(body) - 40]
    elif damage == "flip":
        body = body[:-10] + bytes([body[-10] ^ 0x01]) + body[-9:]
    elif damage == "no_head":
        body = body.replace(b"\n", b" ")
    else:
        body = b"{not json" + body[body.index(b"\n"):]
    with pytest.raises(PageFormatError):
        parse_lines_page(body)


def test_record_lines_that_pass_the_checksum_but_do_not_parse_are_refused() -> None:
    # a server bug rather than a damaged line: still refused as a whole page, never half-applied
    for raw, count in [(b'["resident","A1","upsert"]\t{}', 1),        # head of three, not four
                       (b'["resident","A1","upsert",null]\t{}', 2),   # count disagrees
                       (b'[1,"A1","upsert",null]\t{}', 1),            # kind not text
                       (b'["resident","A1","upsert",null]\t\xff', 1)]:  # not UTF-8
        with pytest.raises(PageFormatError):
            parse_record_lines(raw, count)


def test_split_checks_the_checksum_before_reading_records() -> None:
    body = lines_body(_page([{"kind": "staff", "key": "u1", "op": "upsert", "data": "{}"}]))
    head, raw = split_lines_page(body)
    assert head["count"] == 1 and raw.startswith(b'["staff","u1","upsert",null]\t')
