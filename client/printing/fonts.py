"""Japanese TrueType fonts for certificates: loading, glyph coverage and per-character fallback.

The shipped fonts are IPAex Mincho and IPAex Gothic, with IPAmj Mincho as the fallback for 外字
they lack (resources/fonts, IPA Font License v1.0). A municipality may add more fallback fonts
(``MADOGUCHI_FALLBACK_FONTS``); each character is drawn with the first font of the chain that has
a glyph for it, and fallbacks are loaded only when a character needs them. A character no font
holds is never drawn as a blank or tofu: the renderer collects it and refuses the certificate.
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFont

from client.printing.errors import RenderError

FONTS_DIR_ENV = "MADOGUCHI_FONTS_DIR"
FALLBACK_FONTS_ENV = "MADOGUCHI_FALLBACK_FONTS"
_DEFAULT_DIR = Path(__file__).resolve().parents[2] / "resources" / "fonts"


def default_fonts_dir() -> Path:
    override = os.environ.get(FONTS_DIR_ENV)
    return Path(override) if override else _DEFAULT_DIR


def _to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """reportlab's ToUnicode CMap, with characters outside the BMP written as UTF-16 surrogate pairs.

    reportlab 4/5 writes ``<20BB7>`` for 𠮷, an odd-length hex string that text extraction
    rejects; the PDF reference wants the UTF-16BE code units ``<D842DFB7>``.
    """

    def utf16(v: int) -> str:
        if v <= 0xFFFF:
            return f"{v:04X}"
        v -= 0x10000
        return f"{0xD800 + (v >> 10):04X}{0xDC00 + (v & 0x3FF):04X}"

    cmap = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo",
        f"<< /Registry ({fontname})",
        f"/Ordering ({fontname})",
        "/Supplement 0",
        ">> def",
        f"/CMapName /{fontname} def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        f"<00> <{len(subset) - 1:02X}>",
        "endcodespacerange",
        f"{len(subset)} beginbfchar",
        *[f"<{i:02X}> <{utf16(v)}>" for i, v in enumerate(subset)],
        "endbfchar",
        "endcmap",
        "CMapName currentdict /CMap defineresource pop",
        "end",
        "end",
    ]
    return "\n".join(cmap)


ttfonts.makeToUnicodeCMap = _to_unicode_cmap  # looked up as a module global when a font is written


class FontLoadError(RenderError):
    """A font file is missing or not a TrueType font."""

    def __init__(self, path: Path, detail: str) -> None:
        super().__init__(
            f"印字用フォント {path.name} を読み込めません。",
            f"Cannot load font {path}: {detail}",
        )


@dataclass(frozen=True)
class LoadedFont:
    """A TrueType font registered with reportlab under a name derived from its file."""

    name: str  # reportlab font name
    path: Path
    codepoints: frozenset[int]

    def has(self, ch: str) -> bool:
        return ord(ch) in self.codepoints


_LOCK = threading.Lock()
_CACHE: dict[Path, LoadedFont] = {}


def load_font(path: Path) -> LoadedFont:
    """Load and register a TTF once per process (reportlab's font registry is global)."""
    path = path.resolve()
    with _LOCK:
        cached = _CACHE.get(path)
        if cached is not None:
            return cached
        if not path.is_file():
            raise FontLoadError(path, "no such file")
        name = "MDG-" + hashlib.sha256(str(path).encode()).hexdigest()[:10]
        try:
            font = TTFont(name, str(path))
        except Exception as exc:  # reportlab raises TTFError and assorted struct errors
            raise FontLoadError(path, str(exc)) from exc
        pdfmetrics.registerFont(font)
        loaded = LoadedFont(name, path, frozenset(font.face.charToGlyph))
        _CACHE[path] = loaded
        return loaded


# Characters that lay out text but are never drawn as glyphs.
_LAYOUT_CHARS = frozenset("\n\r\t")


@dataclass(frozen=True)
class FontSet:
    """The fonts a certificate is drawn with: 明朝 for body text, ゴシック for titles, fallbacks."""

    mincho: Path
    gothic: Path
    fallbacks: tuple[Path, ...] = ()
    _loaded: dict[str, LoadedFont] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def default(cls) -> FontSet:
        """IPAex Mincho/Gothic, then IPAmj Mincho, then any fonts in ``MADOGUCHI_FALLBACK_FONTS``."""
        d = default_fonts_dir()
        fallbacks = [d / "ipamjm.ttf"] if (d / "ipamjm.ttf").is_file() else []
        extra = os.environ.get(FALLBACK_FONTS_ENV, "")
        fallbacks += [Path(p) for p in extra.split(os.pathsep) if p.strip()]
        return cls(mincho=d / "ipaexm.ttf", gothic=d / "ipaexg.ttf", fallbacks=tuple(fallbacks))

    def font(self, style: str) -> LoadedFont:
        if style not in ("mincho", "gothic"):
            raise ValueError(f"unknown font style {style!r}")
        if style not in self._loaded:
            self._loaded[style] = load_font(self.mincho if style == "mincho" else self.gothic)
        return self._loaded[style]

    def chain(self, style: str, *, with_fallbacks: bool = True) -> list[LoadedFont]:
        """The fonts tried for a character, in order: the style's font, the other style, fallbacks."""
        other = "gothic" if style == "mincho" else "mincho"
        primary = [self.font(style), self.font(other)]
        return primary + [load_font(p) for p in self.fallbacks] if with_fallbacks else primary

    def runs(self, text: str, style: str) -> tuple[list[tuple[str, str]], list[str]]:
        """Split ``text`` into (reportlab font name, run) pieces; also return undrawable characters."""
        chain = self.chain(style, with_fallbacks=False)
        extended = False
        runs: list[tuple[str, str]] = []
        missing: list[str] = []
        for ch in text:
            if ch in _LAYOUT_CHARS:
                continue
            if not extended and not any(f.has(ch) for f in chain):
                chain = self.chain(style)  # load the fallbacks only when a character needs them
                extended = True
            for f in chain:
                if f.has(ch):
                    if runs and runs[-1][0] == f.name:
                        runs[-1] = (f.name, runs[-1][1] + ch)
                    else:
                        runs.append((f.name, ch))
                    break
            else:
                missing.append(ch)
        return runs, missing

    def width(self, text: str, style: str, size: float) -> float:
        runs, _ = self.runs(text, style)
        return sum(pdfmetrics.stringWidth(run, name, size) for name, run in runs)
