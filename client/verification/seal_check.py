"""Check the 印影 and 電子公印 a PDF shows against the signed seal marks (client/printing/seal_marks.py).

Every page's content stream is walked (pypdf), following ``q``/``Q``/``cm`` and Form XObjects, and
every painting operation is placed on the page:

* each image must be the certificate's QR code or one of the signed marks — same pixels (SHA-256 of
  the RGBA pixels) drawn at the same rectangle (±1 pt) on the same page; any other image, an inline
  image, or a mark not found is refused;
* no path may be painted over a seal (its box meeting the seal's rectangle), except the form's own
  frame (one stroked rectangle around it); no text may start on a seal; a shading is refused
  (its extent cannot be bounded without the clip).

A content without marks (issued before they existed) is not checked: the verdict says so.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from client.printing.seal_marks import KINDS, SealMark, decode_marks, pixel_digest

_TOLERANCE = 1.0  # pt
_MAX_DEPTH = 8
_PAINT_PATH = {b"S", b"s", b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*"}
_SHOW_TEXT = {b"Tj", b"TJ", b"'", b'"'}
Matrix = tuple[float, float, float, float, float, float]
Box = tuple[float, float, float, float]
_IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


@dataclass(frozen=True)
class Painted:
    kind: str  # image | inline_image | path | text | shading
    page: int
    box: Box  # x0, y0, x1, y1 in page space
    image: Any = None  # PIL image (kind image), None when undecodable
    frame: bool = False  # path: one stroked rectangle


@dataclass(frozen=True)
class SealFinding:
    code: str  # seal_not_checked | seal_tampered
    message_ja: str
    message_en: str


def _mul(m: Matrix, n: Matrix) -> Matrix:
    a, b, c, d, e, f = m
    aa, bb, cc, dd, ee, ff = n
    return (a * aa + b * cc, a * bb + b * dd, c * aa + d * cc, c * bb + d * dd,
            e * aa + f * cc + ee, e * bb + f * dd + ff)


def _apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    return m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]


def _bounds(points: list[tuple[float, float]]) -> Box:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def _matrix(values: Any) -> Matrix:
    v = [float(x) for x in values]
    if len(v) != 6:
        raise ValueError("a matrix has six numbers")
    return (v[0], v[1], v[2], v[3], v[4], v[5])


class _Walker:
    def __init__(self, reader: Any, page_no: int, decoded: dict[int, Any]) -> None:
        self.reader = reader
        self.page = page_no
        self.decoded = decoded  # image object number → PIL image
        self.found: list[Painted] = []

    def walk(self, stream: Any, resources: Any, ctm: Matrix, depth: int = 0) -> None:
        from pypdf.generic import ContentStream

        if depth > _MAX_DEPTH:
            raise ValueError("Form XObjects nested too deep")
        ops = ContentStream(stream, self.reader).operations
        stack: list[Matrix] = []
        path: list[tuple[float, float]] = []
        rects = 0
        others = 0
        tm = tlm = _IDENTITY
        size, leading = 0.0, 0.0
        for operands, op in ops:
            if op == b"q":
                stack.append(ctm)
            elif op == b"Q":
                ctm = stack.pop() if stack else ctm
            elif op == b"cm":
                ctm = _mul(_matrix(operands), ctm)
            elif op in (b"m", b"l", b"c", b"v", b"y"):
                nums = [float(x) for x in operands]
                path += [_apply(ctm, nums[i], nums[i + 1]) for i in range(0, len(nums) - 1, 2)]
                others += op != b"m"
            elif op == b"re":
                x, y, w, h = (float(v) for v in operands)
                path += [_apply(ctm, x, y), _apply(ctm, x + w, y), _apply(ctm, x, y + h), _apply(ctm, x + w, y + h)]
                rects += 1
            elif op in _PAINT_PATH:
                if path:
                    frame = rects == 1 and others == 0 and op in (b"S", b"s")
                    self.found.append(Painted("path", self.page, _bounds(path), frame=frame))
                path, rects, others = [], 0, 0
            elif op == b"n":
                path, rects, others = [], 0, 0
            elif op == b"sh":
                self.found.append(Painted("shading", self.page, (-1e9, -1e9, 1e9, 1e9)))
            elif op == b"BT":
                tm = tlm = _IDENTITY
            elif op == b"Tf":
                size = float(operands[1])
            elif op == b"TL":
                leading = float(operands[0])
            elif op in (b"Td", b"TD"):
                tx, ty = float(operands[0]), float(operands[1])
                if op == b"TD":
                    leading = -ty
                tm = tlm = _mul((1.0, 0.0, 0.0, 1.0, tx, ty), tlm)
            elif op == b"Tm":
                tm = tlm = _matrix(operands)
            elif op in (b"T*", b"'", b'"') or op in _SHOW_TEXT:
                if op in (b"T*", b"'", b'"'):
                    tm = tlm = _mul((1.0, 0.0, 0.0, 1.0, 0.0, -leading), tlm)
                if op in _SHOW_TEXT:
                    trm = _mul(tm, ctm)
                    x0, y0 = _apply(trm, 0, 0)
                    self.found.append(Painted("text", self.page, (x0, y0, x0, y0 + size * abs(trm[3] or 1))))
            elif op == b"Do":
                self._xobject(operands[0], resources, ctm, depth)
            elif op == b"INLINE IMAGE":
                self.found.append(Painted("inline_image", self.page, self._unit(ctm)))

    @staticmethod
    def _unit(ctm: Matrix) -> Box:
        return _bounds([_apply(ctm, 0, 0), _apply(ctm, 1, 0), _apply(ctm, 0, 1), _apply(ctm, 1, 1)])

    def _xobject(self, name: Any, resources: Any, ctm: Matrix, depth: int) -> None:
        xobjects = resources.get("/XObject") if resources is not None else None
        if xobjects is None:
            raise ValueError(f"unknown XObject {name}")
        xobjects = xobjects.get_object()
        ref = xobjects.raw_get(name)
        xobj = ref.get_object()
        subtype = xobj.get("/Subtype")
        if subtype == "/Image":
            number = getattr(ref, "idnum", None)
            image = self.decoded.get(number) if number is not None else None
            if image is None:
                image = _decode(xobj)
            self.found.append(Painted("image", self.page, self._unit(ctm), image=image))
        elif subtype == "/Form":
            matrix = _matrix(xobj.get("/Matrix", list(_IDENTITY)))
            self.walk(xobj, xobj.get("/Resources", resources), _mul(matrix, ctm), depth + 1)


def _decode(xobj: Any) -> Any:
    """An image XObject that ``page.images`` did not list (e.g. inside a Form XObject)."""
    import pypdf.filters

    try:
        return pypdf.filters._xobj_to_image(xobj)[2]  # type: ignore[attr-defined]
    except Exception:  # an undecodable image is not a seal
        return None


def painted(pdf: bytes) -> list[Painted]:
    """Every painting operation of every page, placed on its page (raises ValueError if unreadable)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf), strict=False)
    out: list[Painted] = []
    for number, page in enumerate(reader.pages, start=1):
        decoded: dict[int, Any] = {}
        for img in page.images:
            ref = img.indirect_reference
            if ref is not None:
                try:
                    decoded[ref.idnum] = img.image
                except Exception:  # noqa: S112 - an undecodable image is not a seal
                    continue
        walker = _Walker(reader, number, decoded)
        contents = page.get_contents()
        if contents is not None:
            walker.walk(contents, page.get("/Resources"), _IDENTITY)
        out.extend(walker.found)
    return out


