"""Decommissioning refuses while the outbox holds records; otherwise erases keys, then data."""

from __future__ import annotations

from pathlib import Path

import pytest

from client.decommission import (
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
