"""The counter services on an enrolled terminal, built by the one composition root: the BCP backend
is registered, the clerk is signed in on it too, the mode (with replica age and pending count)
reaches the banner callback, and the counter's own requests feed the connectivity machine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from client.composition.root import build
from client.composition.terminal_link import confirm_bcp
from client.lifecycle.config import ClientConfig
from client.lifecycle.enrollment import enroll
from client.local.keystore import KeyStore
from client.services.errors import PermissionDeniedError, SignInError
from server_stub.migrate import upgrade
from tests.integration.bcp_env import CODE, plain_subjects, seed


def test_enrolled_terminal_switches_the_counter_to_bcp(tmp_path: Path, server_factory: Any,
                                                       memory_keyring: Any) -> None:
    db_url = f"sqlite:///{tmp_path / 'server.db'}"
    upgrade(db_url)
    seed(db_url)
    server = server_factory(db_url)
    data = tmp_path / "home"
    enroll(server_url=server.base_url, municipality_code=CODE, terminal_name="本庁9", admin_user="admin1",
           admin_password="admin1pass", data_dir=data, keystore=KeyStore(), terminal_id="T109")
    config = ClientConfig(data_dir=data)
    published: list[tuple[str, Any, int]] = []
    counter = build(config, keystore=KeyStore(), publish=lambda *state: published.append(state), start=False,
                    out_dir=tmp_path / "out")
    service, runtime = counter.service, counter.runtime
    assert (service.municipality_code, service.terminal_id) == (CODE, "T109")
    try:
        assert published[-1][0] == "online" and published[-1][1] is not None  # replica as-of known
        assert set(service.router.backends()) == {"online", "bcp"}
        runtime.machine.report_failure(runtime.machine.endpoints[0], runtime.continuity.monotonic(),
                                       error="test: one failure")  # the line is suspect …
        assert runtime.continuity.evidence()["lines"][0]["failures"] == 1
        service.sign_in("clerk1", "clerk1pass")  # … and the counter's own requests answer on it
        service.search(plain_subjects(db_url, 1)[0])
        assert service.mode == "online"
        # the counter's requests reached the machine (two answers in a row: the line is up again)
        assert runtime.continuity.evidence()["lines"][0]["failures"] == 0

        # only a supervisor may declare BCP mode, checked against the replica (the line is down)
        with pytest.raises(PermissionDeniedError):
            confirm_bcp(service, runtime, "clerk2", "clerk2pass")
        with pytest.raises(SignInError):
            confirm_bcp(service, runtime, "supervisor1", "wrong")
        assert service.mode == "online"
        assert confirm_bcp(service, runtime, "supervisor1", "supervisor1pass")
        assert service.mode == "bcp"
        assert published[-1][0] == "bcp"
        subject = plain_subjects(db_url, 1)[0]
        hits = service.search(subject)  # answered by the replica: no second sign-in needed
        assert [h.atena_no for h in hits] == [subject]
        runtime.refill_leases()
        from tests.integration.bcp_env import juminhyo

        service.issue(juminhyo(subject))
        assert service.pending_bcp() == runtime.outbox.count_pending() == 1  # the day close waits for it
        assert published[-1][2] == 1  # the banner's 未送信 count, without a mode change
    finally:
        counter.close()


def test_not_enrolled_means_online_only(tmp_path: Path) -> None:
    config = ClientConfig(server_url="http://127.0.0.1:9", municipality_code="132403", data_dir=tmp_path)
    counter = build(config)
    assert counter.runtime is None
    assert set(counter.service.router.backends()) == {"online"}
    assert counter.service.pending_bcp() == 0
    counter.close()
