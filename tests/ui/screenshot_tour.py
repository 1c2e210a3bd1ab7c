"""Drives the real counter UI on a display (Xvfb) and saves screenshots a reviewer can open.

Run by tests/ui/test_screenshots.py as a subprocess with DISPLAY set:
    python -m tests.ui.screenshot_tour --server URL --out DIR --kana KANA --atena ATENA [--protected-kana K --protected-atena A]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from PySide6.QtWidgets import QApplication, QWidget

from client.domain.model import IdentityDocument, JuminhyoItem
from client.ui.app import CounterApp
from tests.fixtures.counter_server import CLERK, make_service
from tests.ui.helpers import commit_japanese, find_row


def wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        QApplication.processEvents()
        time.sleep(0.01)


def settle(seconds: float = 0.3) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.01)


def shoot(widget: QWidget, path: Path) -> None:
    settle()
    if not widget.grab().save(str(path)):
        raise RuntimeError(f"could not save {path}")
    print(f"saved {path}", flush=True)


def sized(window: QWidget, width: int, height: int) -> None:
    """A fixed window size for the shot (no window manager under Xvfb to maximise it)."""
    window.showNormal()
    window.resize(width, height)
    wait_for(lambda: (window.width(), window.height()) == (width, height))


def open_resident(window: object, kana: str, atena: str) -> None:
    w = window  # MainWindow
    w.search_edit.clear()  # type: ignore[attr-defined]
    commit_japanese(w.search_edit, kana)  # type: ignore[attr-defined]
    wait_for(lambda: find_row(w.results_model, atena) >= 0)  # type: ignore[attr-defined]
    w.results_view.selectRow(find_row(w.results_model, atena))  # type: ignore[attr-defined]
    wait_for(lambda: w.current_summary is not None and w.current_summary.atena_no == atena)  # type: ignore[attr-defined]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--server", required=True)
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--kana", required=True)
    p.add_argument("--atena", required=True)
    p.add_argument("--protected-kana")
    p.add_argument("--protected-atena")
    args = p.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    service = make_service(args.server, args.out / "pdf")
    app = CounterApp(service, printer=None, server_text=f"サーバー: {args.server}  団体コード: 132403  端末: T001")

    signin = app.sign_in_dialog()
    signin.show()
    signin.user_edit.setText(CLERK[0])
    signin.password_edit.setText(CLERK[1])
    shoot(signin, args.out / "01-sign-in.png")
    signin.submit()
    wait_for(lambda: signin.session is not None)
    signin.close()

    window = app.open_main_window()
    sized(window, 1366, 768)  # the small counter laptop
    open_resident(window, args.kana, args.atena)
    wait_for(lambda: window.current_detail is not None)
    shoot(window, args.out / "02-search-results.png")
    sized(window, 1920, 1080)
    shoot(window, args.out / "02b-search-results-1920x1080.png")
    sized(window, 1366, 768)

    window.open_issuance()
    dialog = window.issuance_dialog
    wait_for(lambda: dialog.decision is not None)
    dialog.whole_check.setChecked(True)
    dialog.item_checks[JuminhyoItem.HEAD_RELATION.value].setChecked(True)
    dialog.identity_combo.setCurrentIndex(dialog.identity_combo.findData(IdentityDocument.DRIVERS_LICENSE))
    wait_for(lambda: dialog.issue_button.isEnabled())
    shoot(dialog, args.out / "03-issuance-dialog.png")
    dialog.issue()
    wait_for(lambda: dialog.outcome is not None)
    shoot(dialog, args.out / "04-issued.png")
    dialog.close()

    if args.protected_atena:
        open_resident(window, args.protected_kana, args.protected_atena)
        wait_for(lambda: window.detail_pane.stop_label.isVisibleTo(window.detail_pane))
        shoot(window, args.out / "05-support-measure-stop.png")
        window.open_issuance()
        stop = window.issuance_dialog
        stop.identity_combo.setCurrentIndex(stop.identity_combo.findData(IdentityDocument.MY_NUMBER_CARD))
        wait_for(lambda: stop.decision is not None and stop.release_button.isVisible())
        shoot(stop, args.out / "06-issuance-needs-release.png")
        stop.close()

    window.open_history()
    history = window.history_dialog
    wait_for(lambda: len(history.entries) >= 1)
    shoot(history, args.out / "07-history.png")
    history.close()

    window.open_day_close()
    close = window.day_close_dialog
    wait_for(lambda: close.report is not None)
    shoot(close, args.out / "08-day-close.png")
    close.close()

    # BCP mode as the window shows it (frame, banner with data time, 未送信 and serials left). This
    # terminal is not enrolled, so only the mode display is switched; the data still come online.
    app.bridge.publish("bcp", datetime.now().astimezone() - timedelta(minutes=35), 2, 37)
    wait_for(lambda: window.banner.mode == "bcp")
    if window.mode_notice is not None:
        shoot(window.mode_notice, args.out / "10b-bcp-notice.png")
        window.mode_notice.close()
    shoot(window, args.out / "10-bcp-mode.png")
    app.bridge.publish("bcp", datetime.now().astimezone() - timedelta(minutes=35), 2, 0)
    wait_for(lambda: window.banner.serials_available == 0)
    shoot(window, args.out / "11-bcp-no-serials.png")

    app.languages.set_language("en")
    sized(window, 1920, 1080)
    app.bridge.publish("bcp", datetime.now().astimezone() - timedelta(minutes=35), 2, 37)
    settle()
    shoot(window, args.out / "10c-bcp-mode-english-1920x1080.png")
    app.bridge.publish("online", datetime.now().astimezone(), 0, 200)
    wait_for(lambda: window.banner.mode == "online")
    if window.mode_notice is not None:
        window.mode_notice.close()
    sized(window, 1366, 768)
    window.show_message("")
    settle()
    shoot(window, args.out / "09-main-window-english.png")
    app.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
