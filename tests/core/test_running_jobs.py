"""Closing the terminal waits for its background work (a scheduled pull, the sync back, the urgent
probe round) before the replica and the outbox close: a SQLCipher connection closed under a running
query took the process down (a crash seen in tests/ui/test_failover_responsiveness.py's child run)."""

from __future__ import annotations

import threading
import time

from client.continuity.machine import ConnectivityMachine, ConnectivityPolicy
from client.continuity.orchestrator import Continuity, RunningJobs, start_scheduler

P, S = "https://primary.example", "https://secondary.example"


def _continuity() -> Continuity:
    machine = ConnectivityMachine([P, S], ConnectivityPolicy(bcp_window=10))
    return Continuity(machine, type("R", (), {"use": lambda self, mode: None})(), probe=lambda url: True,
                      push=lambda: None, pull=lambda: None)


def test_close_waits_for_a_running_job_and_no_job_starts_after_it() -> None:
    jobs = RunningJobs()
    events: list[str] = []
    inside, release = threading.Event(), threading.Event()

    def slow() -> None:
        inside.set()
        release.wait(10)
        events.append("job finished")

    threading.Thread(target=jobs.wrap(slow), daemon=True).start()
    assert inside.wait(10) and jobs.running() == 1
    threading.Timer(0.3, release.set).start()
    assert jobs.close(wait_seconds=10)
    events.append("closed")
    assert events == ["job finished", "closed"]

    late: list[str] = []
    assert jobs.wrap(lambda: late.append("ran"))() is None and late == []  # closed: nothing new starts


def test_close_is_bounded_and_does_not_wait_for_the_job_that_calls_it() -> None:
    jobs = RunningJobs()
    stuck = threading.Event()
    threading.Thread(target=jobs.wrap(lambda: stuck.wait(10)), daemon=True).start()
    while not jobs.running():
        time.sleep(0.01)
    began = time.monotonic()
    assert jobs.close(wait_seconds=0.2) is False  # a job that never ends does not hold the close forever
    assert time.monotonic() - began < 5
    stuck.set()

    own = RunningJobs()
    result: list[bool] = []
    # a job that closes the terminal itself (a revocation seen during a pull), with a nested job inline
    own.wrap(lambda: own.wrap(lambda: result.append(own.close(wait_seconds=5)))())()
    assert result == [True] and own.running() == 0


def test_the_sync_back_and_the_scheduled_jobs_are_tracked() -> None:
    continuity = _continuity()
    inside, release = threading.Event(), threading.Event()
    continuity.run_async(lambda: (inside.set(), release.wait(10)))  # the sync back's own thread
    assert inside.wait(10) and continuity.jobs.running() == 1
    release.set()
    assert continuity.jobs.close(wait_seconds=10) and continuity.jobs.running() == 0

    continuity = _continuity()
    pulled, release = threading.Event(), threading.Event()

    def pull() -> None:
        pulled.set()
        release.wait(10)

    scheduler = start_scheduler(continuity, probe_seconds=3600, replica_pull=pull, pull_seconds=0.05)
    try:
        assert pulled.wait(10)
        assert continuity.jobs.running() == 1  # the scheduled pull counts
        scheduler.shutdown(wait=False)
        threading.Timer(0.2, release.set).start()
        assert continuity.jobs.close(wait_seconds=10) and continuity.jobs.running() == 0
    finally:
        release.set()
