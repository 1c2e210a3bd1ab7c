"""Terminal enrolment (端末登録): a state machine in plain steps, no Qt.

``enroll`` runs, in order (each step raises a specific error and leaves what came before usable):

1. check the keyring backend (refused before anything touches the network);
2. an administrator signs in at the data centre;
3. generate the terminal's Ed25519 key pair (private key stored encrypted, passphrase in the
   keyring) and register the public key (POST /api/v1/terminals/enroll);
4. record the enrolment (``terminal.json``) and, if there is none yet, a ``config.toml`` with
   the endpoints, municipality and terminal id;
5. create the outbox and replica databases with random 256-bit raw keys held in the keyring;
6. run the first bootstrap of the replica (progress reported; resumable if interrupted).
7. lease a block of 発行番号 serials, so BCP issuance works from the first outage.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from client.fileswap.ops import replace_file
from client.local.files import OUTBOX_FILE, outbox_key_name
from client.local.keystore import KeyStore, LocalDataError, public_key_raw_b64
from client.remote.http import DataCentreClient
from client.remote.line_timeouts import INTERACTIVE_TIMEOUT_SECONDS
from client.remote.terminal_auth import TerminalSigner
from client.replica.store import ReplicaStore
from client.replica.sync import ReplicaSync, SyncProgress, SyncResult

log = logging.getLogger(__name__)

ENROLMENT_FILE = "terminal.json"


class AlreadyEnrolledError(LocalDataError):
    default_ja = "この端末はすでに登録されています。再登録する場合は --force を指定してください。"


class NotEnrolledError(LocalDataError):
    default_ja = "この端末はまだ登録されていません。先に madoguchi enroll を実行してください。"


@dataclass(frozen=True)
class Enrolment:
    """What ``terminal.json`` records about this terminal's enrolment."""

    municipality_code: str
    terminal_id: str
    terminal_name: str
    key_id: str
    server_url: str
    secondary_url: str | None
    enrolled_at: str
    enrolled_by: str

    @classmethod
    def load(cls, data_dir: Path) -> Enrolment:
        path = Path(data_dir) / ENROLMENT_FILE
        try:
            d = json.loads(path.read_text(encoding="utf-8"))
            return cls(**{k: d.get(k) for k in cls.__dataclass_fields__})  # type: ignore[arg-type]
        except FileNotFoundError as exc:
            raise NotEnrolledError(message_en=f"no enrolment record at {path}") from exc
        except (ValueError, TypeError) as exc:
            raise NotEnrolledError(message_en=f"enrolment record {path} is unreadable: {exc}") from exc

    def save(self, data_dir: Path) -> None:
        path = Path(data_dir) / ENROLMENT_FILE
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), ensure_ascii=False, indent=2), encoding="utf-8")
        replace_file(tmp, path)  # Windows: waits out a reader's brief open


@dataclass(frozen=True)
class EnrolmentResult:
    enrolment: Enrolment
    bootstrap: SyncResult
    serials: int = 0  # 発行番号 serials leased at enrolment (0 when the lease failed: `sync` retries)


def _toml_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def write_default_config(data_dir: Path, enrolment: Enrolment) -> Path | None:
    """Write ``config.toml`` next to the data unless one exists (the MSI/registry may set it too)."""
    path = Path(data_dir) / "config.toml"
    if path.exists():
        return None
    lines = [
        f"server_url = {_toml_string(enrolment.server_url)}",
        f"municipality_code = {_toml_string(enrolment.municipality_code)}",
        f"terminal_id = {_toml_string(enrolment.terminal_id)}",
    ]
    if enrolment.secondary_url:
        lines.insert(1, f"secondary_url = {_toml_string(enrolment.secondary_url)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def terminal_client(data_dir: Path, keystore: KeyStore, *, ca_bundle: Path | None = None,
                    timeout: float = 30.0,
                    interactive_timeout: float = INTERACTIVE_TIMEOUT_SECONDS,
                    on_line_event: Callable[[str, bool], None] | None = None,
                    line_up: Callable[[str], bool] | None = None) -> DataCentreClient:
    """A client that authenticates as this enrolled terminal (request signatures); its request
    outcomes go to ``on_line_event`` (the connectivity machine), which ``line_up`` asks."""
    enrolment = Enrolment.load(data_dir)
    key = keystore.terminal_private_key(data_dir)
    signer = TerminalSigner(enrolment.municipality_code, enrolment.terminal_id, key)
    return DataCentreClient(enrolment.server_url, enrolment.secondary_url, ca_bundle=ca_bundle,
                            timeout=timeout, interactive_timeout=interactive_timeout, signer=signer,
                            on_line_event=on_line_event, line_up=line_up)


