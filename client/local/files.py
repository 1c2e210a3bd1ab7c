"""The terminal data directory's file names and keyring entry names, declared once.

Every room that opens a local file or a database key takes its name from here, so the outbox,
the replica, decommissioning and diagnostics cannot disagree about what lives where:

* ``outbox.db`` (key ``outbox-<code>``): the terminal's BCP issuances for its own municipality;
* ``outbox-drill.db`` (key ``outbox-<code>-drill``): 防災訓練 issuances, never pushed;
* ``outbox-partner-<code>.db`` (key ``outbox-partner-<code>``): issuances for a partner
  municipality under mutual backup (相互バックアップ);
* ``replica-<code>.db`` (key ``replica-<code>``): the encrypted replica of a municipality;
* ``peer_holds.db`` (key ``peer-holds-<code>``): emergency holds of the hall's peer group and the
  cached peer list (issue 18, ``client.peers``);
* ``peer_mirror.db`` (key ``peer-mirror-<code>``): copies of the peers' BCP issuances kept here.
"""

from __future__ import annotations

from pathlib import Path

OUTBOX_FILE = "outbox.db"
DRILL_OUTBOX_FILE = "outbox-drill.db"
_PARTNER_OUTBOX_PREFIX = "outbox-partner-"
PEER_HOLDS_FILE = "peer_holds.db"
PEER_MIRROR_FILE = "peer_mirror.db"


def peer_mirror_key_name(code: str) -> str:
    return f"peer-mirror-{code}"


def peer_holds_key_name(code: str) -> str:
    return f"peer-holds-{code}"


def outbox_key_name(code: str) -> str:
    return f"outbox-{code}"


def drill_outbox_key_name(code: str) -> str:
    return outbox_key_name(code) + "-drill"


def partner_outbox_path(data_dir: Path, code: str) -> Path:
    return Path(data_dir) / f"{_PARTNER_OUTBOX_PREFIX}{code}.db"


def partner_outbox_key_name(code: str) -> str:
    return f"{_PARTNER_OUTBOX_PREFIX}{code}"


def partner_outbox_codes(data_dir: Path) -> list[str]:
    """Partner municipalities that have an outbox file on this terminal."""
    suffix = ".db"
    if not Path(data_dir).is_dir():
        return []
    return sorted(p.name[len(_PARTNER_OUTBOX_PREFIX):-len(suffix)] for p in Path(data_dir).iterdir()
                  if p.name.startswith(_PARTNER_OUTBOX_PREFIX) and p.name.endswith(suffix))


def replica_file(data_dir: Path, code: str) -> Path:
    """Generation 1's name; the live replica may be a later generation (``client.fileswap``)."""
    return Path(data_dir) / f"replica-{code}.db"


def replica_present(data_dir: Path, code: str) -> bool:
    """A complete replica of ``code`` is on this terminal (whichever generation is live)."""
    from client.fileswap.generations import Generations

    return Generations(replica_file(data_dir, code)).current().exists()
