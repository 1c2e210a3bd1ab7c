"""Decommissioning a terminal: make sure nothing is waiting to sync, then erase its local data.

The MSI never touches user data (replica, outbox, logs live outside the install directory and
survive upgrade and uninstall), so retiring a terminal is a deliberate step:

1. sync (the outbox must be empty: BCP issuances not yet on the server would be lost),
2. delete the keyring entries (the databases' raw keys, the terminal key's passphrase): from
   this moment the encrypted files are unreadable, even if a file cannot be removed,
3. remove the data directory.

The outbox and the keyring are reached through injected callables, so this module has no opinion
on how they are opened and is tested with real directories and fakes for both.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

INSTALL_MARKERS = ("madoguchi.pyw", "madoguchi.cmd")


class DecommissionError(Exception):
    """Base of decommissioning refusals: one message for the clerk (ja), one for the log (en)."""

    def __init__(self, message_en: str, message_ja: str) -> None:
        super().__init__(message_en)
        self.message_en = message_en
        self.message_ja = message_ja

    def __str__(self) -> str:
        return f"{self.message_en} / {self.message_ja}"


class OutboxNotEmptyError(DecommissionError):
    """Unsynced BCP issuances are still in the outbox: removing the data would lose them."""

    def __init__(self, pending: int) -> None:
        self.pending = pending
        super().__init__(
            f"refusing to decommission: the outbox still holds {pending} unsynced record(s); "
            "run 'madoguchi sync' while the server is reachable, then try again",
            f"未送信の縮退運用中の交付記録が {pending} 件残っているため、端末の廃止処理を中止しました。"
            "サーバーに接続できる状態で「madoguchi sync」を実行してから、再度実行してください。",
        )


class OutboxUnreadableError(DecommissionError):
    """The outbox could not be opened or counted: whether it is empty is unknown."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            f"refusing to decommission: the outbox cannot be read ({reason}); "
            "use --force only after confirming with the data centre that nothing is missing",
            "送信待ちの記録を確認できないため、端末の廃止処理を中止しました。"
            "データセンターで欠落がないことを確認した場合に限り --force を指定してください。",
        )


class UnsafeDataDirError(DecommissionError):
    """The path given as data directory must not be removed (root, home, install directory)."""

    def __init__(self, path: Path, why: str) -> None:
        super().__init__(
            f"refusing to remove {path}: {why}",
            f"{path} は端末データのフォルダーとして削除できません({why})。",
        )


class DecommissionIncompleteError(DecommissionError):
    """Keys were deleted, but some files could not be removed (they are unreadable without keys)."""

    def __init__(self, leftovers: tuple[Path, ...]) -> None:
        self.leftovers = leftovers
        shown = ", ".join(str(p) for p in leftovers[:5])
        super().__init__(
            f"keyring entries deleted, but {len(leftovers)} path(s) could not be removed: {shown}",
            f"暗号鍵は削除しましたが、{len(leftovers)} 件のファイルを削除できませんでした: {shown}",
        )


@dataclass(frozen=True)
class DecommissionReport:
    data_dir: Path
    removed_files: int
    data_dir_existed: bool
    keyring_cleared: bool
    forced: bool
    discarded_records: int  # > 0 only with force: unsynced records given up deliberately


def _check_removable(data_dir: Path) -> Path:
    resolved = data_dir.expanduser().resolve()
    if resolved == Path(resolved.anchor) or len(resolved.parts) < 3:
        raise UnsafeDataDirError(resolved, "too close to the file system root")
    if resolved == Path.home().resolve():
        raise UnsafeDataDirError(resolved, "it is the user's home directory")
    if resolved.is_dir() and any((resolved / marker).exists() for marker in INSTALL_MARKERS):
        raise UnsafeDataDirError(resolved, "it is the application's install directory")
    if resolved.exists() and not resolved.is_dir():
        raise UnsafeDataDirError(resolved, "not a directory")
    return resolved


def _remove_tree(root: Path) -> tuple[int, tuple[Path, ...]]:
    count = sum(1 for p in root.rglob("*") if p.is_file() or p.is_symlink())
    failures: list[Path] = []

    def on_error(_func: object, path: str, _exc_info: object) -> None:
        failures.append(Path(path))

    shutil.rmtree(root, onerror=on_error)  # onexc is 3.12+; the terminals run 3.11
    return count - len([p for p in failures if not p.is_dir()]), tuple(failures)


def decommission(
    data_dir: Path,
    *,
    outbox_count: Callable[[], int],
    keyring_delete: Callable[[], None],
    force: bool = False,
) -> DecommissionReport:
    """Erase a terminal's local data, refusing while the outbox holds unsynced records.

    ``force`` gives up unsynced or unreadable outbox records on purpose (a terminal whose
    records are known to be lost or re-entered); the report says how many were discarded.
    """
    target = _check_removable(data_dir)
    try:
        pending = int(outbox_count())
    except Exception as exc:  # noqa: BLE001 - any failure means "unknown", which refuses
        if not force:
            raise OutboxUnreadableError(f"{type(exc).__name__}: {exc}") from exc
        pending = 0
    if pending > 0 and not force:
        raise OutboxNotEmptyError(pending)

    keyring_delete()  # crypto-erase first: the files are unreadable from here on
    existed = target.is_dir()
    removed, leftovers = _remove_tree(target) if existed else (0, ())
    if leftovers:
        raise DecommissionIncompleteError(leftovers)
    return DecommissionReport(
        data_dir=target,
        removed_files=removed,
        data_dir_existed=existed,
        keyring_cleared=True,
        forced=force,
        discarded_records=pending if force else 0,
    )
