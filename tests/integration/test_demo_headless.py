"""The README's demo command, headless: the whole story runs and every step reports success."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_headless_demo_tells_the_whole_story(tmp_path: Path) -> None:
    env = {**os.environ, "MADOGUCHI_DEMO_DIR": str(tmp_path / "demo"), "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run([sys.executable, "-m", "client.demo", "--headless"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)
    steps = [line for line in proc.stdout.splitlines() if line.startswith("[demo] ") and ". " in line[:12]]
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "FAILED" not in proc.stdout
    text = "\n".join(steps)
    for expected in ("住民票の写し", "日計表", "BCP モード", "BCPモードで 3 件発行", "送信 3 件、重複 0、差戻し 0、競合 1 件",
                     "「回収要」で処理、未処理 0 件"):
        assert expected in text, text
    pdfs = sorted((tmp_path / "demo" / "out").glob("bcp-*.pdf"))
    assert len(pdfs) == 3 and all(p.read_bytes().startswith(b"%PDF") for p in pdfs)
