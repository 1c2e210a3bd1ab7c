"""Replica keys wrapped by a key leased from the data centre (docs/terminal-security.md).

Keyring entries (service ``madoguchi``):

* ``wrapping-lease`` — the wrapping key W leased by the data centre with its validity
  (``{"key": hex, "valid_until": iso, "issued_at": iso, "last_seen": iso}``); renewed while
  online, erased by the terminal itself as soon as it finds it expired;
* ``dbw:replica-<code>`` — each replica's raw SQLCipher key, AES-256-GCM-wrapped by W (the
  associated data names the entry, so a wrapped key cannot be moved to another name).

The outbox keys (``db:outbox-<code>``) and the terminal key's passphrase stay out of this
scheme on purpose: unsynced BCP issuances must always be readable and pushable.

Opening a replica needs a lease that is present, not past ``valid_until`` and not "from the
future" (the clock set back more than a day before ``last_seen``, the latest time this terminal
saw): otherwise :class:`ReplicaKeyExpiredError` / :class:`ClockRolledBackError` say why, in
Japanese and English, and nothing else is touched.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from client.local.keystore import KEY_BYTES, LocalDataError, MissingKeyError

if TYPE_CHECKING:
    from client.local.keystore import KeyStore

LEASE_ENTRY = "wrapping-lease"
WRAPPED_PREFIX = "dbw:"
WRAPPED_NAMES = ("replica-",)  # which database keys are wrapped (never the outboxes)
CLOCK_TOLERANCE = timedelta(days=1)
SEEN_STEP = timedelta(hours=1)  # last_seen is written at most once an hour


class ReplicaKeyExpiredError(LocalDataError):
    """The wrapping-key lease is missing or past its validity: the replica stays closed until
    the terminal reaches the data centre again (the outbox is not affected)."""

    default_ja = ("この端末は長期間データセンターに接続されていないため、住民データ(複製)の利用期限が切れました。"
                  "回線に接続すると自動的に更新されます。未送信の交付記録は保持されています。")


class ClockRolledBackError(LocalDataError):
    """The clock reads earlier than a time this terminal has already seen."""

    default_ja = ("端末の時計が過去に戻されているため、住民データ(複製)を開けません。"
                  "時計を正しい日時に合わせてください。未送信の交付記録は保持されています。")


def replica_key_names(data_dir: Path) -> list[str]:
    """The replica keys this terminal holds (own and partner replicas, live or being built)."""
    codes = sorted({p.name.removeprefix("replica-").removesuffix(".db").removesuffix(".building")
                    for p in Path(data_dir).glob("replica-*.db")})
    return [f"replica-{code}" for code in codes]


def is_wrapped_name(name: str) -> bool:
    return name.startswith(WRAPPED_NAMES)


@dataclass(frozen=True)
class WrappingLease:
    key: bytes
    valid_until: datetime
    issued_at: datetime
    last_seen: datetime

    def to_json(self) -> str:
        return json.dumps({"key": self.key.hex(), "valid_until": self.valid_until.isoformat(),
                           "issued_at": self.issued_at.isoformat(), "last_seen": self.last_seen.isoformat()})

    @classmethod
    def from_json(cls, text: str) -> WrappingLease:
        d = json.loads(text)
        key = bytes.fromhex(d["key"])
        if len(key) != KEY_BYTES:
            raise ValueError("wrapping key is not 32 bytes")
        return cls(key, datetime.fromisoformat(d["valid_until"]), datetime.fromisoformat(d["issued_at"]),
                   datetime.fromisoformat(d.get("last_seen") or d["issued_at"]))


def _clock() -> datetime:
    return datetime.now(UTC)


def _keystore_clock(keystore: KeyStore) -> Callable[[], datetime]:
    clock = getattr(keystore, "clock", None)
    return clock if callable(clock) else _clock


def read_lease(keystore: KeyStore) -> WrappingLease | None:
    raw = keystore._get(LEASE_ENTRY)
    if raw is None:
        return None
    try:
        return WrappingLease.from_json(raw)
    except (ValueError, KeyError, TypeError):
        return None


def _delete(keystore: KeyStore, entry: str) -> None:
    import keyring.errors

    try:
        keystore._backend.delete_password(keystore._service, entry)
    except keyring.errors.PasswordDeleteError:
        pass


def usable_lease(keystore: KeyStore, now: datetime) -> WrappingLease:
    """The lease if it may be used at ``now``; erases an expired one (raises the reason)."""
    lease = read_lease(keystore)
    if lease is None:
        raise ReplicaKeyExpiredError(message_en="no replica wrapping-key lease in the keyring (expired and erased, removed, "
                                     "or never received): reach the data centre to renew it")
    if now < lease.last_seen - CLOCK_TOLERANCE:
        raise ClockRolledBackError(message_en=f"the clock reads {now.isoformat()}, earlier than {lease.last_seen.isoformat()} "
                                   "already seen by this terminal")
    if now >= lease.valid_until:
        _delete(keystore, LEASE_ENTRY)  # crypto-erase until the data centre leases it again
        raise ReplicaKeyExpiredError(message_en=f"the replica wrapping-key lease expired at {lease.valid_until.isoformat()} "
                                     "(the terminal has not reached the data centre since); erased")
    if now - lease.last_seen >= SEEN_STEP:
        keystore._set(LEASE_ENTRY, WrappingLease(lease.key, lease.valid_until, lease.issued_at, now).to_json())
    return lease


def wrap(key: bytes, wrapping_key: bytes, name: str) -> str:
    nonce = os.urandom(12)
    ct = AESGCM(wrapping_key).encrypt(nonce, key, f"madoguchi-wrap-v1:{name}".encode())
    return base64.b64encode(nonce + ct).decode("ascii")


def unwrap(blob: str, wrapping_key: bytes, name: str) -> bytes:
    from cryptography.exceptions import InvalidTag

    try:
        raw = base64.b64decode(blob, validate=True)
        key = AESGCM(wrapping_key).decrypt(raw[:12], raw[12:], f"madoguchi-wrap-v1:{name}".encode())
    except (ValueError, InvalidTag) as exc:
        raise MissingKeyError("住民データ(複製)の暗号鍵を復元できません。データを再取得します。",
                              f"the wrapped key of {name!r} does not open with the leased wrapping key") from exc
    if len(key) != KEY_BYTES:
        raise MissingKeyError(message_en=f"the wrapped key of {name!r} is not 32 bytes")
    return key


# -- the KeyStore hooks (client.local.keystore calls these for every database key) ----------------------

def wrapped_database_key(keystore: KeyStore, name: str, now: Callable[[], datetime] | None = None) -> bytes | None:
    """The unwrapped key of ``name`` if it is held wrapped; None if there is no wrapped entry."""
    blob = keystore._get(WRAPPED_PREFIX + name)
    if blob is None:
        return None
    lease = usable_lease(keystore, (now or _keystore_clock(keystore))())
    return unwrap(blob, lease.key, name)


def store_database_key(keystore: KeyStore, name: str, key: bytes,
                       now: Callable[[], datetime] | None = None) -> bool:
    """Store ``key`` wrapped when ``name`` is a replica key and a usable lease is present
    (True); False: the caller stores it as before (no lease yet, e.g. before enrolment)."""
    if not is_wrapped_name(name):
        return False
    if read_lease(keystore) is None and not has_wrapped_key(keystore, name):
        return False  # no lease yet (before the first contact): stored as before
    lease = usable_lease(keystore, (now or _keystore_clock(keystore))())
    keystore._set(WRAPPED_PREFIX + name, wrap(key, lease.key, name))
    _delete(keystore, keystore.database_entry(name))  # never both: the plain copy would defeat it
    return True


def has_wrapped_key(keystore: KeyStore, name: str) -> bool:
    return keystore._get(WRAPPED_PREFIX + name) is not None


def delete_wrapped_key(keystore: KeyStore, name: str) -> None:
    _delete(keystore, WRAPPED_PREFIX + name)


# -- renewal while online -------------------------------------------------------------------------

@dataclass(frozen=True)
class LeaseStatus:
    present: bool
    valid_until: datetime | None
    expired: bool


def lease_status(keystore: KeyStore, now: datetime) -> LeaseStatus:
    lease = read_lease(keystore)
    if lease is None:
        return LeaseStatus(False, None, True)
    return LeaseStatus(True, lease.valid_until, now >= lease.valid_until)


class WrappingKeeper:
    """Renews the wrapping-key lease from the data centre and wraps plain replica keys.

    ``renew`` asks at most once a day while online (``due``), and at once when the lease is
    missing or expired. Each renewal also clears the terminal-wide offline sign-in counter
    (the terminal has reached the data centre).
    """

    def __init__(self, keystore: KeyStore, remote: Any, data_dir: Path, *,
                 clock: Callable[[], datetime] = _clock, on_contact: Callable[[], None] | None = None) -> None:
        self.keystore = keystore
        self.data_dir = Path(data_dir)
        self.remote = remote
        self.clock = clock
        self.on_contact = on_contact

    def due(self) -> bool:
        lease = read_lease(self.keystore)
        now = self.clock()
        return lease is None or now >= lease.valid_until or now - lease.issued_at >= timedelta(days=1) \
            or now < lease.issued_at - CLOCK_TOLERANCE

    def renew(self, *, force: bool = False) -> WrappingLease | None:
        """POST /api/v1/terminal/wrapping-key; None when not due. Errors propagate (a revoked
        terminal gets ``terminal_revoked``: the caller wipes)."""
        if not force and not self.due():
            return None
        answer = self.remote.post("/api/v1/terminal/wrapping-key", {})
        key = base64.b64decode(str(answer["key_b64"]))
        valid_until = datetime.fromisoformat(str(answer["valid_until"]))
        issued = datetime.fromisoformat(str(answer["issued_at"]))
        old = read_lease(self.keystore)
        if old is not None and old.key != key:
            # the data centre handed another key (re-enrolled server side): rewrap what we hold
            self._rewrap(old.key, key)
        # the server's time is the reference: last_seen follows it (a clock set back is caught)
        lease = WrappingLease(key, valid_until, issued, issued)
        self.keystore._set(LEASE_ENTRY, lease.to_json())
        self.wrap_plain_keys()
        if self.on_contact is not None:
            self.on_contact()
        return lease

    def _rewrap(self, old_key: bytes, new_key: bytes) -> None:
        for name in self._replica_names():
            blob = self.keystore._get(WRAPPED_PREFIX + name)
            if blob is not None:
                try:
                    self.keystore._set(WRAPPED_PREFIX + name, wrap(unwrap(blob, old_key, name), new_key, name))
                except MissingKeyError:
                    delete_wrapped_key(self.keystore, name)  # unreadable anyway: the replica is rebuilt

    def _replica_names(self) -> list[str]:
        return replica_key_names(self.data_dir)

    def wrap_plain_keys(self) -> int:
        """Move plain replica keys (a terminal enrolled before this scheme) under the wrapping key."""
        moved = 0
        for name in self._replica_names():
            plain = self.keystore._get(self.keystore.database_entry(name))
            if plain is not None:
                if store_database_key(self.keystore, name, bytes.fromhex(plain), self.clock):
                    moved += 1
        return moved
