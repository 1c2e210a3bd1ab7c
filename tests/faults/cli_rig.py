"""A terminal driven through the real ``madoguchi`` console script, against the real server
behind two fault-injecting proxies (primary and secondary line).

Each ``run`` is a new process, as an administrator at the terminal would run it; the keys are
shared through a file keyring (``tests.faults.cli_keyring``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from client.local.keystore import KeyStore
from tests.faults.cli_keyring import KEYRING_FILE_VAR
from tests.faults.proxy import FaultProxy
from tests.faults.replica_support import FileKeyring
from tests.integration.bcp_env import CODE, plain_subjects, seed

MADOGUCHI = Path(sys.executable).with_name("madoguchi")
REPO = Path(__file__).resolve().parents[2]


@dataclass
class CliRig:
    db_url: str
    server: Any
    primary: FaultProxy
    secondary: FaultProxy
    home: Path
    keyring_file: Path
    env: dict[str, str]

    def run(self, *args: str, stdin: str = "", timeout: float = 120, env: dict[str, str] | None = None
            ) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(MADOGUCHI), *args], input=stdin, env=env or self.env, capture_output=True,
                              text=True, timeout=timeout, cwd=self.home.parent)

    def json(self, *args: str, stdin: str = "", timeout: float = 120) -> tuple[int, Any, str]:
        r = self.run(*args, "--json", stdin=stdin, timeout=timeout)
        try:
            body = json.loads(r.stdout) if r.stdout.strip() else None
        except ValueError:
            body = None
        return r.returncode, body, r.stderr

    def enroll(self, terminal_id: str = "T-CLI-1") -> subprocess.CompletedProcess[str]:
        r = self.run("enroll", "--server", self.primary.url, "--secondary", self.secondary.url,
                     "--municipality", CODE, "--terminal", "窓口CLI", "--terminal-id", terminal_id,
                     "--admin", "admin1", "--password-stdin", "--page-size", "200", stdin="admin1pass\n")
        assert r.returncode == 0, r.stderr
        return r

    def issue(self, atena: str, out: Path, *extra: str, user: str = "clerk1", password: str = "clerk1pass",
              stdin: str | None = None, timeout: float = 120) -> tuple[int, Any, str]:
        return self.json("issue", "--resident", atena, "--type", "juminhyo", "--requester", "self",
                         "--out", str(out), "--user", user, "--password-stdin", *extra,
                         stdin=stdin if stdin is not None else password + "\n", timeout=timeout)

    def keystore(self) -> KeyStore:
        return KeyStore(FileKeyring(self.keyring_file))

    def subjects(self, n: int) -> list[str]:
        return plain_subjects(self.db_url, n)

    def lines(self, mode: str) -> None:
        self.primary.set_mode(mode)
        self.secondary.set_mode(mode)

    def close(self) -> None:
        self.primary.close()
        self.secondary.close()


def start_rig(tmp_path: Path, server_factory: Any) -> CliRig:
    from server_stub.migrate import upgrade

    db_url = f"sqlite:///{tmp_path / 'server.db'}"
    upgrade(db_url)
    seed(db_url)
    server = server_factory(db_url)
    primary = FaultProxy("127.0.0.1", server.port)
    secondary = FaultProxy("127.0.0.1", server.port)
    home = tmp_path / "terminal"
    keyring_file = tmp_path / "keyring.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MADOGUCHI_", "PYTHON_KEYRING"))}
    env.update(MADOGUCHI_HOME=str(home), PYTHON_KEYRING_BACKEND="tests.faults.cli_keyring.EnvFileKeyring",
               PYTHONPATH=os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p))
    env[KEYRING_FILE_VAR] = str(keyring_file)
    return CliRig(db_url, server, primary, secondary, home, keyring_file, env)
