"""The terminal runtime's one scheduler runs the nightly replica checksum (issue 21): the job is
scheduled at 02:17, and when it runs it finds a replica that drifted and rebuilds it."""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path

from client.continuity.assembly import build_terminal
from client.continuity.orchestrator import CHECKSUM_JOB
from client.local.keystore import KeyStore
from client.replica.sync import ReplicaSync
from tests.integration.bcp_env import enrolled


def test_the_nightly_checksum_is_scheduled_and_repairs_a_drifted_replica(tmp_path: Path, server_factory,
                                                                          memory_keyring) -> None:
    _db_url, _server, data = enrolled(tmp_path, server_factory, "T107", "支所7")
    rt = build_terminal(data, keystore=KeyStore(), bcp_policy="auto")
    try:
        ReplicaSync(rt.store, rt.remote).pull()
        with rt.store.write() as conn:  # silent drift: a row lost locally
            conn.exec_driver_sql("DELETE FROM residents WHERE key = (SELECT min(key) FROM residents)")
        assert not ReplicaSync(rt.store, rt.remote).compare_checksums(repair=False).matches

        upkept = threading.Event()
        rt.upkeep_listeners.append(upkept.set)
        rt.start(probe_seconds=3600, pull_seconds=3600)
        job = rt.scheduler.get_job(CHECKSUM_JOB)
        assert job is not None
        fields = {f.name: str(f) for f in job.trigger.fields}
        assert (fields["hour"], fields["minute"]) == ("2", "17")
        assert job.next_run_time.hour == 2 and job.next_run_time.minute == 17

        pull = rt.scheduler.get_job("replica-pull")
        rt.scheduler.pause_job(pull.id)  # only the checksum job may touch the replica below
        upkept.clear()
        rt.scheduler.modify_job(CHECKSUM_JOB, next_run_time=datetime.now().astimezone())  # "tonight" now
        assert upkept.wait(30), "the nightly checksum job did not run"
        assert ReplicaSync(rt.store, rt.remote).compare_checksums(repair=False).matches  # rebuilt
    finally:
        rt.close()
