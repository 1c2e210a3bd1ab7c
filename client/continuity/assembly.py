"""``build_terminal``: an enrolled terminal's continuity parts wired once from its data directory
and configuration into a :class:`~client.continuity.runtime.TerminalRuntime` (see runtime.py's
docstring for what the parts are). ``client.composition`` calls it; so do tests that need a
terminal without the rest of the app.
"""


from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from client.certificate.signing import key_id_for, public_key_for
from client.continuity.machine import BcpPolicy, ConnectivityMachine, ConnectivityPolicy
from client.continuity.orchestrator import Continuity, http_probe
from client.continuity.partner_desks import MutualBackupBackend, PartnerDesks
from client.continuity.runtime import DRILL_SERIALS, TerminalRuntime
from client.continuity.service_levels import OutageTracker, ResponseSampler
from client.lifecycle.enrollment import Enrolment, terminal_client
from client.lifecycle.logging_setup import ModeHistoryRecorder
from client.local.files import DRILL_OUTBOX_FILE, OUTBOX_FILE, drill_outbox_key_name, outbox_key_name
from client.local.keystore import KeyStore
from client.outbox.issuer import BcpIssuer
from client.outbox.leases import LeaseKeeper
from client.outbox.push import PushResult
from client.outbox.store import Lease, Outbox
from client.printing.seal_marks import with_seal_marks
from client.remote.http import check_base_url
from client.remote.line_timeouts import INTERACTIVE_TIMEOUT_SECONDS
from client.replica.lookups import ReplicaLookups
from client.replica.search import ReplicaSearch
from client.replica.store import ReplicaStore
from client.services.bcp_backend import BcpBackend

log = logging.getLogger("client.continuity.runtime")


