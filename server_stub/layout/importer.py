"""``import-layout``: validate every row of every file, then write all of it in one transaction or
nothing at all. Rows equal to what the database holds are left alone (re-import changes nothing).

Rows are upserted by their natural key (世帯番号, 宛名番号, 登録番号) within the municipality; rows
the files do not mention are kept. Every insert or update writes its change-feed record in the
same transaction, so terminals' replicas see the migrated data.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from client.domain.foreign import FOREIGN_RESIDENTS_FROM
from client.domain.kana import name_search_keys
from client.domain.search_query import address_search_key, name_search_key
from server_stub.db import begin_write
from server_stub.layout.codec import CellError, RowError, parse_row
from server_stub.layout.csvio import LayoutFileError, parse_csv
from server_stub.layout.spec import INKAN, KIND_BY_HEADER, KINDS, KOJIN, SETAI, RecordKind
from server_stub.models import Household, Municipality, Resident, SealRegistration
from server_stub.replica import changes

MODELS: dict[str, Any] = {"JUKI_SETAI": Household, "JUKI_KOJIN": Resident, "INKAN": SealRegistration}
CHUNK = 500


@dataclass
class _Row:
    file: str
    line: int
    kind: RecordKind
    values: dict[str, Any]
    key: str
    ok: bool = True


@dataclass
class ImportReport:
    municipality_code: str
    files: list[dict[str, Any]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    inserted: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    committed: bool = False

    @property
    def rejected_rows(self) -> int:
        return len({(e.file, e.line) for e in self.errors})

    def to_dict(self) -> dict[str, Any]:
        return {
            "municipality_code": self.municipality_code,
            "committed": self.committed,
            "files": self.files,
            "rejected_rows": self.rejected_rows,
            "errors": [e.to_dict() for e in self.errors],
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }


@dataclass(frozen=True)
class NewMunicipality:
    """Create the municipality in the same transaction when it does not exist yet."""

    name: str
    prefecture: str
    mayor_title: str
    mayor_name: str


class LayoutImportError(Exception):
    def __init__(self, message_en: str, message_ja: str) -> None:
        super().__init__(message_en)
        self.message_en = message_en
        self.message_ja = message_ja


def _error(row: _Row | tuple[str, int, RecordKind, str], column: str, code: str, ja: str, en: str) -> RowError:
    if isinstance(row, _Row):
        row.ok = False
        return RowError(row.file, row.line, row.kind.key, row.key, column, code, ja, en)
    file, line, kind, key = row
    return RowError(file, line, kind.key, key, column, code, ja, en)


def read_files(paths: Sequence[Path], code: str, encoding: str, report: ImportReport) -> dict[str, list[_Row]]:
    """Parse every file; cell-level problems go to the report. File-level problems raise."""
    rows: dict[str, list[_Row]] = {k.key: [] for k in KINDS}
    seen: dict[tuple[str, str], tuple[str, int]] = {}
    for path in paths:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise LayoutImportError(f"cannot read {path}: {exc}", f"ファイル {path} を読み込めません。") from exc
        try:
            table = parse_csv(data, encoding)
        except LayoutFileError as exc:
            raise LayoutImportError(f"{path}: {exc.message_en}", f"{path}: {exc.message_ja}") from exc
        kind = KIND_BY_HEADER.get(table.header)
        if kind is None:
            raise LayoutImportError(
                f"{path}: the header row matches no record kind (expected one of {', '.join(k.file_name for k in KINDS)})",
                f"{path}: 見出し行がレイアウト(世帯・個人・印鑑登録)のいずれとも一致しません。",
            )
        name = Path(path).name
        report.files.append({"file": name, "kind": kind.key, "encoding": table.encoding, "rows": len(table.rows)})
        key_index = kind.header.index(next(c.name for c in kind.columns if c.attr == kind.key_attr))
        for line, cells in table.rows:
            key = cells[key_index] if key_index < len(cells) else ""
            if len(cells) != len(kind.columns):
                report.errors.append(_error((name, line, kind, key), "", "wrong_column_count",
                                            f"項目数が{len(cells)}です({len(kind.columns)}項目必要)。",
                                            f"{len(cells)} columns, {len(kind.columns)} expected"))
                continue
            values, cell_errors = parse_row(kind, cells)
            row = _Row(name, line, kind, values, key)
            for ce in cell_errors:
                report.errors.append(_cell_error(row, ce))
            if "municipality_code" in values and values["municipality_code"] != code:
                report.errors.append(_error(row, "団体コード", "wrong_municipality",
                                            f"団体コード{values['municipality_code']}は取込先({code})と異なります。",
                                            f"municipality {values['municipality_code']} is not the target {code}"))
            previous = seen.get((kind.key, key))
            if previous is not None and key:
                report.errors.append(_error(row, kind.columns[key_index].name, "duplicate_key",
                                            f"{previous[0]} {previous[1]}行目と同じキーです。",
                                            f"same key as {previous[0]} line {previous[1]}"))
            seen[(kind.key, key)] = (name, line)
            rows[kind.key].append(row)
    return rows


def _cell_error(row: _Row, ce: CellError) -> RowError:
    return _error(row, getattr(ce, "column", ""), ce.code, ce.message_ja, ce.message_en)


def _load(session: Session, model: Any, code: str, attr: str, keys: Iterable[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    keys = sorted(set(k for k in keys if k))
    column = getattr(model, attr)
    for i in range(0, len(keys), CHUNK):
        stmt = select(model).where(model.municipality_code == code, column.in_(keys[i:i + CHUNK]))
        for obj in session.scalars(stmt):
            out[getattr(obj, attr)] = obj
    return out


def _household_members(session: Session, code: str, household_nos: Iterable[str]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = defaultdict(list)
    nos = sorted(set(household_nos))
    for i in range(0, len(nos), CHUNK):
        stmt = select(Resident.atena_no, Resident.household_no, Resident.status, Resident.is_head).where(
            Resident.municipality_code == code, Resident.household_no.in_(nos[i:i + CHUNK]))
        for r in session.execute(stmt):
            out[r.household_no].append(r)
    return out


def foreign_resident_problems(v: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(column, code, ja, en) for 外国人住民 items that cannot be (30条の45)."""
    out: list[tuple[str, str, str, str]] = []
    if not v.get("is_foreign"):
        return out
    became = v.get("became_resident_on")
    if became is not None and became < FOREIGN_RESIDENTS_FROM:
        out.append(("住民となった年月日", "foreign_resident_before_2012",
                    "外国人住民となった年月日は平成24年7月9日より前にはなりません。",
                    "a foreign resident's date of becoming a resident cannot be before 2012-07-09"))
    if v.get("foreign_category") == "特別永住者" and (v.get("residence_status") or v.get("residence_period")):
        out.append(("在留資格", "special_permanent_with_status",
                    "特別永住者には在留資格・在留期間はありません。",
                    "a special permanent resident has no status of residence nor period of stay"))
    return out


