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
from typing import Any

from client.errors import ClerkError

INSTALL_MARKERS = ("madoguchi.pyw", "madoguchi.cmd")


class DecommissionError(ClerkError):
    """Base of decommissioning refusals: one message for the clerk (ja), one for the log (en)."""


class OutboxNotEmptyError(DecommissionError):
    """Unsynced BCP issuances are still in the outbox: removing the data would lose them."""

    def __init__(self, pending: int) -> None:
        self.pending = pending
        super().__init__(
            f"未送信の縮退運用中の記録(交付記録・アクセスログ)が {pending} 件残っているため、端末の廃止処理を中止しました。"
            "サーバーに接続できる状態で「madoguchi sync」を実行してから、再度実行してください。",
            f"refusing to decommission: the outbox still holds {pending} unsynced record(s) "
            "(BCP issuances and access-log entries); "
            "run 'madoguchi sync' while the server is reachable, then try again",
        )


class OutboxUnreadableError(DecommissionError):
    """The outbox could not be opened or counted: whether it is empty is unknown."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            "送信待ちの記録を確認できないため、端末の廃止処理を中止しました。"
            "データセンターで欠落がないことを確認した場合に限り --force を指定してください。",
            f"refusing to decommission: the outbox cannot be read ({reason}); "
            "use --force only after confirming with the data centre that nothing is missing",
        )


class UnsafeDataDirError(DecommissionError):
    """The path given as data directory must not be removed (root, home, install directory)."""

    def __init__(self, path: Path, why: str) -> None:
        super().__init__(
            f"{path} は端末データのフォルダーとして削除できません({why})。",
            f"refusing to remove {path}: {why}",
        )


class DecommissionIncompleteError(DecommissionError):
    """Keys were deleted, but some files could not be removed (they are unreadable without keys)."""

    def __init__(self, leftovers: tuple[Path, ...]) -> None:
        self.leftovers = leftovers
        shown = ", ".join(str(p) for p in leftovers[:5])
        super().__init__(
            f"暗号鍵は削除しましたが、{len(leftovers)} 件のファイルを削除できませんでした: {shown}",
            f"keyring entries deleted, but {len(leftovers)} path(s) could not be removed: {shown}",
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
        from client.local.keystore import KeyringUnavailableError

        if isinstance(exc, KeyringUnavailableError):
            raise  # no keyring: nothing can be counted or erased; its message says what to configure
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


# ---------------------------------------------------------------------------------------------
# ``madoguchi decommission``: the real outbox and keyring behind the two callables
# ---------------------------------------------------------------------------------------------

TERMINAL_PASSPHRASE_ENTRY = "terminal-key-passphrase"  # client.local.keystore's entry for the terminal key


def terminal_database_keys(data_dir: Path, municipality_code: str | None) -> list[str]:
    """Names of the keyring database keys this terminal holds (outboxes, own and partner replicas)."""
    names: list[str] = []
    if municipality_code:
        names.append(f"outbox-{municipality_code}")
        names.append(f"outbox-{municipality_code}-drill")  # 防災訓練 outbox: never pushed, nothing to sync
        names.append(f"replica-{municipality_code}")
        names.append(f"peer-holds-{municipality_code}")  # client.local.files.peer_holds_key_name (issue 18)
        names.append(f"peer-mirror-{municipality_code}")  # the peers' mirrored BCP issuances (issue 18)
    if data_dir.is_dir():
        from client.replica.status import replica_codes

        for code in replica_codes(data_dir):  # every generation and building file
            if f"replica-{code}" not in names:
                names.append(f"replica-{code}")
        from client.local.files import partner_outbox_codes, partner_outbox_key_name

        names.extend(partner_outbox_key_name(code) for code in partner_outbox_codes(data_dir))
    return names


def _enrolled_code(data_dir: Path) -> str | None:
    from client.lifecycle.enrollment import Enrolment, NotEnrolledError

    try:
        return Enrolment.load(data_dir).municipality_code
    except NotEnrolledError:
        return None


def real_outbox_count(data_dir: Path, municipality_code: str | None) -> Callable[[], int]:
    def count() -> int:
        from client.local.files import (
            OUTBOX_FILE,
            partner_outbox_codes,
            partner_outbox_key_name,
            partner_outbox_path,
        )
        from client.local.keystore import KeyStore
        from client.outbox.store import Outbox

        keystore = KeyStore()

        def unsynced(box: Outbox) -> int:
            # issuances and the BCP access log (sign-ins, views, refusals): both must reach the server
            return box.count_pending() + box.count_access_pending()

        # mutual backup: a partner's BCP issuances made here wait in their own outbox files
        partners = 0
        for code in partner_outbox_codes(data_dir):
            pbox = Outbox.open(partner_outbox_path(data_dir, code), keystore.database_key(partner_outbox_key_name(code)),
                               create=False)
            try:
                partners += unsynced(pbox)
            finally:
                pbox.close()
        path = data_dir / OUTBOX_FILE
        if not path.exists():
            return partners
        if not municipality_code:
            raise RuntimeError(f"{path} exists but the terminal's enrolment record is missing")
        box = Outbox.open(path, keystore.database_key(f"outbox-{municipality_code}"), create=False)
        try:
            return unsynced(box) + partners
        finally:
            box.close()

    return count


def real_keyring_delete(data_dir: Path, municipality_code: str | None) -> Callable[[], None]:
    names = terminal_database_keys(data_dir, municipality_code)

    def delete() -> None:
        import keyring.errors

        from client.local.keystore import SERVICE, KeyStore, check_backend

        store = KeyStore()
        for name in names:
            store.delete_database_key(name)
        try:
            check_backend().delete_password(SERVICE, TERMINAL_PASSPHRASE_ENTRY)
        except keyring.errors.PasswordDeleteError:
            pass

    return delete


def register_decommission(sub: Any) -> None:
    p = sub.add_parser(
        "decommission",
        help="端末を廃止し、端末内のデータと暗号鍵を削除する / erase this terminal's data and keys",
        description="Refuses while the outbox holds unsynced records: run 'madoguchi sync' first.",
    )
    p.add_argument("--data-dir", type=Path, help="terminal data directory (default: from the configuration)")
    p.add_argument("--config", type=Path, help="configuration file (default: $MADOGUCHI_HOME/config.toml)")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument("--force", action="store_true",
                   help="discard unsynced or unreadable outbox records (only after the data centre confirms)")
    p.set_defaults(func=run_decommission)


def run_decommission(args: Any) -> int:
    import sys

    from client.lifecycle.config import ConfigError, load_config

    try:
        data_dir = args.data_dir or load_config(args.config).data_dir
    except ConfigError as exc:
        print(f"エラー: {exc.message_ja}\nerror: {exc.message_en}", file=sys.stderr)
        return 2
    assert data_dir is not None
    if not args.yes:
        if not sys.stdin or not sys.stdin.isatty():
            print("エラー: 確認なしでは実行できません。--yes を指定してください。\n"
                  "error: not a terminal: pass --yes to confirm", file=sys.stderr)
            return 2
        answer = input(f"{data_dir} の端末データと暗号鍵を削除します。よろしいですか? "
                       "Erase this terminal's data and keys? [yes/no]: ")
        if answer.strip().lower() not in ("yes", "y", "はい"):
            print("中止しました / cancelled", file=sys.stderr)
            return 1
    code = _enrolled_code(Path(data_dir))
    try:
        report = decommission(
            Path(data_dir),
            outbox_count=real_outbox_count(Path(data_dir), code),
            keyring_delete=real_keyring_delete(Path(data_dir), code),
            force=args.force,
        )
    except DecommissionError as exc:
        print(f"エラー: {exc.message_ja}\nerror: {exc.message_en}", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - keyring failures carry message_ja/message_en too
        ja = getattr(exc, "message_ja", "端末の廃止処理に失敗しました。")
        print(f"エラー: {ja}\nerror: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(f"端末データを削除しました / terminal data erased: {report.data_dir} "
          f"({report.removed_files} files; keyring entries deleted)")
    if report.discarded_records:
        print(f"警告: 未送信の記録 {report.discarded_records} 件を破棄しました / "
              f"discarded {report.discarded_records} unsynced record(s)", file=sys.stderr)
    return 0
