"""Visual regression: each form rendered with fixed data matches its checked-in reference PNG.

The references live in tests/visual/reference/ so a reviewer can look at them. To regenerate
after an intended layout change: ``MADOGUCHI_UPDATE_VISUAL=1 pytest tests/visual`` and review
the PNG diff in the commit.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from client.domain.model import CertificateContent, Layout, Mode
from client.printing.render import render_certificate
from tests.fixtures.certificates import all_forms, juminhyo, sign
from tests.fixtures.pdftools import pdftoppm_png

REFERENCE_DIR = Path(__file__).parent / "reference"
DPI = 100
MAX_MEAN_DIFF = 0.3  # mean absolute grey-level difference (0–255)
MAX_CHANGED_SHARE = 0.00003  # share of pixels that differ by more than 64 grey levels


def _cases() -> dict[str, tuple[CertificateContent, int]]:
    cases = {name: (content, 1) for name, content in all_forms().items()}
    renki9 = juminhyo(layout=Layout.RENKI, persons=9, whole_household=True)
    cases["juminhyo_renki_9_p1"] = (renki9, 1)
    cases["juminhyo_renki_9_p3"] = (renki9, 3)
    cases["juminhyo_kojin_marks"] = (juminhyo(official=True, training=True, mode=Mode.BCP), 1)
    return cases


CASES = _cases()


def _compare(actual: Image.Image, reference: Image.Image) -> tuple[float, float, Image.Image]:
    """(mean absolute difference, share of strongly changed pixels, difference image)."""
    assert actual.size == reference.size, (actual.size, reference.size)
    diff = ImageChops.difference(actual, reference)
    histogram = diff.histogram()
    pixels = actual.size[0] * actual.size[1]
    mean = sum(level * count for level, count in enumerate(histogram)) / pixels
    return mean, sum(histogram[65:]) / pixels, diff


def test_the_comparison_notices_a_different_page() -> None:
    kojin = Image.open(REFERENCE_DIR / "juminhyo_kojin.png").convert("L")
    kisai = Image.open(REFERENCE_DIR / "kisai_jiko.png").convert("L")
    mean, changed, _ = _compare(kojin, kisai)
    assert mean > MAX_MEAN_DIFF or changed > MAX_CHANGED_SHARE
    assert _compare(kojin, kojin)[:2] == (0.0, 0.0)


@pytest.mark.parametrize("name", sorted(CASES))
def test_form_matches_reference(name: str, tmp_path: Path) -> None:
    content, page = CASES[name]
    pdf = render_certificate(content, sign(content)).pdf
    actual_path = pdftoppm_png(pdf, tmp_path / f"{name}.png", page=page, dpi=DPI)
    reference_path = REFERENCE_DIR / f"{name}.png"
    if os.environ.get("MADOGUCHI_UPDATE_VISUAL") == "1":
        reference_path.write_bytes(actual_path.read_bytes())
    assert reference_path.exists(), f"no reference {reference_path}; run with MADOGUCHI_UPDATE_VISUAL=1"
    actual = Image.open(actual_path).convert("L")
    reference = Image.open(reference_path).convert("L")
    mean, changed, diff = _compare(actual, reference)
    if mean > MAX_MEAN_DIFF or changed > MAX_CHANGED_SHARE:
        diff.point(lambda v: 255 if v > 64 else 0).save(tmp_path / f"{name}.diff.png")
        pytest.fail(
            f"{name}: differs from the reference (mean {mean:.2f}, changed {changed:.2%}); "
            f"see {actual_path} and {tmp_path / f'{name}.diff.png'}"
        )
