"""Certificate form definitions (forms/*.toml): a declarative layout the renderer follows.

One file per certificate type and layout. Coordinates are millimetres from the top-left corner of
the page. A form names which ``CertificateContent`` fields (header, certification) and which
``PrintedPerson`` fields (person blocks) print where, with which Japanese labels. No municipality
data lives in a form: names, 職名, seal images and fees come from the content.
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from client.domain.model import CertificateContent, CertificateType, Layout, PrintedPerson
from client.printing.errors import FormDefinitionError, NoFormError

FORMS_DIR_ENV = "MADOGUCHI_FORMS_DIR"
_DEFAULT_DIR = Path(__file__).resolve().parents[2] / "forms"

PAGE_SIZES_MM = {"A4": (210.0, 297.0)}
MAX_MUNICIPAL_SEAL_MM = 25.0  # 電子公印: at most 25 mm square

_CONTENT_FIELDS = {f.name for f in fields(CertificateContent)}
_PERSON_FIELDS = {f.name for f in fields(PrintedPerson)}
_TEXT_TEMPLATE_KEYS = {"issue_number", "page", "pages", "fee_yen", "exemption_reason", "data_as_of"}


def default_forms_dir() -> Path:
    override = os.environ.get(FORMS_DIR_ENV)
    return Path(override) if override else _DEFAULT_DIR


@dataclass(frozen=True)
class TextSpec:
    """A single line of text at a position."""

    x: float
    y: float
    size: float = 9.0
    font: str = "mincho"
    align: str = "left"  # left | center | right
    template: str = ""
    exempt_template: str = ""  # fee: used when an exemption reason is set
    min_size: float = 5.0
    max_width: float = 0.0  # 0: no limit


@dataclass(frozen=True)
class Cell:
    """A bordered cell: a label on the left, a value on the right (optionally フリガナ above it)."""

    label: str
    field: str
    width: float
    size: float = 10.0
    min_size: float = 5.0
    lines: int = 1
    kana_field: str = ""  # printed in brackets above the value
    label_width: float = 0.0  # 0: the section's label_width
    prefix: str = ""
    suffix: str = ""
    label_field: str = ""  # a field whose non-empty value replaces ``label`` (e.g. 外国人住民となった年月日)
    item: str = ""  # the JuminhyoItem the cell shows: ``omitted_text`` when the person's omitted_items has it
    omitted_text: str = "省略"


@dataclass(frozen=True)
class Row:
    height: float
    cells: tuple[Cell, ...]
    omit_if_empty: bool = False  # skip the row (and close the gap) when every value is empty


@dataclass(frozen=True)
class Table:
    """Rows of cells stacked from (x, y); used for the header and for each person block."""

    x: float
    y: float
    label_width: float
    rows: tuple[Row, ...]
    block_height: float = 0.0  # person blocks: the distance between blocks
    label_size: float = 7.5
    end_mark: str = ""  # printed under the last person on the last sheet, e.g. 以下余白


@dataclass(frozen=True)
class TaxTable:
    x: float
    y: float
    width: float
    label_width: float
    row_height: float = 9.0
    size: float = 10.0
    label_size: float = 9.0


@dataclass(frozen=True)
class ImageBox:
    x: float
    y: float
    size: float
    label: str = ""


@dataclass(frozen=True)
class NotesBox:
    x: float
    y: float
    width: float
    height: float
    label: str = "備考"
    size: float = 9.0
    min_size: float = 6.0


@dataclass(frozen=True)
class Certification:
    """認証文 (last page only), the issue date, the issuer and the 電子公印."""

    x: float
    y: float
    width: float
    size: float = 11.0
    date_y: float = 10.0  # offsets from y
    issuer_y: float = 20.0
    issuer_right: float = 170.0  # the issuer line is right-aligned at this x
    issuer_size: float = 12.0
    seal_x: float = 168.0  # centre of the 電子公印
    seal_y: float = 0.0  # centre, offset from y; 0 → issuer line
    seal_size: float = 22.0


@dataclass(frozen=True)
class Watermark:
    text: str = "見本"
    size: float = 130.0
    angle: float = 35.0
    gray: float = 0.8


@dataclass(frozen=True)
class OfficialMark:
    x: float
    y: float
    text: str = "公用"
    size: float = 16.0


@dataclass(frozen=True)
class FormDefinition:
    id: str
    cert_type: CertificateType
    layout: Layout | None
    page_size: tuple[float, float]
    title: TextSpec
    issue_number: TextSpec
    qr: ImageBox
    certification: Certification
    persons_per_page: int = 1
    required: tuple[str, ...] = ()
    header: Table | None = None
    persons: Table | None = None
    tax: TaxTable | None = None
    seal_image: ImageBox | None = None
    notes: NotesBox | None = None
    fee: TextSpec | None = None
    bcp_note: TextSpec | None = None
    official_mark: OfficialMark | None = None
    watermark: Watermark = field(default_factory=Watermark)
    source: str = ""
    digest: str = ""  # SHA-256 of the form file: verify re-renders only with the very same form


# ---------------------------------------------------------------------------------------------
# Loading and validation
# ---------------------------------------------------------------------------------------------


def _build(cls: type, data: Any, where: str, form: str) -> Any:
    if not isinstance(data, dict):
        raise FormDefinitionError(form, f"{where}: expected a table")
    known = {f.name: f for f in fields(cls)}
    unknown = set(data) - set(known)
    if unknown:
        raise FormDefinitionError(form, f"{where}: unknown keys {sorted(unknown)}")
    kwargs: dict[str, Any] = {}
    for name, value in data.items():
        if isinstance(value, int) and not isinstance(value, bool) and known[name].type in ("float",):
            value = float(value)
        kwargs[name] = value
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise FormDefinitionError(form, f"{where}: {exc}") from exc


def _table(data: Any, where: str, form: str) -> Table:
    if not isinstance(data, dict):
        raise FormDefinitionError(form, f"{where}: expected a table")
    rows = []
    for i, row in enumerate(data.get("rows", ())):
        if not isinstance(row, dict):
            raise FormDefinitionError(form, f"{where}.rows[{i}]: expected a table")
        cells = tuple(
            _build(Cell, c, f"{where}.rows[{i}].cells[{j}]", form) for j, c in enumerate(row.get("cells", ()))
        )
        if not cells:
            raise FormDefinitionError(form, f"{where}.rows[{i}]: no cells")
        rest = {k: v for k, v in row.items() if k != "cells"}
        rows.append(_build(Row, {**rest, "cells": cells}, f"{where}.rows[{i}]", form))
    rest = {k: v for k, v in data.items() if k != "rows"}
    return _build(Table, {**rest, "rows": tuple(rows)}, where, form)


def _check_fields(table: Table, allowed: set[str], where: str, form: str) -> None:
    for row in table.rows:
        for cell in row.cells:
            for name in (cell.field, cell.kana_field, cell.label_field):
                if name and name.split(".", 1)[0] not in allowed:
                    raise FormDefinitionError(form, f"{where}: no such field {name!r}")
            if cell.lines < 1 or cell.min_size > cell.size:
                raise FormDefinitionError(form, f"{where}: bad lines/min_size for {cell.field!r}")


def parse_form(data: dict[str, Any], name: str) -> FormDefinition:
    """Build and validate a form definition from its parsed TOML."""
    sections = {
        "title": TextSpec,
        "issue_number": TextSpec,
        "qr": ImageBox,
        "certification": Certification,
        "tax": TaxTable,
        "seal_image": ImageBox,
        "notes": NotesBox,
        "fee": TextSpec,
        "bcp_note": TextSpec,
        "official_mark": OfficialMark,
        "watermark": Watermark,
    }
    simple = {"id", "cert_type", "layout", "page_size", "persons_per_page", "required", "header", "persons"}
    unknown = set(data) - simple - set(sections)
    if unknown:
        raise FormDefinitionError(name, f"unknown keys {sorted(unknown)}")
    for key in ("id", "cert_type", "title", "issue_number", "qr", "certification"):
        if key not in data:
            raise FormDefinitionError(name, f"missing {key!r}")
    try:
        cert_type = CertificateType(data["cert_type"])
        layout = Layout(data["layout"]) if data.get("layout") else None
    except ValueError as exc:
        raise FormDefinitionError(name, str(exc)) from exc
    page = data.get("page_size", "A4")
    if page not in PAGE_SIZES_MM:
        raise FormDefinitionError(name, f"unknown page size {page!r}")
    kwargs: dict[str, Any] = {
        key: _build(cls, data[key], key, name) for key, cls in sections.items() if key in data
    }
    header = _table(data["header"], "header", name) if "header" in data else None
    persons = _table(data["persons"], "persons", name) if "persons" in data else None
    if header:
        _check_fields(header, _CONTENT_FIELDS, "header", name)
    if persons:
        _check_fields(persons, _PERSON_FIELDS, "persons", name)
    required = tuple(data.get("required", ()))
    for r in required:
        if r not in _CONTENT_FIELDS:
            raise FormDefinitionError(name, f"required: no such field {r!r}")
    per_page = int(data.get("persons_per_page", 1))
    if per_page < 1:
        raise FormDefinitionError(name, "persons_per_page must be at least 1")
    cert = kwargs["certification"]
    if cert.seal_size > MAX_MUNICIPAL_SEAL_MM:
        raise FormDefinitionError(name, f"the 電子公印 is at most {MAX_MUNICIPAL_SEAL_MM} mm")
    for key in ("issue_number", "fee", "bcp_note"):
        spec = kwargs.get(key)
        if spec is not None:
            _check_template(spec.template, key, name)
            _check_template(spec.exempt_template, key, name)
    return FormDefinition(
        id=str(data["id"]),
        cert_type=cert_type,
        layout=layout,
        page_size=PAGE_SIZES_MM[page],
        persons_per_page=per_page,
        required=required,
        header=header,
        persons=persons,
        source=name,
        **kwargs,
    )


def _check_template(template: str, where: str, form: str) -> None:
    import string

    for _, name, _, _ in string.Formatter().parse(template):
        if name is not None and name not in _TEXT_TEMPLATE_KEYS:
            raise FormDefinitionError(form, f"{where}: unknown placeholder {{{name}}}")


def load_form_file(path: Path) -> FormDefinition:
    try:
        raw = path.read_bytes()
        data = tomllib.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise FormDefinitionError(path.name, str(exc)) from exc
    return replace(parse_form(data, path.name), digest=hashlib.sha256(raw).hexdigest())


class FormLibrary:
    """All forms of a directory, looked up by certificate type and layout."""

    def __init__(self, forms: list[FormDefinition]) -> None:
        self.forms = forms

    @classmethod
    def load(cls, directory: Path | None = None) -> FormLibrary:
        directory = directory or default_forms_dir()
        forms = [load_form_file(p) for p in sorted(directory.glob("*.toml"))]
        ids = [f.id for f in forms]
        if len(set(ids)) != len(ids):
            raise FormDefinitionError(str(directory), "duplicate form ids")
        return cls(forms)

    def by_id(self, form_id: str) -> FormDefinition | None:
        return next((f for f in self.forms if f.id == form_id), None)

    def for_content(self, content: CertificateContent) -> FormDefinition:
        exact = [f for f in self.forms if f.cert_type is content.cert_type and f.layout is content.layout]
        generic = [f for f in self.forms if f.cert_type is content.cert_type and f.layout is None]
        if exact or generic:
            return (exact or generic)[0]
        raise NoFormError(
            f"{content.title}（{content.layout.value}）の様式が定義されていません。",
            f"No form for {content.cert_type.value}/{content.layout.value}",
        )


_LIBRARY_CACHE: dict[Path, FormLibrary] = {}


def default_library() -> FormLibrary:
    """The forms of the default directory, loaded once per process."""
    directory = default_forms_dir().resolve()
    if directory not in _LIBRARY_CACHE:
        _LIBRARY_CACHE[directory] = FormLibrary.load(directory)
    return _LIBRARY_CACHE[directory]