def _row_checks(rows: dict[str, list[_Row]], report: ImportReport) -> None:
    """Checks inside one row that need several of its cells."""
    for row in rows[KOJIN.key]:
        v = row.values
        if {"status", "removed_on", "removal_reason"} <= v.keys():
            if v["status"] == "resident" and (v["removed_on"] is not None or v["removal_reason"]):
                report.errors.append(_error(row, "住民状態", "inconsistent_status",
                                            "住民状態が住民なのに消除日・消除事由があります。",
                                            "a current resident with a removal date or reason"))
            if v["status"] != "resident" and (v["removed_on"] is None or not v["removal_reason"]):
                report.errors.append(_error(row, "消除日", "inconsistent_status",
                                            "消除された住民には消除日と消除事由が必要です。",
                                            "a removed person needs a removal date and reason"))
        for problem in foreign_resident_problems(v):
            report.errors.append(_error(row, *problem))
        if {"is_head", "relation"} <= v.keys() and v["is_head"] != (v["relation"] == "世帯主"):
            report.errors.append(_error(row, "続柄", "head_relation_mismatch",
                                        "世帯主区分と続柄(世帯主)が一致しません。",
                                        "世帯主区分 and 続柄 disagree"))


def _cross_checks(session: Session, code: str, rows: dict[str, list[_Row]], report: ImportReport) -> None:
    setai = {r.key: r for r in rows[SETAI.key] if r.ok}
    kojin = {r.key: r for r in rows[KOJIN.key]}
    db_households = _load(session, Household, code, "household_no",
                          [*setai, *(r.values.get("household_no", "") for r in kojin.values())])
    mentioned = [*(r.values.get("head_atena_no", "") for r in setai.values()),
                 *(r.values.get("atena_no", "") for r in rows[INKAN.key])]
    db_residents = _load(session, Resident, code, "atena_no", mentioned)
    for row in kojin.values():
        hno = row.values.get("household_no")
        if hno and hno not in setai and hno not in db_households:
            report.errors.append(_error(row, "世帯番号", "unknown_household",
                                        f"世帯番号{hno}の世帯がありません。", f"no household {hno}"))
    for row in rows[INKAN.key]:
        ano = row.values.get("atena_no")
        if ano and ano not in kojin and ano not in db_residents:
            report.errors.append(_error(row, "宛名番号", "unknown_resident",
                                        f"宛名番号{ano}の住民がいません。", f"no resident {ano}"))
    # 世帯主: every household with current members has exactly one current head.
    touched = {*setai, *(r.values["household_no"] for r in kojin.values() if "household_no" in r.values)}
    members: dict[str, dict[str, tuple[str, bool]]] = defaultdict(dict)
    household_of: dict[str, str] = {}
    for hno, db_rows in _household_members(session, code, touched).items():
        for r in db_rows:
            members[hno][r.atena_no] = (r.status, bool(r.is_head))
            household_of[r.atena_no] = hno
    for row in kojin.values():
        v = row.values
        if not {"household_no", "status", "is_head"} <= v.keys():
            continue
        previous = household_of.get(row.key)
        if previous is not None:  # the file may move a person to another household
            members[previous].pop(row.key, None)
        members[v["household_no"]][row.key] = (v["status"], bool(v["is_head"]))
        household_of[row.key] = v["household_no"]
    for hno in sorted(touched):
        current = [(a, head) for a, (status, head) in members.get(hno, {}).items() if status == "resident"]
        heads = [a for a, head in current if head]
        head_no = setai[hno].values.get("head_atena_no", "") if hno in setai else ""
        problem: tuple[str, str, str] | None = None
        if current and not heads:
            problem = ("missing_household_head", f"世帯{hno}に世帯主がいません。", f"household {hno} has no head")
        elif len(heads) > 1:
            problem = ("multiple_household_heads", f"世帯{hno}に世帯主が複数います。", f"household {hno} has several heads")
        elif heads and head_no and head_no != heads[0]:
            problem = ("head_mismatch", f"世帯{hno}の世帯主宛名番号が世帯主区分の住民と一致しません。",
                       f"household {hno}: 世帯主宛名番号 is not the member flagged as head")
        if problem is None:
            continue
        targets = [setai[hno]] if hno in setai else [r for r in kojin.values() if r.values.get("household_no") == hno]
        for target in targets[:1]:
            report.errors.append(_error(target, "世帯主宛名番号" if target.kind is SETAI else "世帯主区分", *problem))


