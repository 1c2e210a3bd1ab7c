"""Migration layout: validation report, all-or-nothing, idempotent re-import, cp932 = UTF-8,
byte-identical round trip (SQLite and PostgreSQL), and the CLI."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from client.domain.checkdigits import is_valid_atena_no
from server_stub.db import make_engine, make_sessionmaker
from server_stub.layout.exporter import LayoutExportError, export_layout
from server_stub.layout.importer import LayoutImportError, NewMunicipality, import_layout
from server_stub.models import ChangeLogEntry, Household, Municipality, Resident, SealRegistration
from server_stub.seed.demo import TOWN, seed_demo
from server_stub.seed.generator import seed_residents
from tests.conftest import copy_sqlite

CODE = TOWN.code
NEW = NewMunicipality(TOWN.name, TOWN.prefecture, TOWN.mayor_title, TOWN.mayor_name)
SERVER_BIN = Path(sys.executable).with_name("madoguchi-server")


@pytest.fixture(scope="module")
def exported(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The town (≈250 residents, 外字 included) exported once from a seeded database."""
    root = tmp_path_factory.mktemp("layout-src")
    url = copy_sqlite(sqlite_template, root / "src.db")
    engine = make_engine(url, pool_size=1)
    factory = make_sessionmaker(engine)
    seed_demo(factory, residents=0, seed=5)
    seed_residents(factory, CODE, 250, 5)
    files = export_layout(factory, CODE, root / "export")
    engine.dispose()
    return {f.kind: f.path for f in files}


@pytest.fixture
def empty_factory(db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(db_url, pool_size=2)
    yield make_sessionmaker(engine)
    engine.dispose()


def _count(factory: sessionmaker[Session], model: object) -> int:
    with factory() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)  # type: ignore[arg-type]


