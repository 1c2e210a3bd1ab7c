"""The invariants, checked after each trial's recovery. Each returns a list of violations (text)."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from client.replica.sync import ReplicaSync
from server_stub.audit.chain import verify_chain
from server_stub.db import make_engine
from server_stub.models import Issuance, IssuedCopy
from tests.faults.harness.cluster import Batch
from tests.integration.bcp_env import CODE


def check_all(batch: Batch, *, checksum: bool = True) -> list[str]:
    out: list[str] = []
    engine = make_engine(batch.db_url)
    try:
        with Session(engine) as s:
            bcp = Counter(dict(s.execute(select(Issuance.client_uuid, func.count())
                                          .where(Issuance.municipality_code == CODE, Issuance.mode == "bcp")
                                          .group_by(Issuance.client_uuid)).all()))
            dup_serials = s.execute(select(IssuedCopy.serial).where(IssuedCopy.municipality_code == CODE)
                                    .group_by(IssuedCopy.serial).having(func.count() > 1)).all()
            dup_numbers = s.execute(select(IssuedCopy.issue_number).where(IssuedCopy.municipality_code == CODE)
                                    .group_by(IssuedCopy.issue_number).having(func.count() > 1)).all()
            flagged_on_server = s.scalars(select(Issuance.client_uuid).where(
                Issuance.municipality_code == CODE, Issuance.mode == "bcp",
                Issuance.subject_atena_no.in_(batch.flagged))).all()
            broken = verify_chain(s, CODE)
    finally:
        engine.dispose()

    # every certificate handed out is on the server exactly once
    for uuid, terminal in batch.handed_out.items():
        n = bcp.get(uuid, 0)
        if n != 1:
            out.append(f"exactly-once: certificate {uuid} handed out by {terminal} is on the server {n} times")
    extra = [u for u, n in bcp.items() if n > 1]
    if extra:
        out.append(f"exactly-once: {len(extra)} BCP issuances stored more than once: {extra[:3]}")
    if dup_serials:
        out.append(f"発行番号: serials used twice on the server: {[r[0] for r in dup_serials][:5]}")
    if dup_numbers:
        out.append(f"発行番号: issue numbers printed twice: {[r[0] for r in dup_numbers][:3]}")
    if flagged_on_server:
        out.append(f"支援措置/抑止: {len(flagged_on_server)} BCP issuances for flagged residents on the server")
    if broken is not None:
        out.append(f"access log: the server's chain is broken: {broken}")

    flagged = set(batch.flagged)
    for t in batch.terminals:
        records = t.outbox.all_records()
        local_uuids = {r.uuid for r in records}
        missing = [u for u in local_uuids if bcp.get(u, 0) != 1]
        if missing:
            out.append(f"exactly-once: {t.terminal_id}'s outbox records not on the server exactly once: {missing[:3]}")
        if any(r.record["request"]["subject_atena_no"] in flagged for r in records):
            out.append(f"支援措置/抑止: {t.terminal_id}'s outbox holds an issuance for a flagged resident")
        pending, rejected = t.outbox.count_pending(), t.outbox.rejected()
        if pending or rejected:
            out.append(f"outbox: {t.terminal_id} has {pending} pending and {len(rejected)} rejected after recovery "
                       f"{[r.reject_code for r in rejected][:2]}")
        gap = t.outbox.verify_access_chain()
        if gap is not None:
            out.append(f"access log: {t.terminal_id}'s local chain breaks at entry {gap}")
    if checksum:
        t = batch.terminals[0]
        report = ReplicaSync(t.store, t.remote).compare_checksums(repair=False)
        if not report.matches:
            out.append(f"replica: checksum differs from the server's in {report.mismatched_kinds}")
    return out
