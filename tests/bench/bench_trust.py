"""Verification time per certificate under a trust list: ``madoguchi verify`` (in process and as a
whole command) and the /verify page in Chromium (issue 14).

The trust list carries ``FILLER`` countersignatures so that reading it costs what a list of a
year of BCP issuances would. The page is served from the repository's files through Playwright's
routing on a loopback origin (a secure context for WebCrypto), so no server is needed.
"""

from __future__ import annotations

import base64
import json
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.bench.support import Context, Measurement

FILLER = 2000
STATIC = Path(__file__).resolve().parents[2] / "server_stub" / "trust" / "static"


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def _certificates(n: int) -> list[tuple[bytes, str]]:
    from client.certificate.signing import sign_certificate
    from client.printing.render import render_certificate
    from client.printing.seal_marks import with_seal_marks
    from tests.fixtures.certificates import FIXED_KEY_ID, FIXED_PRIVATE_KEY, juminhyo

    out = []
    for i in range(n):
        content = with_seal_marks(replace(juminhyo(), issue_number=f"20261123 桜ヶ丘市 本庁1 プリンタ001 {100 + i:06d}"))
        token = sign_certificate(content, FIXED_PRIVATE_KEY, FIXED_KEY_ID, version=2)
        out.append((render_certificate(content, token).pdf, token))
    return out


def verify(ctx: Context) -> list[Measurement]:
    from client.certificate.trust_list import read_trust_list
    from client.verification.trusted_pdf import verify_pdf_trusted
    from tests.fixtures.trust_lists import NOW, build_list

    n = 6 if ctx.quick else 30
    doc, _ = build_list(filler=FILLER)
    certs = _certificates(min(n, 6))
    now = NOW + timedelta(hours=1)

    t0 = time.perf_counter()
    listing = read_trust_list(doc)
    read_ms = (time.perf_counter() - t0) * 1000
    cli: list[float] = []
    for i in range(n):
        pdf, _ = certs[i % len(certs)]
        t0 = time.perf_counter()
        verdict = verify_pdf_trusted(pdf, listing, now)
        cli.append((time.perf_counter() - t0) * 1000)
        assert verdict.status == "valid", verdict
    rows = [
        Measurement("verify a certificate PDF under the trust list (CLI, in process)", _p95(cli), "ms",
                    p50=statistics.median(cli), p95=_p95(cli), samples=n,
                    notes=f"signature, digest, re-rendered text, QR image, second-QR scan (zbarimg), seal marks, trust rules; "
                          f"reading the {len(doc) // 1024} KiB list with {FILLER} countersignatures once: "
                          f"{read_ms:.0f} ms (tests/bench/bench_trust.py)"),
    ]
    rows.append(_command(ctx, doc, certs[0][0]))
    rows += _page(ctx, doc, certs, n)
    return rows


def _command(ctx: Context, doc: bytes, pdf: bytes) -> Measurement:
    import os

    work = ctx.workdir / "trust-bench"
    work.mkdir(parents=True, exist_ok=True)
    (work / "list.json").write_bytes(doc)
    (work / "cert.pdf").write_bytes(pdf)
    exe = Path(sys.executable).with_name("madoguchi")
    env = {**os.environ, "MADOGUCHI_HOME": str(work / "home")}
    runs = 2 if ctx.quick else 5
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        # faketime: the fixed list is from 2026-11-23; the verifier's clock is an hour later
        p = subprocess.run(["faketime", "2026-11-23 04:00:00", str(exe), "verify", str(work / "cert.pdf"),
                            "--trust-list", str(work / "list.json"), "--json"],
                           capture_output=True, env=env, timeout=120, check=False)
        times.append((time.perf_counter() - t0) * 1000)
        if p.returncode != 0:
            return Measurement("madoguchi verify FILE.pdf --trust-list (whole command)", None, "ms",
                               error=p.stdout.decode()[-300:] + p.stderr.decode()[-300:])
    return Measurement("madoguchi verify FILE.pdf --trust-list (whole command)", statistics.median(times), "ms",
                       p50=statistics.median(times), samples=runs,
                       notes="process start, imports, list check and one PDF (median)")


