"""An enrolled terminal for the benchmarks that run the whole counter (failover, BCP entry, the GUI
worker), built the way the application builds it: ``client.composition.root.build``.

The city terminal is enrolled once per run (``madoguchi enroll``'s steps: key, replica bootstrap,
serial lease) into a template directory with a keyring of its own (the other benchmarks' keyring
keeps the bootstrapped replica's plain key). Each trial runs on a copy of the template whose
enrolment names the trial's lines (two fault proxies), so every trial starts from the same state:
online, its replica checked, its serials unused.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from typing import Any

from tests.bench.support import CITY, Context

TERMINAL_ID = "T009"
ADMIN = ("admin1", "admin1pass")


def keystore_at(keyring_path: Path) -> Any:
    """The enrolled terminal's keystore (a JSON file keyring; the benchmark machine has no OS keyring)."""
    from client.local.keystore import KeyStore
    from tests.faults.replica_support import FileKeyring

    return KeyStore(FileKeyring(keyring_path))


def template(ctx: Context) -> tuple[Path, Path]:
    """(data directory, keyring file) of the city terminal enrolled at the SQLite server."""
    cached = ctx.cache.get("enrolled")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    from client.lifecycle.enrollment import enroll

    data_dir = ctx.workdir / "enrolled-template"
    keyring_path = ctx.workdir / "enrolled-keyring.json"
    enroll(server_url=ctx.server("sqlite").base_url, municipality_code=CITY, terminal_name="本庁9",
           admin_user=ADMIN[0], admin_password=ADMIN[1], data_dir=data_dir, keystore=keystore_at(keyring_path),
           terminal_id=TERMINAL_ID, force=True)
    ctx.cache["enrolled"] = (data_dir, keyring_path)
    return data_dir, keyring_path


def copy_on_lines(source: Path, target: Path, primary_url: str, secondary_url: str | None) -> Path:
    """A copy of the enrolled terminal in ``source`` whose enrolment names these lines."""
    from client.lifecycle.enrollment import Enrolment

    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target)
    (target / "config.toml").unlink(missing_ok=True)  # the lines are the enrolment's, not the template's file
    enrolment = Enrolment.load(target)
    dataclasses.replace(enrolment, server_url=primary_url, secondary_url=secondary_url).save(target)
    return target
