"""Shrink-to-fit for long names and addresses (文字溢れ): shrink first, then wrap, else report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

LINE_SPACING = 1.15
_STEP = 0.5


@dataclass(frozen=True)
class Fitted:
    size: float
    lines: tuple[str, ...]
    shrunk: bool  # drawn smaller than the nominal size


def _wrap(text: str, max_width: float, measure: Callable[[str], float]) -> list[str]:
    """Greedy wrap at any character (Japanese text has no spaces to break at); keeps 、。） off line starts."""
    lines: list[str] = []
    current = ""
    for ch in text:
        if current and measure(current + ch) > max_width:
            if ch in "、。，．）」』】":
                current += ch  # 禁則: hang the punctuation rather than start a line with it
                lines.append(current)
                current = ""
                continue
            lines.append(current)
            current = ch.lstrip() if ch.isspace() else ch
        else:
            current += ch
    if current:
        lines.append(current)
    return lines


def fit_text(
    text: str,
    *,
    max_width: float,
    max_height: float,
    size: float,
    min_size: float,
    max_lines: int,
    width_at: Callable[[str, float], float],
) -> Fitted | None:
    """The largest size (≤ ``size``, ≥ ``min_size``) at which ``text`` fits; None if it never does.

    A single line is preferred at every size before wrapping is tried, so a long name shrinks
    rather than breaks; an address may wrap onto ``max_lines`` lines.
    """
    if not text:
        return Fitted(size, (), False)
    s = size
    while s >= min_size - 1e-9:
        if width_at(text, s) <= max_width and s <= max_height:
            return Fitted(s, (text,), s < size)
        s -= _STEP
    if max_lines > 1:
        s = size
        while s >= min_size - 1e-9:
            lines = _wrap(text, max_width, lambda t, _s=s: width_at(t, _s))  # type: ignore[misc]
            fits_height = len(lines) * s * LINE_SPACING <= max_height + 1e-6
            fits_width = all(width_at(line, s) <= max_width * 1.04 for line in lines)
            if len(lines) <= max_lines and fits_height and fits_width:
                return Fitted(s, tuple(lines), s < size)
            s -= _STEP
    return None
