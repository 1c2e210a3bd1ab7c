"""Where the server keeps its data: the database URL, resolved once from the CLI or environment."""

from __future__ import annotations

import os
from pathlib import Path

ENV_HOME = "MADOGUCHI_SERVER_HOME"
ENV_DB = "MADOGUCHI_SERVER_DB"
DEFAULT_HOME = Path("var") / "server"
DEFAULT_DB_FILE = "madoguchi.db"


def server_home() -> Path:
    """The data directory (env MADOGUCHI_SERVER_HOME, default ./var/server)."""
    return Path(os.environ.get(ENV_HOME) or DEFAULT_HOME)


def resolve_db_url(url: str | None) -> str:
    """The database URL to use: the argument, else env MADOGUCHI_SERVER_DB, else a SQLite file in the home.

    A bare file path is accepted and turned into a ``sqlite:///`` URL.
    """
    url = url or os.environ.get(ENV_DB)
    if not url:
        home = server_home()
        home.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(home / DEFAULT_DB_FILE).resolve()}"
    if "://" not in url:
        path = Path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path.resolve()}"
    return url
