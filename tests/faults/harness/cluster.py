"""One batch of trials: a real server (``madoguchi-server serve`` on SQLite, restartable after a
kill -9), two fault proxies as the primary and secondary lines, and three enrolled terminals of
one municipality with replicas, outboxes and leased serials. Reused across the trials of a batch
(each trial ends in a recovery and a check, so the next one starts from a clean, verified state).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from client.local.keystore import KeyStore
from client.remote.errors import LineDownError
from client.remote.http import DataCentreClient
from server_stub.db import make_engine, make_sessionmaker, write_session
from server_stub.migrate import upgrade
from server_stub.models import Resident, SupportMeasurePerson, Suppression
from server_stub.seed.demo import demo_terminal_private_key, enroll_terminal
from tests.conftest import ServerProcess, start_server
from tests.faults.proxy import FaultProxy
from tests.faults.replica_support import FileKeyring
from tests.integration.bcp_env import CODE, Terminal, plain_subjects, seed

TERMINALS = (("T001", "本庁1", "clerk1", "clerk1pass"), ("T002", "本庁2", "clerk2", "clerk2pass"),
             ("T003", "本庁3", "clerk1", "clerk1pass"))
LEASE = 400  # serials per terminal per batch (the harness refills when low)
TMPFS_BYTES = 24 * 1024 * 1024
REQUEST_TIMEOUT = 3.0  # a silent line costs a trial this long, not the application's 10 s


class Batch:
    def __init__(self, root: Path, *, server_env: dict[str, str] | None = None, residents: int = 60) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.server_env = server_env or {}
        self.db_url = f"sqlite:///{self.root / 'server.db'}"
        upgrade(self.db_url)
        seed(self.db_url, residents=residents)
        self._enroll_third_terminal()
        self.subjects = plain_subjects(self.db_url, 8)
        self.flagged = self._flagged_subjects()
        self.server: ServerProcess = start_server(self.db_url, self.root, extra_env=self.server_env)
        self.primary = FaultProxy("127.0.0.1", self.server.port)
        self.secondary = FaultProxy("127.0.0.1", self.server.port)
        self.keyring_file = self.root / "keyring.json"
        self.tmpfs: Path | None = None
        self.terminals: list[Terminal] = []
        try:
            self.tmpfs = self._mount_tmpfs(self.root / "small-disk")
            for i in range(len(TERMINALS)):
                self.terminals.append(self._open(i, fresh=True))
        except BaseException:
            self.close()  # nothing of a failed set-up is left running or mounted
            raise
        self.handed_out: dict[str, str] = {}  # uuid → terminal id: every certificate a clerk handed out
        self.refused_flagged = 0
        self.faults: Counter[str] = Counter()
        self.outcomes: Counter[str] = Counter()

    # -- set-up --------------------------------------------------------------------------------

    def _enroll_third_terminal(self) -> None:
        from client.certificate.signing import public_key_for

        engine = make_engine(self.db_url)
        try:
            with write_session(make_sessionmaker(engine)) as s:
                enroll_terminal(s, CODE, "T003", "本庁3", public_key_for(demo_terminal_private_key(CODE, "T003")),
                                "harness", datetime.now(UTC))
        finally:
            engine.dispose()

    def _flagged_subjects(self) -> list[str]:
        """Residents under 支援措置 or 抑止 (in person or by household): BCP must refuse them all."""
        engine = make_engine(self.db_url)
        try:
            with Session(engine) as s:
                protected = set(s.scalars(select(SupportMeasurePerson.atena_no)
                                          .where(SupportMeasurePerson.municipality_code == CODE)))
                people = {a for a in s.scalars(select(Suppression.atena_no)
                                                .where(Suppression.municipality_code == CODE)) if a}
                households = {h for h in s.scalars(select(Suppression.household_no)
                                                    .where(Suppression.municipality_code == CODE)) if h}
                in_households = set(s.scalars(select(Resident.atena_no).where(
                    Resident.municipality_code == CODE, Resident.household_no.in_(households))))
        finally:
            engine.dispose()
        flagged = sorted(protected | people | in_households)
        assert flagged, "the demo data has no 支援措置/抑止 to test against"
        return flagged

    def _mount_tmpfs(self, path: Path) -> Path | None:
        """A small file system for the third terminal's outbox (the disk-full trials), if root."""
        path.mkdir(exist_ok=True)
        if os.geteuid() != 0:
            return None
        proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={TMPFS_BYTES}", "tmpfs", str(path)],
                              capture_output=True, text=True)
        return path if proc.returncode == 0 else None

    def data_dir(self, i: int) -> Path:
        if i == 2 and self.tmpfs is not None:
            return self.tmpfs / "t3"
        return self.root / f"t{i + 1}"

    def _open(self, i: int, *, fresh: bool = False) -> Terminal:
        tid, name, user, password = TERMINALS[i]
        remote = DataCentreClient(self.primary.url, self.secondary.url, timeout=REQUEST_TIMEOUT, connect_timeout=1.0)
        for attempt in range(5):  # the harness's own sign-in: a busy machine may refuse a connection once
            try:
                remote.token = remote.login(CODE, user, password, tid)["token"]
                break
            except LineDownError:
                if attempt == 4:
                    raise
                time.sleep(0.5 * (attempt + 1))
        terminal = Terminal.build(self.data_dir(i), remote, KeyStore(FileKeyring(self.keyring_file)),
                                  terminal_id=tid, terminal_name=name)
        if fresh:
            terminal.lease(LEASE)
            terminal.bootstrap()
        return terminal

    def reopen(self, i: int) -> Terminal:
        """After a killed worker: the terminal's files opened afresh (as after a restart)."""
        with contextlib.suppress(Exception):
            self.terminals[i].close()
        self.terminals[i] = self._open(i)
        return self.terminals[i]

    def release(self, i: int) -> tuple[Path, str]:
        """Close terminal ``i`` in this process so a worker process can own its files."""
        t = self.terminals[i]
        token = t.remote.token or ""
        t.outbox.close()
        t.store.close()
        return self.data_dir(i), token

    # -- faults --------------------------------------------------------------------------------

    def lines(self, mode: str, which: str = "both", **settings: Any) -> None:
        for name, proxy in (("primary", self.primary), ("secondary", self.secondary)):
            if which in (name, "both"):
                for k, v in settings.items():
                    setattr(proxy, k, v)
                proxy.set_mode(mode)
                proxy.drop_all()  # kept-alive connections were opened in another mode

    def heal_lines(self) -> None:
        self.lines("pass")

    def kill_server(self) -> None:
        self.server.proc.kill()
        self.server.proc.wait(timeout=10)

    def restart_server(self) -> None:
        if self.server.proc.poll() is None:
            return
        self.server = start_server(self.db_url, self.root, extra_env=self.server_env, migrate=False)
        for proxy in (self.primary, self.secondary):
            proxy.upstream = ("127.0.0.1", self.server.port)
            proxy.drop_all()

    def refill(self, i: int) -> None:
        t = self.terminals[i]
        if t.outbox.serials_available(datetime.now(UTC)) < 60:
            t.lease(LEASE)

    def close(self) -> None:
        for t in self.terminals:
            with contextlib.suppress(Exception):
                t.close()
        self.primary.close()
        self.secondary.close()
        self.server.stop()
        if self.tmpfs is not None:
            subprocess.run(["umount", "-l", str(self.tmpfs)], capture_output=True)
        shutil.rmtree(self.root, ignore_errors=True)
