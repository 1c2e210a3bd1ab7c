"""Check a 様式パラメータ text against the certificate fonts and the form's box.

Used by the server before it stores a form parameter (``client.domain.form_params``), so a text
that would make every certificate of that form fail at the counter (a character no font holds,
文字溢れ) is refused when it is set, not when a resident is waiting. The box geometry is the
renderer's (``render._Writer.certification`` / ``notes``): 認証文 on two lines down to 7 pt, 備考
on as many lines as its box holds down to the form's ``min_size``.
"""

from __future__ import annotations

import math
from functools import lru_cache

from reportlab.lib.units import mm

from client.domain.form_params import FormParameterError
from client.printing.fonts import FontSet
from client.printing.forms import default_library
from client.printing.painter import PAD
from client.printing.textfit import LINE_SPACING, fit_text

CERTIFICATION_MIN_SIZE = 7.0  # as render._Writer.certification


@lru_cache(maxsize=1)
def _fonts() -> FontSet:
    return FontSet.default()


def check_text(form_id: str, key: str, text: str) -> None:
    """Raise ``FormParameterError`` when ``text`` cannot be printed in ``key``'s box of ``form_id``."""
    label = "認証文" if key == "certification_text" else "備考"
    fonts = _fonts()
    _runs, missing = fonts.runs(text, "mincho")
    if missing:
        chars = sorted(set(missing))
        raise FormParameterError(
            f"{label}に印字できない文字があります：{'、'.join(chars)}",
            f"{key} has characters no certificate font can draw: {', '.join(f'U+{ord(c):04X}' for c in chars)}",
        )
    form = default_library().by_id(form_id)
    if form is None:
        raise FormParameterError(f"様式「{form_id}」の定義がありません。", f"no form definition {form_id!r}")
    if key == "certification_text":
        spec = form.certification
        fitted = fit_text(text, max_width=spec.width * mm, max_height=spec.size * 2.5, size=spec.size,
                          min_size=CERTIFICATION_MIN_SIZE, max_lines=2,
                          width_at=lambda t, s: fonts.width(t, "mincho", s))
    elif key == "note":
        if form.notes is None:
            raise FormParameterError(f"様式「{form_id}」には備考欄がありません。", f"form {form_id!r} has no notes box")
        box = form.notes
        h = box.height * mm
        lines = max(1, math.floor((h - 5 * mm) / (box.size * LINE_SPACING)))
        fitted = fit_text(text, max_width=box.width * mm - 2 * PAD, max_height=h - 5 * mm, size=box.size,
                          min_size=box.min_size, max_lines=lines,
                          width_at=lambda t, s: fonts.width(t, "mincho", s))
    else:
        return
    if fitted is None:
        raise FormParameterError(f"{label}が様式「{form_id}」の欄に収まりません（文字溢れ）。短くしてください。",
                                 f"{key} does not fit the box of form {form_id!r}; shorten it")
