"""Debian's chromium driven by Playwright (the system browser: nothing is downloaded at test time)."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    if shutil.which(CHROMIUM) is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def open_verifier(context: Any, base_url: str) -> Any:
    page = context.new_page()
    page.goto(f"{base_url}/verify")
    page.wait_for_selector("body[data-ready='1']", timeout=20_000)
    return page


def verdict_of(page: Any, *, text: str | None = None, file: str | None = None) -> dict[str, str]:
    page.fill("#text", text or "")
    if file is not None:
        page.set_input_files("#file", file)
    page.evaluate("document.getElementById('result').dataset.status = ''")
    page.click("#check")
    page.wait_for_function("document.getElementById('result').dataset.status !== ''", timeout=20_000)
    return {
        "status": page.get_attribute("#result", "data-status") or "",
        "reason": page.get_attribute("#result", "data-reason") or "",
        "text": page.inner_text("#result"),
    }