def _close(box: Box, mark: SealMark) -> bool:
    want = (mark.x, mark.y, mark.x + mark.w, mark.y + mark.h)
    return all(abs(a - b) <= _TOLERANCE for a, b in zip(box, want, strict=True))


def _meets(box: Box, mark: SealMark) -> bool:
    """The box reaches inside the seal's rectangle (shrunk by the tolerance)."""
    x0, y0, x1, y1 = mark.x + _TOLERANCE, mark.y + _TOLERANCE, mark.x + mark.w - _TOLERANCE, mark.y + mark.h - _TOLERANCE
    return box[0] <= x1 and box[2] >= x0 and box[1] <= y1 and box[3] >= y0


def _encloses(box: Box, mark: SealMark) -> bool:
    return (box[0] <= mark.x + _TOLERANCE and box[1] <= mark.y + _TOLERANCE
            and box[2] >= mark.x + mark.w - _TOLERANCE and box[3] >= mark.y + mark.h - _TOLERANCE)


def _tampered(ja: str, en: str) -> SealFinding:
    return SealFinding("seal_tampered", "印影・公印の画像が署名された内容と一致しません（改ざんのおそれ）: " + ja,
                       "The seal images differ from the signed content: " + en)


def check_seals(pdf: bytes, seal_marks: tuple[str, ...], has_seal_images: bool, qr_pixels: bytes) -> SealFinding | None:
    """None when the pages show exactly the signed seals; else the finding (a note for old contents).

    ``qr_pixels``: the certificate's own QR image as grey-scale bytes (checked elsewhere)."""
    try:
        marks = decode_marks(seal_marks)
    except ValueError as exc:
        return _tampered("印影の位置情報を読み取れません", f"unreadable seal marks ({exc})")
    if marks is None:
        if not has_seal_images:
            return None
        return SealFinding(
            "seal_not_checked",
            "この証明書は印影・公印の位置が署名されていない旧形式のため、印影・公印の画像は照合していません。",
            "Seal images not checked: the certificate predates signed seal marks",
        )
    try:
        paints = painted(pdf)
    except (ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        return _tampered("PDFの描画内容を読み取れません", f"the page content cannot be read ({exc})")
    unmatched = list(marks)
    for p in paints:
        if p.kind == "image":
            if p.image is not None and p.image.convert("L").tobytes() == qr_pixels:
                continue
            digest = pixel_digest(p.image) if p.image is not None else ""
            mark = next((m for m in unmatched if m.page == p.page and m.sha256 == digest and _close(p.box, m)), None)
            if mark is not None:
                unmatched.remove(mark)
                continue
            over = next((m for m in marks if m.page == p.page and _meets(p.box, m)), None)
            if over is not None:
                label = KINDS[over.kind]
                return _tampered(f"{p.page}頁目の{label}の上に別の画像があります",
                                 f"another image over the {over.kind} seal on page {p.page}")
            return _tampered(f"{p.page}頁目に証明書にない画像があります", f"an image not in the certificate on page {p.page}")
        if p.kind == "inline_image":
            return _tampered(f"{p.page}頁目に証明書にない画像があります", f"an inline image on page {p.page}")
        for m in marks:
            if m.page != p.page or not _meets(p.box, m):
                continue
            if p.kind == "path" and p.frame and _encloses(p.box, m):
                continue  # the form's frame around the 印影
            if p.kind == "text" and not (m.x <= p.box[0] <= m.x + m.w and m.y <= p.box[1] <= m.y + m.h):
                continue  # text is placed by its origin only
            label = KINDS[m.kind]
            what = {"path": "図形", "text": "文字", "shading": "塗り"}.get(p.kind, "描画")
            return _tampered(f"{p.page}頁目の{label}の上に{what}が描かれています",
                             f"a {p.kind} drawn over the {m.kind} seal on page {p.page}")
    if unmatched:
        m = unmatched[0]
        return _tampered(f"{m.page}頁目の{KINDS[m.kind]}が署名された画像・位置で印字されていません",
                         f"the {m.kind} seal on page {m.page} is missing, moved or replaced")
    return None
