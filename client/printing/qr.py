"""The QR code of a certificate: a raster image of the signed token (qrcode + pillow)."""

from __future__ import annotations

from functools import lru_cache

import qrcode
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M

QUIET_ZONE = 4  # modules, as the standard asks
# The token is base64url of high-entropy bytes (digest, signature), so every mask gives a near-random
# module pattern; evaluating all eight masks would cost about 15 ms per certificate for no gain.
MASK_PATTERN = 2
PIXELS_PER_MODULE = 6  # viewers and printer drivers smooth upscaled images; 8 px keeps edges sharp


@lru_cache(maxsize=64)
def qr_image(token: str) -> Image.Image:
    """A grayscale image, ``PIXELS_PER_MODULE`` pixels a module (quiet zone included).

    Grayscale (not 1-bit) because reportlab expands other modes to RGB, which is slower and larger.
    """
    code = qrcode.QRCode(
        error_correction=ERROR_CORRECT_M, box_size=1, border=QUIET_ZONE, mask_pattern=MASK_PATTERN
    )
    code.add_data(token.encode("ascii"))
    code.make(fit=True)
    matrix = code.get_matrix()
    n = len(matrix)
    img = Image.new("1", (n, n), 1)
    img.putdata([0 if dark else 1 for row in matrix for dark in row])
    big = img.resize((n * PIXELS_PER_MODULE, n * PIXELS_PER_MODULE), Image.Resampling.NEAREST)
    return big.convert("L")