def enroll(
    *,
    server_url: str,
    municipality_code: str,
    terminal_name: str,
    admin_user: str,
    admin_password: str,
    data_dir: Path,
    keystore: KeyStore | None = None,
    secondary_url: str | None = None,
    terminal_id: str | None = None,
    ca_bundle: Path | None = None,
    force: bool = False,
    page_size: int = 2000,
    progress: Callable[[SyncProgress], None] | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> EnrolmentResult:
    keystore = keystore if keystore is not None else KeyStore()  # step 1: refuses a bad backend
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    if (data_dir / ENROLMENT_FILE).exists() and not force:
        raise AlreadyEnrolledError(message_en=f"{data_dir / ENROLMENT_FILE} exists")
    admin = DataCentreClient(server_url, secondary_url, ca_bundle=ca_bundle)
    try:
        admin.login(municipality_code, admin_user, admin_password, terminal_id or "")  # step 2
        private = keystore.create_terminal_key(data_dir)  # step 3
        payload: dict[str, Any] = {"terminal_name": terminal_name, "public_key_b64": public_key_raw_b64(private)}
        if terminal_id:
            payload["terminal_id"] = terminal_id
        body = admin.enroll_terminal(payload)
    finally:
        admin.close()
    enrolment = Enrolment(
        municipality_code=municipality_code,
        terminal_id=str(body["terminal_id"]),
        terminal_name=str(body.get("terminal_name", terminal_name)),
        key_id=str(body.get("key_id", "")),
        server_url=server_url,
        secondary_url=secondary_url,
        enrolled_at=now().isoformat(),
        enrolled_by=admin_user,
    )
    enrolment.save(data_dir)  # step 4
    write_default_config(data_dir, enrolment)
    from client.outbox.store import Outbox  # step 5

    outbox = Outbox.open(data_dir / OUTBOX_FILE, keystore.ensure_database_key(outbox_key_name(municipality_code)))
    outbox.close()
    store = ReplicaStore(data_dir, municipality_code, keystore)
    client = terminal_client(data_dir, keystore, ca_bundle=ca_bundle)
    try:
        from client.local.wrapping import WrappingKeeper

        # issue 15: the replica key is created wrapped by the data centre's wrapping-key lease
        WrappingKeeper(keystore, client, data_dir).renew(force=True)
        result = ReplicaSync(store, client, page_size=page_size, progress=progress).bootstrap()  # step 6
        serials = _lease_serials(data_dir, keystore, client, municipality_code, now())  # step 7
    finally:
        client.close()
        store.close()
    return EnrolmentResult(enrolment, result, serials)


def _lease_serials(data_dir: Path, keystore: KeyStore, client: DataCentreClient, code: str, now: datetime) -> int:
    """Step 7: a block of 発行番号 serials, so the terminal can issue in BCP mode from the start."""
    from client.outbox.leases import LeaseKeeper
    from client.outbox.store import Outbox, OutboxError
    from client.services.errors import ClerkError

    outbox = Outbox.open(data_dir / OUTBOX_FILE, keystore.database_key(outbox_key_name(code)), create=False)
    try:
        return LeaseKeeper(outbox, client).refill(now).available
    except (LocalDataError, OutboxError):
        raise  # the terminal's own data is at fault: enrolment fails
    except ClerkError as exc:
        log.warning("no serials leased at enrolment (madoguchi sync retries): %s", exc)
        return 0
    finally:
        outbox.close()
