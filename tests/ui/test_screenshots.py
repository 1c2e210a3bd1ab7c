"""Screenshots of the real UI under Xvfb (sign-in, search results, issuance dialog, day close …).

Saved to artifacts/screenshots/ for a reviewer. Skipped when Xvfb is not installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.conftest import REPO_ROOT
from tests.fixtures.counter_server import pick_household_head, protect_resident

ARTIFACTS = REPO_ROOT / "artifacts" / "screenshots"
EXPECTED = ("01-sign-in.png", "02-search-results.png", "03-issuance-dialog.png", "04-issued.png",
            "05-support-measure-stop.png", "06-issuance-needs-release.png", "07-history.png", "08-day-close.png",
            "09-main-window-english.png", "02b-search-results-1920x1080.png", "10-bcp-mode.png",
            "10c-bcp-mode-english-1920x1080.png", "11-bcp-no-serials.png")


@pytest.fixture
def xvfb_display() -> Iterator[str]:
    exe = shutil.which("Xvfb")
    if exe is None:
        pytest.skip("Xvfb is not installed")
    for n in range(90, 140):
        if not Path(f"/tmp/.X{n}-lock").exists() and not Path(f"/tmp/.X11-unix/X{n}").exists():
            break
    else:
        pytest.skip("no free X display number")
    proc = subprocess.Popen([exe, f":{n}", "-screen", "0", "1920x1200x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while not Path(f"/tmp/.X11-unix/X{n}").exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.skip("Xvfb did not start")
        time.sleep(0.05)
    try:
        yield f":{n}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_screenshots_of_the_counter_ui(xvfb_display: str, counter_db: str, server_factory: Any,
                                      tmp_path: Path) -> None:
    picked = pick_household_head(counter_db, min_members=3)
    protected = pick_household_head(counter_db, min_members=1, exclude=frozenset({picked.atena_no}))
    protect_resident(counter_db, protected.atena_no)
    server = server_factory(counter_db)
    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    env = {**os.environ, "DISPLAY": xvfb_display, "QT_QPA_PLATFORM": "xcb",
           "XDG_CONFIG_HOME": str(tmp_path / "config")}  # the window's QSettings, not the tester's
    cmd = [sys.executable, "-m", "tests.ui.screenshot_tour", "--server", server.base_url, "--out", str(ARTIFACTS),
           "--kana", picked.kana, "--atena", picked.atena_no,
           "--protected-kana", protected.kana, "--protected-atena", protected.atena_no]
    result = subprocess.run(cmd, env=env, cwd=str(REPO_ROOT), capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    for name in EXPECTED:
        path = ARTIFACTS / name
        assert path.exists(), f"{name} missing: {result.stdout}"
        with Image.open(path) as img:
            assert img.width >= 300 and img.height >= 150
            colours = img.convert("RGB").getcolors(maxcolors=1 << 16)
            assert colours is None or len(colours) > 20, f"{name} looks blank"