def build_terminal(
    data_dir: Path,
    *,
    keystore: KeyStore | None = None,
    bcp_policy: str = "municipality",
    bcp_window_seconds: float = 4.5,
    line_up_successes: int = 2,
    line_steady_successes: int = 3,
    line_steady_seconds: float = 10.0,
    probe_timeout_seconds: float = 3.0,
    interactive_timeout_seconds: float = INTERACTIVE_TIMEOUT_SECONDS,
    ca_bundle: Path | None = None,
    router: Any = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    monotonic: Callable[[], float] | None = None,
    run_async: Callable[[Callable[[], None]], None] | None = None,
    drill: bool = False,
) -> TerminalRuntime:
    """Open an enrolled terminal's data in ``data_dir`` and wire its continuity parts.

    ``router`` is the counter's ``BackendRouter`` (its ``bcp`` backend is registered here); a
    terminal without a UI may pass None.

    ``drill`` (防災訓練): the terminal walks the BCP flow on its replica with 「見本」 certificates,
    numbered from a local training block, into a separate drill outbox that is never pushed —
    the real outbox is not even opened.
    """
    keystore = keystore if keystore is not None else KeyStore()
    from client.continuity.wipe import check_not_revoked

    check_not_revoked(data_dir)  # issue 15: a revoked terminal opens nothing
    enrolment = Enrolment.load(data_dir)
    code = enrolment.municipality_code
    store = ReplicaStore(data_dir, code, keystore)
    outbox_key: bytes | None = None
    if drill:
        outbox = Outbox.open(data_dir / DRILL_OUTBOX_FILE, keystore.ensure_database_key(drill_outbox_key_name(code)))
        outbox.add_lease(Lease("drill", DRILL_SERIALS[0], DRILL_SERIALS[1], datetime(9999, 12, 31, tzinfo=UTC)))
    else:
        outbox_key = keystore.ensure_database_key(outbox_key_name(code))
        outbox = Outbox.open(data_dir / OUTBOX_FILE, outbox_key)
    private = keystore.terminal_private_key(data_dir)
    from cryptography.hazmat.primitives import serialization

    raw_private = private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                        serialization.NoEncryption())
    issuer = BcpIssuer(outbox, ReplicaLookups(store), terminal_name=enrolment.terminal_name,
                       signing_key=raw_private, key_id=enrolment.key_id or key_id_for(public_key_for(raw_private)), place_seals=with_seal_marks)
    peer_group = None
    if not drill:  # the hall's peer group (issue 18): its holds are enforced even with no peer around
        from client.peers.group import PeerGroup

        peer_group = PeerGroup.open(data_dir, code, enrolment.terminal_id, raw_private, keystore, outbox)
    backend = BcpBackend(ReplicaLookups(store), ReplicaSearch(store), outbox, issuer, clock=clock, training=drill,
                         holds=peer_group.holds if peer_group is not None else None,
                         mirror=peer_group.mirror if peer_group is not None else None,
                         borrow_serials=peer_group.borrow_serials if peer_group is not None else None)
    policy = _policy(bcp_policy, store)
    urls = [check_base_url(u) for u in (enrolment.server_url, enrolment.secondary_url) if u]
    machine = ConnectivityMachine(urls, ConnectivityPolicy(
        bcp_window=bcp_window_seconds, policy=policy, up_successes=line_up_successes,
        steady_successes=line_steady_successes, steady_seconds=line_steady_seconds,
        max_steady_seconds=max(60.0, line_steady_seconds)))

    class _NoRouter:
        def use(self, mode: str) -> None:
            log.info("counter mode now %s", mode)

    runtime: TerminalRuntime
    continuity_kwargs: dict[str, Any] = {}
    if monotonic is not None:
        continuity_kwargs["monotonic"] = monotonic
    if run_async is not None:
        continuity_kwargs["run_async"] = run_async
    sampler = None if drill else ResponseSampler(data_dir, wall=clock)
    continuity = Continuity(
        machine,
        router if router is not None else _NoRouter(),
        probe=_timed(http_probe(timeout=probe_timeout_seconds, verify=_verify(ca_bundle)), sampler),
        push=(lambda: PushResult()) if drill else (lambda: runtime.push_outbox()),
        pull=lambda: runtime.pull_replica(),
        wall_clock=clock,
        **continuity_kwargs,
    )
    # every request of the terminal's own client is a probe too; it asks the machine which lines are up
    remote = terminal_client(data_dir, keystore, ca_bundle=ca_bundle, interactive_timeout=interactive_timeout_seconds,
                             on_line_event=continuity.on_request, line_up=machine.line_up)
    continuity.follow_active_endpoint(remote)
    partners = None
    counter_backend: Any = backend
    if not drill:  # a drill trains on the own replica only
        partners = PartnerDesks(data_dir, code, keystore, remote, terminal_name=enrolment.terminal_name,
                                signing_key=raw_private, key_id=issuer.key_id, clock=clock)
        counter_backend = MutualBackupBackend(backend, code, partners)
    if router is not None:
        router.register("bcp", counter_backend)
    outages = None
    if not drill:
        machine.subscribe(ModeHistoryRecorder(data_dir, clock))
        outages = OutageTracker(data_dir, wall=clock, down_since=machine.down_since,
                                **({"monotonic": monotonic} if monotonic is not None else {}))
        machine.subscribe(outages)
    runtime = TerminalRuntime(enrolment=enrolment, remote=remote, store=store, outbox=outbox, issuer=issuer,
                              bcp_backend=backend, leases=LeaseKeeper(outbox, remote), machine=machine,
                              continuity=continuity, clock=clock, drill=drill, outages=outages, sampler=sampler,
                              partners=partners, counter_backend=counter_backend, data_dir=Path(data_dir),
                              keystore=keystore, outbox_key=outbox_key, peers=peer_group)
    if drill:
        machine.confirm_bcp(machine.start, "drill")
    return runtime


def _timed(probe: Callable[[str], bool], sampler: ResponseSampler | None) -> Callable[[str], bool]:
    """Health probes double as the terminal's response-time samples for the SLA figures."""
    if sampler is None:
        return probe

    def timed(url: str) -> bool:
        started = time.perf_counter()
        ok = probe(url)
        if ok:
            sampler.record("GET health", (time.perf_counter() - started) * 1000)
        return ok

    return timed


def _policy(configured: str, store: ReplicaStore) -> BcpPolicy:
    """``auto``/``confirm`` from the terminal configuration, else the municipality's parameter."""
    if configured in (BcpPolicy.AUTO.value, BcpPolicy.CONFIRM.value):
        return BcpPolicy(configured)
    try:
        return BcpPolicy(ReplicaLookups(store).municipality().bcp_policy)
    except Exception:  # noqa: BLE001 - no replica yet: the safe default asks a supervisor
        return BcpPolicy.CONFIRM


def _verify(ca_bundle: Path | None) -> Any:
    if ca_bundle is None:
        return True
    import ssl

    return ssl.create_default_context(cafile=str(ca_bundle))