def _page(ctx: Context, doc: bytes, certs: list[tuple[bytes, str]], n: int) -> list[Measurement]:
    from playwright.sync_api import sync_playwright

    from tests.conftest import free_port  # a port number only: nothing listens on it
    from tests.integration.browser import ARGS, CHROMIUM

    origin = f"http://127.0.0.1:{free_port()}"
    files = {"/verify": ("verify.html", "text/html"), "/verify/static/verify.js": ("verify.js", "text/javascript"),
             "/verify/static/jsQR.js": ("jsQR.js", "text/javascript"),
             "/verify/static/verify.css": ("verify.css", "text/css"),
             "/verify-sw.js": ("sw.js", "text/javascript")}

    def handle(route: Any) -> None:
        path = route.request.url[len(origin):].split("?")[0]
        if path == "/trust/v1/list":
            route.fulfill(status=200, content_type="application/json", body=doc)
        elif path in files:
            name, ctype = files[path]
            route.fulfill(status=200, content_type=ctype, body=(STATIC / name).read_bytes())
        else:
            route.fulfill(status=404, body=b"")

    pdfs = [base64.b64encode(pdf).decode() for pdf, _ in certs]
    tokens = [token for _, token in certs]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            context = browser.new_context(service_workers="block")
            context.route(f"{origin}/**", handle)
            page = context.new_page()
            page.clock.install(time=datetime(2026, 11, 23, 4, 0, tzinfo=UTC))
            page.goto(f"{origin}/verify")
            page.wait_for_selector("body[data-ready='1']", timeout=30_000)
            result = page.evaluate("""async ([pdfs, tokens, n]) => {
                const V = window.MadoguchiVerify;
                const t0 = performance.now();
                const listing = await V.readTrustList(await (await fetch('/trust/v1/list')).text(), null);
                const readMs = performance.now() - t0;
                const bytes = pdfs.map((b) => Uint8Array.from(atob(b), (c) => c.charCodeAt(0)));
                const pdf = [], text = [];
                for (let i = 0; i < n; i++) {
                  let s = performance.now();
                  const v = await V.verifyPdfBytes(bytes[i % bytes.length], listing, Date.now());
                  pdf.push(performance.now() - s);
                  if (v.status !== 'valid') return {error: JSON.stringify(v)};
                  s = performance.now();
                  const w = await V.verifyToken(tokens[i % tokens.length], listing, Date.now(), null);
                  text.push(performance.now() - s);
                  if (w.status !== 'valid') return {error: JSON.stringify(w)};
                }
                return {readMs, pdf, text};
            }""", [pdfs, tokens, n])
        finally:
            browser.close()
    if "error" in result:
        return [Measurement("verify a certificate PDF in the page (Chromium)", None, "ms", error=result["error"])]
    pdf_ms, text_ms = result["pdf"], result["text"]
    return [
        Measurement("verify a certificate PDF in the page (Chromium)", _p95(pdf_ms), "ms", p50=statistics.median(pdf_ms),
                    p95=_p95(pdf_ms), samples=n,
                    notes=f"PDF scan + inflate + jsQR on every image + Ed25519 (WebCrypto); list check once "
                          f"{result['readMs']:.0f} ms"),
        Measurement("verify a pasted QR text in the page (Chromium)", _p95(text_ms), "ms",
                    p50=statistics.median(text_ms), p95=_p95(text_ms), samples=n),
    ]


if __name__ == "__main__":  # python -m tests.bench.bench_trust  (quick, prints the rows)
    import tempfile

    from tests.bench.support import QUICK

    c = Context(QUICK, True, Path(tempfile.mkdtemp(prefix="mdg-bench-trust-")))
    try:
        for row in verify(c):
            print(json.dumps({"name": row.name, "value": row.value, "p50": row.p50, "p95": row.p95,
                              "notes": row.notes, "error": row.error}, ensure_ascii=False))
    finally:
        c.close()
