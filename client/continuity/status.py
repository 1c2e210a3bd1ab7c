"""``madoguchi status``: what the terminal knows of itself, gathered once for the command and the
diagnostics bundle — the lines (probed), the mode, the replicas (damaged pages found), the
terminal's standing, the outbox and its serials, the partners' outboxes kept here.

Never raises for the terminal's own data: a keyring, replica or outbox that cannot be opened is
reported in the result (its error and the clerk's message), the rest still collected.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any


def _probe(url: str, ca_bundle: Path | None) -> dict[str, Any]:
    import time

    from client.remote.errors import LineDownError, RemoteRejectedError
    from client.remote.http import DataCentreClient

    entry: dict[str, Any] = {"url": url}
    started = time.monotonic()
    try:
        with DataCentreClient(url, ca_bundle=ca_bundle, timeout=3.0, connect_timeout=3.0) as c:
            c.health()
        entry.update(reachable=True, ms=round((time.monotonic() - started) * 1000, 1))
    except (LineDownError, RemoteRejectedError) as exc:
        entry.update(reachable=False, error=exc.message_en)
    return entry


def collect_status(data_dir: Path, config: Any | None, now: datetime) -> dict[str, Any]:
    from client.lifecycle.enrollment import Enrolment, NotEnrolledError
    from client.local.files import OUTBOX_FILE, outbox_key_name
    from client.local.keystore import KeyStore, LocalDataError
    from client.replica.status import all_replica_status

    status: dict[str, Any] = {"data_dir": str(data_dir), "checked_at": now.isoformat()}
    try:
        enrolment: Enrolment | None = Enrolment.load(data_dir)
    except NotEnrolledError:
        enrolment = None
    primary = (config.server_url if config else None) or (enrolment.server_url if enrolment else None)
    secondary = (config.secondary_url if config else None) or (enrolment.secondary_url if enrolment else None)
    code = (config.municipality_code if config else None) or (enrolment.municipality_code if enrolment else None)
    status.update(municipality_code=code, enrolled=enrolment is not None,
                  terminal_id=enrolment.terminal_id if enrolment else (config.terminal_id if config else None))
    ca = config.ca_bundle if config else None
    endpoints = [dict(_probe(u, ca), role=r) for u, r in ((primary, "primary"), (secondary, "secondary")) if u]
    status["endpoints"] = endpoints
    from dataclasses import asdict

    from client.continuity.line_memory import load_line_state

    status["recorded"] = asdict(load_line_state(data_dir))  # what the window or the last CLI run saw
    if endpoints and endpoints[0].get("reachable"):
        status["mode"] = "online"
    elif any(e.get("reachable") for e in endpoints[1:]):
        status["mode"] = "secondary"
    else:
        status["mode"] = "bcp" if endpoints else "unconfigured"
    try:
        keystore = KeyStore()
    except LocalDataError as exc:
        status.update(replicas=[], outbox={"error": exc.message_en, "message_ja": exc.message_ja})
        return status
    status["replicas"] = all_replica_status(data_dir, keystore, now)
    _mark_damaged(status["replicas"], data_dir, keystore)
    from client.continuity.standing import terminal_standing  # issue 15: the terminal's standing

    status["terminal"] = terminal_standing(data_dir, now, keystore)
    from client.local.files import partner_outbox_codes
    from client.outbox.store import count_partner_pending

    partner_outboxes: dict[str, Any] = {}  # mutual backup: partners' BCP issuances made here
    for partner in partner_outbox_codes(data_dir):
        try:
            partner_outboxes[partner] = {"pending": count_partner_pending(data_dir, keystore, partner)}
        except LocalDataError as exc:
            partner_outboxes[partner] = {"pending": None, "error": type(exc).__name__, "message_en": exc.message_en,
                                         "message_ja": exc.message_ja}
    status["partner_outboxes"] = partner_outboxes
    outbox_path = data_dir / OUTBOX_FILE
    if not outbox_path.exists() or not code:
        status["outbox"] = {"pending": 0, "file": None}
        return status
    try:
        from client.continuity.terminal_sync import LOW_SERIALS
        from client.outbox.store import Outbox

        box = Outbox.open(outbox_path, keystore.database_key(outbox_key_name(code)), create=False)
        try:
            serials = box.serials_available(now)
            status["outbox"] = {"pending": box.count_pending(), "file": str(outbox_path),
                                "access_log_unsynced": box.count_access_pending()}
            status["serials"] = {"available": serials, "low": serials < LOW_SERIALS, "low_water": LOW_SERIALS}
        finally:
            box.close()
    except LocalDataError as exc:
        status["outbox"] = {"pending": None, "error": type(exc).__name__, "message_en": exc.message_en,
                            "message_ja": exc.message_ja}
    return status


def _mark_damaged(replicas: list[dict[str, Any]], data_dir: Path, keystore: Any) -> None:
    """A replica that opens may still have damaged pages: check the whole file (HMAC, structure)."""
    from client.local.keystore import LocalDataError
    from client.replica.damage import ReplicaDamagedError, check_replica
    from client.replica.store import ReplicaStore

    for r in replicas:
        if r.get("state") != "ready":
            continue
        store = ReplicaStore(data_dir, r["municipality_code"], keystore)
        try:
            check_replica(store)
        except ReplicaDamagedError as exc:
            r.update(state="damaged", error=type(exc).__name__, message_en=exc.message_en, message_ja=exc.message_ja)
        except LocalDataError as exc:
            r.update(state="unusable", error=type(exc).__name__, message_en=exc.message_en, message_ja=exc.message_ja)
        finally:
            store.close()