def _derived(kind: RecordKind, values: dict[str, Any], now: datetime) -> dict[str, Any]:
    out = dict(values)
    if kind is KOJIN:
        keys = name_search_keys(out["kana"])
        out["name_key"] = name_search_key(out["name"])
        out["alias_key"] = name_search_key(out.get("alias") or "")
        out["kana_key"] = keys[0] if keys else ""
        out["given_kana_key"] = keys[1] if len(keys) > 1 else ""
        out["address_key"] = address_search_key(out["address"] + out["katagaki"])
    if kind is not INKAN:
        out["updated_at"] = now
    return out


def _apply(session: Session, code: str, rows: dict[str, list[_Row]], report: ImportReport, now: datetime) -> None:
    items: list[tuple[str, str, str]] = []
    for kind in KINDS:
        model = MODELS[kind.key]
        existing = _load(session, model, code, kind.key_attr, [r.key for r in rows[kind.key]])
        new_rows: list[dict[str, Any]] = []
        updated = unchanged = 0
        for row in rows[kind.key]:
            obj = existing.get(row.key)
            if obj is None:
                new_rows.append(_derived(kind, row.values, now))
            elif all(getattr(obj, attr) == value for attr, value in row.values.items()):
                unchanged += 1
                continue
            else:
                for attr, value in _derived(kind, row.values, now).items():
                    setattr(obj, attr, value)
                updated += 1
            items.append((kind.change_kind, row.key, changes.UPSERT))
        if new_rows:
            for i in range(0, len(new_rows), CHUNK):
                session.execute(insert(model.__table__), new_rows[i:i + CHUNK])
        session.flush()
        report.inserted[kind.key] = len(new_rows)
        report.updated[kind.key] = updated
        report.unchanged[kind.key] = unchanged
    if items:
        changes.record_changes(session, code, items, now)


def import_layout(factory: sessionmaker[Session], code: str, paths: Sequence[Path], *, encoding: str = "auto",
                  create: NewMunicipality | None = None, now: datetime | None = None) -> ImportReport:
    """Validate and import; ``report.committed`` says whether anything was written."""
    now = now or datetime.now(UTC)
    report = ImportReport(code)
    rows = read_files(paths, code, encoding, report)
    _row_checks(rows, report)
    with factory() as session:
        begin_write(session)
        try:
            if session.get(Municipality, code) is None:
                if create is None:
                    raise LayoutImportError(
                        f"municipality {code} does not exist (give --name and --prefecture to create it)",
                        f"団体{code}が登録されていません(--name と --prefecture を指定すると作成します)。",
                    )
                from server_stub.tenants.municipalities import TenantError, create_municipality

                try:
                    create_municipality(session, code=code, name=create.name, prefecture=create.prefecture,
                                        mayor_title=create.mayor_title, mayor_name=create.mayor_name, now=now)
                except TenantError as exc:
                    raise LayoutImportError(str(exc), f"団体を作成できません: {exc}") from exc
                session.flush()
            _cross_checks(session, code, rows, report)
            if report.errors:
                session.rollback()
                report.errors.sort(key=lambda e: (e.file, e.line, e.column))
                return report
            _apply(session, code, rows, report, now)
            session.commit()
        except BaseException:
            session.rollback()
            raise
    report.committed = True
    return report
