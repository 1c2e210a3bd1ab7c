"""Issued but not printed (未印刷): issuances this terminal recorded whose certificates did not reach
the printer — the clerk closed the print preview, or the printer failed.

The issuance stands (its 発行番号 are used and in the 交付履歴); what is missing is paper. The
rendered PDFs are kept, so the clerk prints them later from the 交付履歴 without a supervisor and
without voiding or renumbering, and the fee is not taken until they are printed. Kept in a small
JSON file beside the PDFs so a restart does not forget them. Qt-free.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from client.services.errors import ClerkError
from client.services.records import IssuanceOutcome

log = logging.getLogger(__name__)

UNPRINTED_FILE = "unprinted.json"


@dataclass(frozen=True)
class UnprintedIssuance:
    issuance_id: str
    issue_numbers: tuple[str, ...]
    pdf_paths: tuple[str, ...]
    fee_yen: int


class UnprintedStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def _load(self) -> dict[str, UnprintedIssuance]:
        try:
            rows = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.error("unprinted list %s unreadable: %s", self.path, exc)
            return {}
        out = {}
        for r in rows if isinstance(rows, list) else ():
            try:
                item = UnprintedIssuance(str(r["issuance_id"]), tuple(r["issue_numbers"]), tuple(r["pdf_paths"]),
                                         int(r["fee_yen"]))
            except (KeyError, TypeError, ValueError):
                continue
            out[item.issuance_id] = item
        return out

    def _save(self, items: dict[str, UnprintedIssuance]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps([asdict(i) for i in items.values()], ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.path)

    def add(self, outcome: IssuanceOutcome) -> UnprintedIssuance:
        item = UnprintedIssuance(
            outcome.issuance_id,
            tuple(c.issue_number for c in outcome.certificates),
            tuple(str(p) for p in outcome.pdf_paths),
            int(outcome.fee_yen),
        )
        with self._lock:
            items = self._load()
            items[item.issuance_id] = item
            self._save(items)
        log.warning("issuance %s recorded but not printed (%s)", item.issuance_id, ", ".join(item.issue_numbers))
        return item

    def printed(self, issuance_id: str) -> None:
        with self._lock:
            items = self._load()
            if items.pop(issuance_id, None) is not None:
                self._save(items)

    def get(self, issuance_id: str) -> UnprintedIssuance | None:
        with self._lock:
            return self._load().get(issuance_id)

    def all(self) -> list[UnprintedIssuance]:
        with self._lock:
            return list(self._load().values())

    def paths_to_print(self, issuance_id: str) -> list[Path]:
        """The kept PDFs of an unprinted issuance (raises when none is kept or a file is gone)."""
        item = self.get(issuance_id)
        if item is None:
            raise ClerkError("この交付は未印刷ではありません。再発行は係長の承認が必要です。",
                               f"issuance {issuance_id} is not waiting to be printed")
        paths = [Path(p) for p in item.pdf_paths]
        missing = [p for p in paths if not p.is_file()]
        if missing:
            raise ClerkError("未印刷の証明書のファイルが見つかりません。係長に再発行を依頼してください。",
                               f"unprinted PDFs missing: {missing}")
        return paths
