"""``export-layout``: write the municipality's 世帯, 個人 and 印鑑登録 in the migration layout.

Rows are ordered by their natural key and every cell is quoted, so the same data always gives
the same bytes: export → import into an empty database → export is byte-identical.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from server_stub.layout.codec import format_row
from server_stub.layout.csvio import write_csv
from server_stub.layout.importer import MODELS
from server_stub.layout.spec import KINDS, RecordKind
from server_stub.models import Municipality


class LayoutExportError(Exception):
    def __init__(self, message_en: str, message_ja: str) -> None:
        super().__init__(message_en)
        self.message_en = message_en
        self.message_ja = message_ja


@dataclass(frozen=True)
class ExportedFile:
    kind: str
    path: Path
    rows: int


def export_kind(session: Session, code: str, kind: RecordKind, encoding: str = "utf-8") -> tuple[bytes, int]:
    model = MODELS[kind.key]
    stmt = (select(model).where(model.municipality_code == code)
            .order_by(getattr(model, kind.key_attr)).execution_options(yield_per=2000))
    rows: list[list[str]] = []
    for obj in session.scalars(stmt):
        try:
            rows.append(format_row(kind, obj))
        except ValueError as exc:
            raise LayoutExportError(f"{kind.file_name} {getattr(obj, kind.key_attr)}: {exc}",
                                    f"{kind.label} {getattr(obj, kind.key_attr)}: コード表にない値があります({exc})。") from exc
    try:
        return write_csv(kind.header, rows, encoding), len(rows)
    except UnicodeEncodeError as exc:
        bad = exc.object[exc.start:exc.end] if isinstance(exc.object, str) else "?"
        raise LayoutExportError(
            f"{kind.file_name}: character {bad!r} cannot be written in {encoding} (use utf-8)",
            f"{kind.label}: 文字「{bad}」は {encoding} で書き出せません(UTF-8 を指定してください)。",
        ) from exc


def export_layout(factory: sessionmaker[Session], code: str, out_dir: Path, *,
                  encoding: str = "utf-8") -> list[ExportedFile]:
    """Write JUKI_SETAI.csv, JUKI_KOJIN.csv and INKAN.csv into ``out_dir`` (created if needed)."""
    out_dir = Path(out_dir)
    results: list[tuple[RecordKind, bytes, int]] = []
    with factory() as session:
        if session.get(Municipality, code) is None:
            raise LayoutExportError(f"municipality {code} does not exist", f"団体{code}が登録されていません。")
        for kind in KINDS:
            data, count = export_kind(session, code, kind, encoding)
            results.append((kind, data, count))
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for kind, data, count in results:
        path = out_dir / kind.file_name
        tmp = path.with_suffix(".csv.part")
        tmp.write_bytes(data)
        tmp.replace(path)
        written.append(ExportedFile(kind.key, path, count))
    return written
