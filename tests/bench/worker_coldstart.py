"""Subprocess for the cold-start benchmark: ``madoguchi gui`` up to the sign-in screen.

Runs the real entry point (``client.cli(["gui"])``) with ``SignInDialog.exec`` replaced by:
show the dialog, let Qt paint it, print the wall-clock time, and answer "rejected" so the
application exits. The parent subtracts the time it started the process.
"""

from __future__ import annotations

import sys
import time


def main() -> int:
    from PySide6.QtWidgets import QApplication, QDialog

    from client.ui import signin_dialog

    def shown_then_close(self: QDialog) -> int:
        self.show()
        for _ in range(3):
            QApplication.processEvents()
        print(f"SHOWN {time.time():.6f} visible={self.isVisible()}", flush=True)
        return int(QDialog.DialogCode.Rejected.value)

    signin_dialog.SignInDialog.exec = shown_then_close  # type: ignore[method-assign,assignment]
    from client.cli import main as cli_main

    cli_main(["gui"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
