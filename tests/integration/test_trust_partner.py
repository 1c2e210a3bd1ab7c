"""A BCP certificate issued for a mutual-backup partner (相互バックアップ) verifies under the trust
list: signed by the home terminal's key, judged by the partner's lease, countersigned on sync back."""

from __future__ import annotations

from pathlib import Path

from tests.integration.bcp_env import juminhyo, plain_subjects
from tests.integration.test_mutual_backup_bcp import TOWN, Env, _enter_bcp, _recover, _with_partner
from tests.integration.test_mutual_backup_bcp import env as env  # noqa: F401  (the fixture)
from tests.integration.trust_env import init_trust, server_verdict


def test_partner_bcp_certificate_is_confirmed_after_sync(env: Env, tmp_path: Path) -> None:  # noqa: F811
    init_trust(env.db_url, tmp_path)
    (subject,) = plain_subjects(env.db_url, 1, code=TOWN)
    _with_partner(env)
    _enter_bcp(env)
    env.service.sign_in("townclerk", "townpass1", TOWN)
    cert = env.service.backend.issue(juminhyo(subject), None, "P001").certificates[0]
    v = server_verdict(env.server.base_url, cert.qr_token)
    assert (v["status"], v["reason_code"], v["signer_role"]) == ("provisional", "bcp_unconfirmed", "terminal"), v
    report = _recover(env)
    assert report.pushed == 1
    v = server_verdict(env.server.base_url, cert.qr_token)
    assert (v["status"], v["reason_code"]) == ("valid", "bcp_confirmed"), v
