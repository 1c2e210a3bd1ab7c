"""A file keyring whose path comes from the environment, for CLI subprocesses (tests only).

``PYTHON_KEYRING_BACKEND=tests.faults.cli_keyring.EnvFileKeyring`` with
``MADOGUCHI_TEST_KEYRING_FILE=/tmp/.../keyring.json``: every ``madoguchi`` process of a test and
the test itself share the terminal's keys, as the OS keyring would.
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.faults.replica_support import FileKeyring

KEYRING_FILE_VAR = "MADOGUCHI_TEST_KEYRING_FILE"


class EnvFileKeyring(FileKeyring):
    def __init__(self) -> None:
        super().__init__(Path(os.environ.get(KEYRING_FILE_VAR, "keyring.json")))
