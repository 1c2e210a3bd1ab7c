"""Decommissioning refuses while the outbox holds records; otherwise erases keys, then data."""

from __future__ import annotations

from pathlib import Path

import pytest

from client.lifecycle.decommission import (
    OutboxNotEmptyError,
    OutboxUnreadableError,
    UnsafeDataDirError,
    decommission,
)


def _data_dir(tmp_path: Path) -> Path:
    data = tmp_path / "Madoguchi"
    (data / "logs").mkdir(parents=True)
    (data / "replica-131016.db").write_bytes(b"x" * 100)
    (data / "outbox.db").write_bytes(b"y" * 10)
    (data / "logs" / "madoguchi.log").write_text("log\n", encoding="utf-8")
    return data


class FakeKeyring:
    def __init__(self) -> None:
        self.entries = {"db:outbox": "k1", "db:replica-131016": "k2"}
        self.calls = 0

    def delete_all(self) -> None:
        self.calls += 1
        self.entries.clear()


def test_refuses_while_outbox_holds_records(tmp_path: Path) -> None:
    data = _data_dir(tmp_path)
    ring = FakeKeyring()
    with pytest.raises(OutboxNotEmptyError) as info:
        decommission(data, outbox_count=lambda: 3, keyring_delete=ring.delete_all)
    assert info.value.pending == 3
    assert "3" in info.value.message_ja and "未送信" in info.value.message_ja
    assert "unsynced" in info.value.message_en
    assert ring.calls == 0 and ring.entries
    assert (data / "outbox.db").read_bytes() == b"y" * 10


def test_empty_outbox_removes_data_and_keys(tmp_path: Path) -> None:
    data = _data_dir(tmp_path)
    sibling = tmp_path / "other.txt"
    sibling.write_text("keep", encoding="utf-8")
    ring = FakeKeyring()
    report = decommission(data, outbox_count=lambda: 0, keyring_delete=ring.delete_all)
    assert not data.exists() and sibling.read_text(encoding="utf-8") == "keep"
    assert ring.entries == {} and ring.calls == 1
    assert report.removed_files == 3 and report.keyring_cleared and not report.forced
    assert report.discarded_records == 0


def test_unreadable_outbox_refuses_unless_forced(tmp_path: Path) -> None:
    data = _data_dir(tmp_path)
    ring = FakeKeyring()

    def broken() -> int:
        raise RuntimeError("wrong key")

    with pytest.raises(OutboxUnreadableError, match="wrong key"):
        decommission(data, outbox_count=broken, keyring_delete=ring.delete_all)
    assert data.exists() and ring.calls == 0
    report = decommission(data, outbox_count=broken, keyring_delete=ring.delete_all, force=True)
    assert report.forced and not data.exists()


def test_force_discards_pending_records_and_says_so(tmp_path: Path) -> None:
    data = _data_dir(tmp_path)
    report = decommission(data, outbox_count=lambda: 2, keyring_delete=lambda: None, force=True)
    assert report.discarded_records == 2 and not data.exists()


def test_missing_data_dir_still_clears_keyring(tmp_path: Path) -> None:
    ring = FakeKeyring()
    report = decommission(tmp_path / "never-created", outbox_count=lambda: 0, keyring_delete=ring.delete_all)
    assert not report.data_dir_existed and ring.entries == {}


def test_refuses_unsafe_targets(tmp_path: Path) -> None:
    install = tmp_path / "Program Files" / "Madoguchi"
    install.mkdir(parents=True)
    (install / "madoguchi.pyw").write_text("", encoding="utf-8")
    for target in (install, Path("/"), Path.home()):
        with pytest.raises(UnsafeDataDirError):
            decommission(target, outbox_count=lambda: 0, keyring_delete=lambda: None)
    assert (install / "madoguchi.pyw").exists()


# --- madoguchi decommission: the real SQLCipher outbox and a keyring backend ------------------


def _enrolled_terminal(data_dir: Path, keyring_backend: object) -> None:
    """An enrolled terminal's data: terminal.json, an outbox with one pending record, keys."""
    import json
    from datetime import UTC, datetime, timedelta

    from client.local.keystore import KeyStore
    from client.outbox.store import Lease, Outbox

    now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    data_dir.mkdir(parents=True)
    (data_dir / "terminal.json").write_text(json.dumps({
        "municipality_code": "131016", "terminal_id": "T-1", "terminal_name": "窓口1", "key_id": "k1",
        "server_url": "https://dc.example.jp/", "secondary_url": None, "enrolled_at": now.isoformat(),
        "enrolled_by": "admin"}), encoding="utf-8")
    store = KeyStore()
    store.ensure_database_key("replica-131016")
    store.ensure_database_key("replica-011002")  # a partner municipality's replica
    store.ensure_database_key("outbox-131016-drill")  # a drill (防災訓練) outbox
    (data_dir / "replica-011002.db").write_bytes(b"partner replica")
    store.create_terminal_key(data_dir)
    box = Outbox.open(data_dir / "outbox.db", store.ensure_database_key("outbox-131016"))
    try:
        box.add_lease(Lease("lease-1", 1, 10, now + timedelta(days=1)))
        box.record_issuance(uuid="u-1", copies=1, now=now, build=lambda serials: {"serials": serials},
                            access_entry={"at": now.isoformat(), "user_id": "c1", "action": "issue",
                                          "subject": "1", "mode": "bcp"})
    finally:
        box.close()


def test_cli_refuses_with_pending_outbox_then_erases_after_sync(
    tmp_path: Path, memory_keyring, capsys: pytest.CaptureFixture[str]  # noqa: ANN001
) -> None:
    from datetime import UTC, datetime

    from client.cli import main
    from client.local.keystore import KeyStore
    from client.outbox.store import Outbox

    data = tmp_path / "Madoguchi"
    _enrolled_terminal(data, memory_keyring)
    assert len(memory_keyring.entries) == 5

    assert main(["decommission", "--data-dir", str(data), "--yes"]) == 1
    err = capsys.readouterr().err
    # issue 20: the issuance and its BCP access-log entry both wait (was: only the issuance counted)
    assert "未送信" in err and "2 unsynced record" in err
    assert (data / "outbox.db").exists() and len(memory_keyring.entries) == 5

    box = Outbox.open(data / "outbox.db", KeyStore().database_key("outbox-131016"), create=False)
    box.mark_synced("u-1", "srv-1", datetime(2026, 11, 23, 11, 0, tzinfo=UTC))
    box.close()
    assert main(["decommission", "--data-dir", str(data), "--yes"]) == 1  # the access log still waits
    assert "1 unsynced record" in capsys.readouterr().err
    box = Outbox.open(data / "outbox.db", KeyStore().database_key("outbox-131016"), create=False)
    box.mark_access_uploaded(max(int(e["seq"]) for e in box.access_entries()))
    box.close()
    assert main(["decommission", "--data-dir", str(data), "--yes"]) == 0
    assert not data.exists()
    assert memory_keyring.entries == {}


def test_cli_needs_confirmation_when_not_interactive(tmp_path: Path, memory_keyring) -> None:  # noqa: ANN001
    from client.cli import main

    data = tmp_path / "Madoguchi"
    data.mkdir()
    assert main(["decommission", "--data-dir", str(data)]) == 2
    assert data.exists()
