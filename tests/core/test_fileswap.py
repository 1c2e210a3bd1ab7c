"""File replacement under Windows semantics: no rename over an open file, no delete of an open
file. Checked two ways: a second process really holds the file open, and WindowsSemantics refuses
what Windows would refuse, judged from the real open handles (/proc) on this Linux machine."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from client.fileswap.generations import Generations
from client.fileswap.ops import OsFileOps, WindowsSemantics, replace_file
from client.local.keystore import KeyStore
from client.replica.store import ReplicaStore, get_meta, set_meta
from tests.keyring_memory import MemoryKeyring


@contextmanager
def held_open(path: Path, seconds: float = 60.0) -> Iterator[subprocess.Popen[str]]:
    """Another process holds ``path`` open (as a reader on Windows would) until the block ends."""
    proc = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; f = open(sys.argv[1], 'rb'); print('open', flush=True); "
                               "time.sleep(float(sys.argv[2]))", str(path), str(seconds)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "open"
        yield proc
    finally:
        proc.kill()
        proc.wait()


def test_windows_semantics_refuse_rename_over_and_delete_of_an_open_file(tmp_path: Path) -> None:
    live, new = tmp_path / "live.db", tmp_path / "new.db"
    live.write_bytes(b"old")
    new.write_bytes(b"new")
    ws = WindowsSemantics()
    with held_open(live):
        assert ws.is_open(live) and not ws.is_open(new)
        with pytest.raises(PermissionError):
            ws.replace(new, live)  # what the replica swap used to do (os.replace over the live file)
        with pytest.raises(PermissionError):
            ws.remove(live)
        assert live.read_bytes() == b"old" and new.exists()  # refused: nothing changed
    ws.replace(new, live)  # nobody holds it now
    assert live.read_bytes() == b"new" and [op for op, _ in ws.refusals] == ["replace", "remove"]


def test_windows_semantics_see_this_process_own_handles(tmp_path: Path) -> None:
    path = tmp_path / "mine.db"
    path.write_bytes(b"x")
    ws = WindowsSemantics()
    with open(path, "rb"):
        with pytest.raises(PermissionError):
            ws.remove(path)
    ws.remove(path)
    assert not path.exists()


def test_rename_new_refuses_a_taken_name(tmp_path: Path) -> None:
    (tmp_path / "a").write_text("a")
    (tmp_path / "b").write_text("b")
    with pytest.raises(FileExistsError):
        OsFileOps().rename_new(tmp_path / "a", tmp_path / "b")
    assert (tmp_path / "b").read_text() == "b"


def test_a_new_generation_goes_in_while_the_old_one_is_open_and_the_old_one_goes_later(tmp_path: Path) -> None:
    ws = WindowsSemantics()
    gens = Generations(tmp_path / "replica-131016.db", ops=ws)
    assert gens.current() == tmp_path / "replica-131016.db"  # generation 1: the name older clients wrote
    first = tmp_path / "first.building"
    first.write_bytes(b"gen one")
    first.with_name(first.name + ".kcv").write_bytes(b"kcv1")
    assert gens.install(first) == tmp_path / "replica-131016.db"
    assert (tmp_path / "replica-131016.db.kcv").read_bytes() == b"kcv1"

    second = tmp_path / "second.building"
    second.write_bytes(b"gen two")
    second.with_name(second.name + ".kcv").write_bytes(b"kcv2")
    with held_open(tmp_path / "replica-131016.db"):  # a reader in another process
        live = gens.install(second)
        assert live == tmp_path / "replica-131016.g2.db" and gens.current() == live
        assert live.read_bytes() == b"gen two" and live.with_name(live.name + ".kcv").read_bytes() == b"kcv2"
        assert (tmp_path / "replica-131016.db").read_bytes() == b"gen one"  # still open: kept
        assert ("remove", str(tmp_path / "replica-131016.db")) in ws.refusals
        assert not any(op == "replace" and path.endswith(".db") for op, path in ws.refusals)
    assert gens.collect() == [tmp_path / "replica-131016.db"]  # closed now: collected
    assert not (tmp_path / "replica-131016.db.kcv").exists()
    assert [p.name for _, p in gens.present()] == ["replica-131016.g2.db"]


def test_a_kill_before_the_pointer_is_written_keeps_the_old_generation(tmp_path: Path) -> None:
    class DiesOnPointer(OsFileOps):
        def replace(self, src: Path, dst: Path) -> None:
            raise KeyboardInterrupt("killed")  # the process dies between rename and pointer

    gens = Generations(tmp_path / "r.db")
    one = tmp_path / "one"
    one.write_bytes(b"1")
    gens.install(one)
    two = tmp_path / "two"
    two.write_bytes(b"2")
    with pytest.raises(KeyboardInterrupt):
        Generations(tmp_path / "r.db", ops=DiesOnPointer()).install(two)
    gens = Generations(tmp_path / "r.db")
    assert gens.current() == tmp_path / "r.db" and gens.current().read_bytes() == b"1"
    assert gens.collect() == [tmp_path / "r.g2.db"]  # the orphan is cleaned up


def test_a_pointer_to_a_missing_file_falls_back_to_the_newest_generation(tmp_path: Path) -> None:
    gens = Generations(tmp_path / "r.db")
    f = tmp_path / "in"
    f.write_bytes(b"1")
    gens.install(f)
    (tmp_path / "r.g2.db").write_bytes(b"2")  # renamed in, then killed before the pointer moved
    (tmp_path / "r.db").unlink()  # the live one was discarded (unreadable) meanwhile
    assert gens.current() == tmp_path / "r.g2.db"
    (tmp_path / "r.g2.db").unlink()
    assert gens.current() == tmp_path / "r.db" and not gens.current().exists()  # no replica: rebuild


def test_replace_file_waits_out_a_brief_open_and_gives_up_on_a_long_one(tmp_path: Path) -> None:
    pointer, tmp = tmp_path / "x.current", tmp_path / "x.current.tmp"
    pointer.write_text("old")
    ws = WindowsSemantics()
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; f = open(sys.argv[1]); time.sleep(0.4)",
                               str(pointer)])
    try:
        deadline = time.monotonic() + 10
        while not ws.is_open(pointer) and time.monotonic() < deadline:
            time.sleep(0.01)
        tmp.write_text("new")
        replace_file(tmp, pointer, ops=ws, retry_seconds=10)
    finally:
        holder.wait()
    assert pointer.read_text() == "new" and ws.refusals  # it was refused at least once, then done
    tmp.write_text("newer")
    with held_open(pointer):
        with pytest.raises(PermissionError):
            replace_file(tmp, pointer, ops=ws, retry_seconds=0.2)
    assert pointer.read_text() == "new"


def _build(store: ReplicaStore, marker: str) -> None:
    engine = store.open_building(fresh=True)
    with engine.begin() as conn:
        set_meta(conn, marker=marker)
    store.finalize_building(engine)


def test_the_replica_swap_works_under_windows_semantics_while_a_reader_holds_the_live_file(tmp_path: Path) -> None:
    ws = WindowsSemantics()
    keystore = KeyStore(MemoryKeyring())
    store = ReplicaStore(tmp_path, "131016", keystore, file_ops=ws)
    _build(store, "first")
    first = store.path
    with store.read() as conn:
        assert get_meta(conn, "marker") == "first"
    with held_open(first):  # e.g. `madoguchi status` in another process, or a virus scanner
        _build(store, "second")  # the store closes its own engine; the other process keeps its handle
        assert store.path != first and store.path.name == "replica-131016.g2.db"
        with store.read() as conn:
            assert get_meta(conn, "marker") == "second"
        assert first.exists()  # kept while open
    store.close()
    reopened = ReplicaStore(tmp_path, "131016", keystore, file_ops=ws)
    with reopened.read() as conn:  # opening collects what nobody holds any more
        assert get_meta(conn, "marker") == "second"
    assert not first.exists() and not first.with_name(first.name + ".kcv").exists()
    assert not any(op == "replace" and ".db" in p and not p.endswith(".current") for op, p in ws.refusals)
    reopened.close()
    from client.replica.status import replica_codes

    assert replica_codes(tmp_path) == ["131016"]