def _read(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8"), newline="")))


def _write(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    buf = io.StringIO(newline="")
    csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def test_round_trip_is_byte_identical(exported: dict[str, Path], empty_factory: sessionmaker[Session],
                                      tmp_path: Path) -> None:
    report = import_layout(empty_factory, CODE, list(exported.values()), create=NEW)
    assert report.committed, report.errors[:5]
    assert report.inserted["JUKI_KOJIN"] == len(_read(exported["JUKI_KOJIN"])) - 1
    again = {f.kind: f.path for f in export_layout(empty_factory, CODE, tmp_path / "again")}
    for kind, path in exported.items():
        assert again[kind].read_bytes() == path.read_bytes(), kind
    # Imported rows carry their search keys and change-feed records (replicas see them).
    with empty_factory() as s:
        r = s.scalars(select(Resident).where(Resident.municipality_code == CODE).limit(1)).one()
        assert r.kana_key and r.name_key and r.address_key
        kinds = dict(s.execute(select(ChangeLogEntry.kind, func.count()).where(ChangeLogEntry.municipality_code == CODE)
                               .group_by(ChangeLogEntry.kind)).all())
    assert kinds["resident"] == report.inserted["JUKI_KOJIN"]
    assert kinds["seal"] == report.inserted["INKAN"]


def test_reimport_changes_nothing_and_an_edit_updates_one_row(exported: dict[str, Path], sqlite_template: Path,
                                                                tmp_path: Path) -> None:
    engine = make_engine(copy_sqlite(sqlite_template, tmp_path / "t.db"), pool_size=1)
    factory = make_sessionmaker(engine)
    assert import_layout(factory, CODE, list(exported.values()), create=NEW).committed
    changes_before = _count(factory, ChangeLogEntry)
    with factory() as s:
        stamps_before = dict(s.execute(select(Resident.atena_no, Resident.updated_at)).all())
    second = import_layout(factory, CODE, list(exported.values()))
    assert second.committed
    assert sum(second.inserted.values()) == 0 and sum(second.updated.values()) == 0
    assert second.unchanged["JUKI_KOJIN"] == len(stamps_before)
    assert _count(factory, ChangeLogEntry) == changes_before
    with factory() as s:
        assert dict(s.execute(select(Resident.atena_no, Resident.updated_at)).all()) == stamps_before

    rows = _read(exported["JUKI_KOJIN"])
    col = rows[0].index("方書")
    rows[3][col] = "移行テスト荘101号"
    edited = _write(tmp_path / "kojin.csv", rows)
    third = import_layout(factory, CODE, [edited])
    assert third.committed and third.updated["JUKI_KOJIN"] == 1 and third.inserted["JUKI_KOJIN"] == 0
    with factory() as s:
        last = s.scalars(select(ChangeLogEntry).order_by(ChangeLogEntry.seq.desc()).limit(1)).one()
        assert (last.kind, last.key) == ("resident", rows[3][rows[0].index("宛名番号")])
        assert s.scalars(select(Resident.katagaki).where(Resident.atena_no == last.key)).one() == "移行テスト荘101号"
    # A name with a character outside Shift_JIS: UTF-8 export works, cp932 export says which character.
    rows[3][rows[0].index("氏名")] = "𠮷田\u3000一郎"
    assert import_layout(factory, CODE, [_write(tmp_path / "kojin2.csv", rows)]).updated["JUKI_KOJIN"] == 1
    assert "𠮷田".encode() in export_layout(factory, CODE, tmp_path / "utf8")[1].path.read_bytes()
    with pytest.raises(LayoutExportError) as refused:
        export_layout(factory, CODE, tmp_path / "sjis", encoding="cp932")
    assert "𠮷" in refused.value.message_ja and not (tmp_path / "sjis" / "JUKI_KOJIN.csv").exists()
    engine.dispose()


def test_files_that_are_not_the_layout_are_refused(tmp_path: Path, sqlite_template: Path) -> None:
    engine = make_engine(copy_sqlite(sqlite_template, tmp_path / "t.db"), pool_size=1)
    factory = make_sessionmaker(engine)
    other = _write(tmp_path / "other.csv", [["氏名", "住所"], ["山田 太郎", "東京都"]])
    with pytest.raises(LayoutImportError) as refused:
        import_layout(factory, CODE, [other], create=NEW)
    assert "見出し行" in refused.value.message_ja
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(b"\x82\xa0\xff\xfe\x80\x81")
    with pytest.raises(LayoutImportError):
        import_layout(factory, CODE, [garbage], create=NEW)
    engine.dispose()


def _break_check_digit(number: str) -> str:
    bad = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert not is_valid_atena_no(bad)
    return bad


def test_broken_rows_are_each_reported_and_nothing_is_written(exported: dict[str, Path], empty_factory:
                                                              sessionmaker[Session], tmp_path: Path) -> None:
    kojin = _read(exported["JUKI_KOJIN"])
    h = {name: i for i, name in enumerate(kojin[0])}
    members = [r for r in kojin[1:] if r[h["世帯主区分"]] == "0" and r[h["住民状態"]] == "1"]
    expected: dict[tuple[str, int], str] = {}

    def line_of(row: list[str]) -> int:
        return kojin.index(row) + 1  # 1-based, the header is line 1

    a, b, c, d, e = members[:5]
    a[h["宛名番号"]] = _break_check_digit(a[h["宛名番号"]])
    expected[("JUKI_KOJIN.csv", line_of(a))] = "bad_check_digit"
    b[h["続柄"]] = "99"
    expected[("JUKI_KOJIN.csv", line_of(b))] = "unknown_code"
    c[h["届出日"]] = "20230230"
    expected[("JUKI_KOJIN.csv", line_of(c))] = "impossible_date"
    d[h["性別"]] = "7"
    expected[("JUKI_KOJIN.csv", line_of(d))] = "unknown_code"
    e[h["氏名"]] = ""
    expected[("JUKI_KOJIN.csv", line_of(e))] = "missing_value"
    # A household whose head row is missing: reported on the household's row.
    setai = _read(exported["JUKI_SETAI"])
    sh = {name: i for i, name in enumerate(setai[0])}
    heads = {r[h["宛名番号"]]: r for r in kojin[1:] if r[h["世帯主区分"]] == "1" and r[h["住民状態"]] == "1"}
    broken_members = {r[h["世帯番号"]] for r in (a, b, c, d, e)}
    target = next(s for s in setai[1:] if s[sh["世帯主宛名番号"]] in heads and s[sh["世帯番号"]] not in broken_members
                  and sum(1 for r in kojin[1:] if r[h["世帯番号"]] == s[sh["世帯番号"]] and r[h["住民状態"]] == "1") > 1)
    kojin.remove(heads[target[sh["世帯主宛名番号"]]])
    expected[("JUKI_SETAI.csv", setai.index(target) + 1)] = "missing_household_head"
    files = [_write(tmp_path / "JUKI_KOJIN.csv", kojin), _write(tmp_path / "JUKI_SETAI.csv", setai),
             exported["INKAN"]]

    report = import_layout(empty_factory, CODE, files, create=NEW)
    assert not report.committed
    found = {(err.file, err.line): err.code for err in report.errors if (err.file, err.line) in expected}
    for where, code in expected.items():
        assert code in {err.code for err in report.errors if (err.file, err.line) == where}, (where, found)
    # Seals of the removed head now point to nobody: those rows are rejected too, and nothing else.
    others = {(err.file, err.line) for err in report.errors} - set(expected)
    assert all(f == "INKAN.csv" for f, _ in others)
    assert all(err.code == "unknown_resident" for err in report.errors if err.file == "INKAN.csv")
    assert all(err.message_ja and err.message_en for err in report.errors)
    for model in (Municipality, Household, Resident, SealRegistration, ChangeLogEntry):
        assert _count(empty_factory, model) == 0, model


def test_cp932_and_utf8_inputs_give_the_same_database(exported: dict[str, Path], sqlite_template: Path,
                                                       tmp_path: Path) -> None:
    def encodable(text: str) -> str:  # 外字 outside Shift_JIS (𠮷) replaced in both inputs alike
        return "".join(ch if ch.encode("cp932", errors="ignore") or ch in "\r\n" else "吉" for ch in text)

    outputs = {}
    for encoding in ("utf-8", "cp932"):
        folder = tmp_path / encoding
        folder.mkdir()
        paths = []
        for path in exported.values():
            text = encodable(path.read_bytes().decode("utf-8"))
            paths.append(folder / path.name)
            paths[-1].write_bytes(text.encode(encoding))
        engine = make_engine(copy_sqlite(sqlite_template, folder / "db.db"), pool_size=1)
        factory = make_sessionmaker(engine)
        report = import_layout(factory, CODE, paths, create=NEW)
        assert report.committed and {f["encoding"] for f in report.files} == {encoding}
        outputs[encoding] = {f.kind: f.path.read_bytes() for f in export_layout(factory, CODE, folder / "out")}
        if encoding == "cp932":  # exported in cp932, the files are the input files byte for byte
            for f in export_layout(factory, CODE, folder / "out-cp932", encoding="cp932"):
                assert f.path.read_bytes() == (folder / f.path.name).read_bytes(), f.kind
        with factory() as s:
            outputs[encoding]["names"] = "\n".join(s.scalars(select(Resident.name).order_by(Resident.atena_no))).encode()
        engine.dispose()
    assert outputs["utf-8"] == outputs["cp932"]


def test_cli_import_rejects_and_export_round_trips(exported: dict[str, Path], sqlite_template: Path,
                                                   tmp_path: Path) -> None:
    url = copy_sqlite(sqlite_template, tmp_path / "cli.db")
    env_home = {"MADOGUCHI_SERVER_HOME": str(tmp_path / "home")}
    kojin = _read(exported["JUKI_KOJIN"])
    kojin[2][kojin[0].index("生年月日")] = "19991301"
    bad = _write(tmp_path / "bad.csv", kojin)
    run = subprocess.run([str(SERVER_BIN), "import-layout", "--db", url, "--municipality", CODE,
                          "--name", TOWN.name, "--prefecture", TOWN.prefecture, "--report", str(tmp_path / "r.json"),
                          str(exported["JUKI_SETAI"]), str(bad), str(exported["INKAN"])],
                         capture_output=True, text=True, env={**_env(), **env_home}, timeout=120)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "bad.csv:3" in run.stdout and "impossible_date" in run.stdout
    ok = subprocess.run([str(SERVER_BIN), "import-layout", "--db", url, "--municipality", CODE,
                         "--name", TOWN.name, "--prefecture", TOWN.prefecture, *map(str, exported.values())],
                        capture_output=True, text=True, env={**_env(), **env_home}, timeout=120)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    out = subprocess.run([str(SERVER_BIN), "export-layout", "--db", url, "--municipality", CODE,
                          "--out", str(tmp_path / "cli-out")], capture_output=True, text=True,
                         env={**_env(), **env_home}, timeout=120)
    assert out.returncode == 0, out.stderr
    for path in exported.values():
        assert (tmp_path / "cli-out" / path.name).read_bytes() == path.read_bytes()
    assert (tmp_path / "home" / "logs" / "server.log").is_file()


def _env() -> dict[str, str]:
    import os

    return dict(os.environ)


def test_foreign_resident_rows_follow_30_jo_no_45(exported: dict[str, Path], empty_factory: sessionmaker[Session],
                                                  tmp_path: Path) -> None:
    kojin = _read(exported["JUKI_KOJIN"])
    h = {name: i for i, name in enumerate(kojin[0])}
    foreign = [r for r in kojin[1:] if r[h["外国人区分"]] == "1"]
    assert foreign and all(r[h["30条の45規定区分"]] in ("1", "2") and r[h["在留カード等の番号"]] for r in foreign)
    assert all(r[h["住民となった年月日"]] >= "20120709" for r in foreign)  # as exported from the seed
    assert len(foreign) >= 2
    early, special = foreign[0], foreign[-1]
    early[h["住民となった年月日"]] = "20120708"  # the day before 改正住基法: no foreign resident yet
    special[h["30条の45規定区分"]] = "2"  # 特別永住者: with the 在留資格 left in place
    special[h["在留資格"]] = special[h["在留資格"]] or "特別永住者"
    report = import_layout(empty_factory, CODE, [_write(tmp_path / "JUKI_KOJIN.csv", kojin),
                                                 exported["JUKI_SETAI"], exported["INKAN"]], create=NEW)
    assert not report.committed
    codes = {(err.line, err.code) for err in report.errors}
    assert (kojin.index(early) + 1, "foreign_resident_before_2012") in codes, codes
    assert (kojin.index(special) + 1, "special_permanent_with_status") in codes, codes
    assert _count(empty_factory, Resident) == 0


def test_a_partial_birth_date_keeps_its_era_through_export_and_reimport(
        exported: dict[str, Path], empty_factory: sessionmaker[Session], tmp_path: Path) -> None:
    """平成31年 (not 令和元年), 昭和64年1月 (not 平成元年1月) and 昭和年月日不詳 survive the layout CSV."""
    from client.domain.partial_date import PartialDate
    from client.domain.wareki import format_partial

    kojin = _read(exported["JUKI_KOJIN"])
    h = {name: i for i, name in enumerate(kojin[0])}
    assert kojin[0][-1] == "生年月日元号" and {r[h["生年月日元号"]] for r in kojin[1:]} == {"0"}
    japanese = [r for r in kojin[1:] if r[h["外国人区分"]] == "0"]
    cases = {"20190000": ("4", "平成31年月日不詳"), "19890100": ("3", "昭和64年1月日不詳"),
             "00000000": ("3", "昭和年月日不詳")}
    edited = {}
    for row, (birth, (era, _printed)) in zip(japanese, cases.items(), strict=False):
        row[h["生年月日"]], row[h["生年月日区分"]], row[h["生年月日元号"]] = birth, "0", era
        edited[row[h["宛名番号"]]] = birth
    files = [_write(tmp_path / "JUKI_KOJIN.csv", kojin), exported["JUKI_SETAI"], exported["INKAN"]]
    report = import_layout(empty_factory, CODE, files, create=NEW)
    assert report.committed, report.errors[:5]
    with empty_factory() as s:
        births = dict(s.execute(select(Resident.atena_no, Resident.birth).where(Resident.atena_no.in_(edited))).all())
    printed = {edited[a]: format_partial(PartialDate.parse_str(b)) for a, b in births.items()}
    assert printed == {birth: text for birth, (_era, text) in cases.items()}
    # the export writes the era back: the file reads exactly as imported, and re-imports unchanged
    again = {f.kind: f.path for f in export_layout(empty_factory, CODE, tmp_path / "again")}
    assert again["JUKI_KOJIN"].read_bytes() == files[0].read_bytes()
    assert sum(import_layout(empty_factory, CODE, [again["JUKI_KOJIN"]]).updated.values()) == 0


@pytest.mark.parametrize("birth, era, code", [
    ("19850401", "3", "era_on_complete_date"),  # a complete date needs no era
    ("19500000", "4", "era_out_of_range"),  # 1950 is not a 平成 year
    ("20190000", "9", "unknown_code"),
])
def test_a_wrong_birth_era_is_refused(exported: dict[str, Path], empty_factory: sessionmaker[Session],
                                      tmp_path: Path, birth: str, era: str, code: str) -> None:
    kojin = _read(exported["JUKI_KOJIN"])
    h = {name: i for i, name in enumerate(kojin[0])}
    kojin[2][h["生年月日"]], kojin[2][h["生年月日区分"]], kojin[2][h["生年月日元号"]] = birth, "0", era
    report = import_layout(empty_factory, CODE, [_write(tmp_path / "JUKI_KOJIN.csv", kojin),
                                                 exported["JUKI_SETAI"], exported["INKAN"]], create=NEW)
    assert not report.committed and (3, code) in {(e.line, e.code) for e in report.errors}, report.errors[:3]
    assert _count(empty_factory, Resident) == 0
