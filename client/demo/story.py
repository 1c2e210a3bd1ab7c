"""``python -m client.demo [--headless]``: the counter client against a local demo server.

Initialises var/demo (SQLite server database, seeded once with ``madoguchi-server seed --demo``),
starts ``madoguchi-server serve`` on 127.0.0.1, waits for /health, then either opens the GUI
signed in as a demo clerk (when a display is available) or runs a scripted headless demo: a list
of named steps that the BCP story extends.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]  # the repository (client/demo/story.py → client → repo)
DEMO_DIR = Path(os.environ.get("MADOGUCHI_DEMO_DIR") or ROOT / "var" / "demo")
DEMO_MUNICIPALITY = "132403"  # 桜ヶ丘市
DEMO_TERMINAL = "T001"
DEMO_CLERK = ("clerk1", "clerk1pass")
DEMO_SUPERVISOR = ("supervisor1", "supervisor1pass")
DEFAULT_PORT = 8765

log = logging.getLogger("madoguchi.demo")


def _server_bin() -> list[str]:
    exe = Path(sys.executable).with_name("madoguchi-server")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "server_stub.cli"]


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_port() -> int:
    return DEFAULT_PORT if _port_free(DEFAULT_PORT) else _any_free_port()


def _any_free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class DemoServer:
    db_url: str
    port: int
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def prepare_server(demo_dir: Path = DEMO_DIR) -> DemoServer:
    """Create and seed the demo database once; start the server; wait for /health."""
    demo_dir.mkdir(parents=True, exist_ok=True)
    db_url = f"sqlite:///{demo_dir / 'server.db'}"
    marker = demo_dir / ".seeded"
    if not marker.exists():
        print("[demo] デモデータを作成しています(初回のみ) / seeding demo data (first run only)…", flush=True)
        subprocess.run([*_server_bin(), "init", "--db", db_url], check=True, stdout=subprocess.DEVNULL)
        subprocess.run([*_server_bin(), "seed", "--db", db_url, "--demo"], check=True, stdout=subprocess.DEVNULL)
        marker.write_text("seeded\n")
    server = DemoServer(db_url=db_url, port=_free_port())
    _start_process(server, demo_dir)
    return server


def restart_server(server: DemoServer, demo_dir: Path = DEMO_DIR) -> None:
    """Start the (stopped) demo server again on the same port: the line comes back."""
    server.stop()
    _start_process(server, demo_dir)


def serve_elsewhere(server: DemoServer, demo_dir: Path = DEMO_DIR) -> DemoServer:
    """The (stopped) demo data centre started on another port, one the terminal does not know: its
    line stays cut while the data centre's staff work through the API. Stop it before ``restart_server``."""
    server.stop()
    other = DemoServer(db_url=server.db_url, port=_any_free_port())
    _start_process(other, demo_dir)
    return other


