"""What an enrolled terminal does first whenever it reaches the data centre (issue 15): renew the
replica wrapping-key lease -- or, if the data centre answers that the terminal is revoked (or
an earlier wipe is unfinished), wipe it (``client.continuity.wipe``)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from client.continuity.wipe import WipeReport, is_revocation, read_marker, wipe_revoked_terminal
from client.local.keystore import KeyStore
from client.local.wrapping import WrappingKeeper

log = logging.getLogger(__name__)



def contact_data_centre(data_dir: Path, keystore: KeyStore, remote: Any, *,
                        clock: Callable[[], datetime] | None = None,
                        on_contact: Callable[[], None] | None = None,
                        before_wipe: Callable[[], None] | None = None,
                        force: bool = False) -> WipeReport | None:
    """Renew the lease when due; None if the terminal may go on. A revoked terminal is wiped
    (``before_wipe`` first closes what the caller holds open) and the report is returned.
    Line failures propagate (nothing changed)."""
    marker = read_marker(data_dir)
    if marker is not None and marker.get("state") != "wiped":
        if before_wipe is not None:
            before_wipe()
        return wipe_revoked_terminal(data_dir, keystore, remote)
    keeper = WrappingKeeper(keystore, remote, data_dir, on_contact=on_contact,
                            **({"clock": clock} if clock is not None else {}))
    try:
        keeper.renew(force=force)
    except Exception as exc:
        if not is_revocation(exc):
            raise
        log.warning("the data centre says this terminal is revoked: wiping")
        if before_wipe is not None:
            before_wipe()
        return wipe_revoked_terminal(data_dir, keystore, remote)
    return None
