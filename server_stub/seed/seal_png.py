"""Small generated 印影 (seal) and 電子公印 images: red/black rings with a deterministic pattern."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw


def seal_png(seed: int, *, size: int = 64, color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A small round seal image (PNG, a few hundred bytes), the same for the same seed."""
    rng = random.Random(seed)
    img = Image.new("RGBA", (size, size), (255, 255, 255, 0))
    draw = ImageDraw.Draw(img)
    m = 2
    draw.ellipse((m, m, size - m - 1, size - m - 1), outline=color + (255,), width=3)
    # A few strokes standing in for the engraved characters.
    for _ in range(rng.randint(4, 7)):
        x0, y0 = rng.randint(14, size - 14), rng.randint(12, size - 12)
        if rng.random() < 0.5:
            draw.line((x0 - rng.randint(4, 10), y0, x0 + rng.randint(4, 10), y0), fill=color + (255,), width=3)
        else:
            draw.line((x0, y0 - rng.randint(4, 10), x0, y0 + rng.randint(4, 10)), fill=color + (255,), width=3)
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def official_seal_png(seed: int) -> bytes:
    """The 電子公印 (black, square) of a municipality."""
    rng = random.Random(seed)
    size = 96
    img = Image.new("RGBA", (size, size), (255, 255, 255, 0))
    draw = ImageDraw.Draw(img)
    draw.rectangle((3, 3, size - 4, size - 4), outline=(0, 0, 0, 255), width=5)
    for i in range(3):
        for j in range(3):
            if rng.random() < 0.7:
                x, y = 16 + i * 24, 16 + j * 24
                draw.rectangle((x, y, x + 16, y + rng.randint(6, 16)), fill=(0, 0, 0, 255))
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()