def _start_process(server: DemoServer, demo_dir: Path) -> None:
    log_file = open(demo_dir / "server.log", "ab")  # noqa: SIM115 — handed to the child
    server.proc = subprocess.Popen(
        [*_server_bin(), "serve", "--db", server.db_url, "--host", "127.0.0.1", "--port", str(server.port)],
        stdout=log_file, stderr=subprocess.STDOUT, cwd=str(ROOT),
    )
    log_file.close()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"demo server exited; see {demo_dir / 'server.log'}")
        try:
            if httpx.get(server.url + "/health", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError("demo server did not answer /health within 30 s")


def demo_config(server: DemoServer, demo_dir: Path = DEMO_DIR) -> Any:
    from client.lifecycle.config import ClientConfig

    return ClientConfig(
        server_url=server.url,
        municipality_code=DEMO_MUNICIPALITY,
        terminal_id=DEMO_TERMINAL,
        data_dir=demo_dir / "client",
    )


# ---------------------------------------------------------------------------------------------
# headless demo: named steps
# ---------------------------------------------------------------------------------------------


@dataclass
class DemoContext:
    server: DemoServer
    service: Any
    out_dir: Path
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Step:
    name: str
    run: Callable[[DemoContext], str]


def step_sign_in(ctx: DemoContext) -> str:
    session = ctx.service.sign_in(*DEMO_CLERK)
    return f"{session.user.name}({session.user.user_id}) @ {session.municipality.name}"


def step_search_kana(ctx: DemoContext) -> str:
    rows = ctx.service.search("さとう")
    candidates = [r for r in rows if r.status.value == "resident" and not r.protected]
    if not candidates:
        raise RuntimeError("no resident found for さとう")
    ctx.facts["resident"] = candidates[0]
    return f"「さとう」 → {len(rows)}件, 選択: {candidates[0].name} ({candidates[0].atena_no})"


def step_open_resident(ctx: DemoContext) -> str:
    detail = ctx.service.resident(ctx.facts["resident"].atena_no)
    ctx.facts["detail"] = detail
    return f"世帯 {len(detail.household)}人: " + "、".join(f"{m.relation} {m.name}" for m in detail.household)


def step_issue_juminhyo(ctx: DemoContext) -> str:
    from client.domain.model import IdentityDocument
    from client.services.issuance_form import IssuanceForm

    detail = ctx.facts["detail"]
    form = IssuanceForm(subject=detail.resident, household=detail.household)
    form.identity_document = IdentityDocument.MY_NUMBER_CARD
    decision = ctx.service.evaluate(form.to_request())
    if not decision.allowed:
        raise RuntimeError("refused: " + " / ".join(r.message_ja for r in decision.reasons))
    outcome = ctx.service.issue(form.to_request(), out_dir=ctx.out_dir)
    ctx.facts["issued"] = outcome
    return f"住民票の写し {outcome.certificates[0].issue_number} → {outcome.pdf_paths[0]}"


def step_day_close(ctx: DemoContext) -> str:
    report, path = ctx.service.day_close_pdf(path=ctx.out_dir / "nikkeihyo.pdf")
    return f"日計表: {report.total_count}件 {report.total_fee_yen}円 → {path}"


def _bcp_steps() -> list[Step]:
    from client.demo.bcp_story import BCP_STEPS

    return [Step(name, run) for name, run in BCP_STEPS]


HEADLESS_STEPS: list[Step] = [
    Step("sign in", step_sign_in),
    Step("search kana", step_search_kana),
    Step("open resident", step_open_resident),
    Step("issue 住民票", step_issue_juminhyo),
    Step("day close", step_day_close),
    *_bcp_steps(),
]


def run_headless(server: DemoServer, steps: list[Step] | None = None, demo_dir: Path = DEMO_DIR) -> int:
    from client.composition.root import build

    out_dir = demo_dir / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    service = build(demo_config(server, demo_dir), out_dir=out_dir, start=False).service
    ctx = DemoContext(server=server, service=service, out_dir=out_dir)
    for i, step in enumerate(steps or HEADLESS_STEPS, start=1):
        try:
            summary = step.run(ctx)
        except Exception as exc:  # the demo reports and stops at the failing step
            message = getattr(exc, "message_ja", "") or repr(exc)
            print(f"[demo] {i}. {step.name}: 失敗 / FAILED — {message}", flush=True)
            return 1
        print(f"[demo] {i}. {step.name}: {summary}", flush=True)
    print("[demo] 完了 / done", flush=True)
    return 0


def has_display() -> bool:
    if os.environ.get("QT_QPA_PLATFORM", "") in ("offscreen", "minimal"):
        return False
    return sys.platform in ("win32", "darwin") or bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m client.demo", description="Madoguchi demo")
    parser.add_argument("--headless", action="store_true", help="run the scripted demo without a window")
    parser.add_argument("--lang", choices=("ja", "en"), default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request drowns the story
    server = prepare_server()
    print(f"[demo] server: {server.url} (db {server.db_url})", flush=True)
    try:
        if args.headless or not has_display():
            return run_headless(server)
        from client.ui.app import build_app, run_gui, server_description

        config = demo_config(server)
        app = build_app(config, language=args.lang, server_text=server_description(config),
                        out_dir=DEMO_DIR / "out")
        return run_gui(app, user=DEMO_CLERK[0], password=DEMO_CLERK[1])
    finally:
        server.stop()


if __name__ == "__main__":
    raise SystemExit(main())
