"""Reads the BCP issuance needs from the replica, as domain objects.

``evaluation_context`` gathers what the rule engine looks at for one request — the subject, the
household, seal, tax, 支援措置 and 抑止 touching anyone involved, the municipality parameters —
exactly as the server does online, plus the replica's as-of time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from client.domain.involved import people_involved
from client.domain.model import (
    CertificateType,
    EvaluationContext,
    IssuanceRequest,
    Mode,
    MunicipalityParams,
    Resident,
    SealRegistration,
    SupportMeasure,
    SupportRelease,
    Suppression,
    TaxSummary,
)
from client.replica.apply import loads
from client.replica.form_lookups import form_parameters
from client.replica.store import ReplicaNotReadyError, ReplicaStore, get_meta


@dataclass(frozen=True)
class StaffCredential:
    """A staff account as replicated for offline sign-in (argon2id hash and role)."""

    user_id: str
    name: str
    role: str
    password_hash: str
    active: bool


def _placeholders(n: int) -> str:
    return ",".join("?" * n)


class ReplicaLookups:
    """Typed reads on one municipality's replica."""

    def __init__(self, store: ReplicaStore) -> None:
        self.store = store

    # -- single records ----------------------------------------------------------------------

    def resident(self, atena_no: str) -> Resident | None:
        with self.store.read() as conn:
            return self._resident(conn, atena_no)

    @staticmethod
    def _resident(conn: Connection, atena_no: str) -> Resident | None:
        row = conn.exec_driver_sql("SELECT data FROM residents WHERE key = ?", (atena_no,)).fetchone()
        return Resident.from_dict(loads(row[0])) if row else None

    def household_members(self, household_no: str, *, current_only: bool = True) -> tuple[Resident, ...]:
        with self.store.read() as conn:
            return self._household(conn, household_no, current_only)

    @staticmethod
    def _household(conn: Connection, household_no: str, current_only: bool) -> tuple[Resident, ...]:
        sql = "SELECT r.data FROM resident_keys k JOIN residents r ON r.key = k.key WHERE k.household_no = ?"
        if current_only:
            sql += " AND k.status = 'resident'"
        rows = conn.exec_driver_sql(sql + " ORDER BY k.key", (household_no,)).fetchall()
        return tuple(Resident.from_dict(loads(r[0])) for r in rows)

    def household_record(self, household_no: str) -> dict[str, Any] | None:
        with self.store.read() as conn:
            row = conn.exec_driver_sql("SELECT data FROM households WHERE key = ?", (household_no,)).fetchone()
            return loads(row[0]) if row else None

    def seal_for(self, atena_no: str, card_no: str = "") -> SealRegistration | None:
        """The active 印鑑登録 of the resident (matching the card number when given)."""
        with self.store.read() as conn:
            return self._seal(conn, atena_no, card_no)

    @staticmethod
    def _seal(conn: Connection, atena_no: str, card_no: str) -> SealRegistration | None:
        """Active before abolished, then the latest registration (as the server picks it)."""
        rows = conn.exec_driver_sql("SELECT data FROM seals WHERE atena_no = ?", (atena_no,)).fetchall()
        seals = [SealRegistration.from_dict(loads(r[0])) for r in rows]
        if card_no:
            seals = [s for s in seals if s.card_no == card_no]
        seals.sort(key=lambda s: (not s.active, -s.registered_on.toordinal()))
        return seals[0] if seals else None

    def seal_by_card(self, card_no: str) -> SealRegistration | None:
        with self.store.read() as conn:
            row = conn.exec_driver_sql(
                "SELECT data FROM seals WHERE card_no = ? ORDER BY active DESC LIMIT 1", (card_no,)
            ).fetchone()
            return SealRegistration.from_dict(loads(row[0])) if row else None

    def tax(self, atena_no: str, tax_year: int) -> TaxSummary | None:
        with self.store.read() as conn:
            return self._tax(conn, atena_no, tax_year)

    @staticmethod
    def _tax(conn: Connection, atena_no: str, tax_year: int) -> TaxSummary | None:
        row = conn.exec_driver_sql("SELECT data FROM tax WHERE key = ?", (f"{atena_no}:{int(tax_year)}",)).fetchone()
        return TaxSummary.from_dict(loads(row[0])) if row else None

    def tax_years(self, atena_no: str) -> tuple[int, ...]:
        with self.store.read() as conn:
            # a person's years are one range of the clustered key "宛名番号:年度" (";" follows ":")
            rows = conn.exec_driver_sql("SELECT tax_year FROM tax WHERE key >= ? AND key < ? AND atena_no = ?",
                                        (f"{atena_no}:", f"{atena_no};", atena_no))
            return tuple(sorted(int(r[0]) for r in rows))

    def support_measures(self, atena_nos: Iterable[str]) -> tuple[SupportMeasure, ...]:
        with self.store.read() as conn:
            return self._measures(conn, atena_nos)

    @staticmethod
    def _measures(conn: Connection, atena_nos: Iterable[str]) -> tuple[SupportMeasure, ...]:
        wanted = sorted({a for a in atena_nos if a})
        if not wanted:
            return ()
        rows = conn.exec_driver_sql(
            "SELECT DISTINCT m.key, m.data FROM support_measures m JOIN support_measure_persons p "
            f"ON p.measure_id = m.key WHERE p.atena_no IN ({_placeholders(len(wanted))}) ORDER BY m.key",
            tuple(wanted),
        ).fetchall()
        return tuple(SupportMeasure.from_dict(loads(r[1])) for r in rows)

    def protected_atena_nos(self, atena_nos: Iterable[str]) -> frozenset[str]:
        """Those of ``atena_nos`` protected by any 支援措置 (active or not: callers decide by date)."""
        wanted = sorted({a for a in atena_nos if a})
        if not wanted:
            return frozenset()
        with self.store.read() as conn:
            rows = conn.exec_driver_sql(
                f"SELECT DISTINCT atena_no FROM support_measure_persons WHERE role = 'protected' "
                f"AND atena_no IN ({_placeholders(len(wanted))})",
                tuple(wanted),
            ).fetchall()
        return frozenset(r[0] for r in rows)

    def suppressions(self, atena_nos: Iterable[str], household_nos: Iterable[str]) -> tuple[Suppression, ...]:
        with self.store.read() as conn:
            return self._suppressions(conn, atena_nos, household_nos)

    @staticmethod
    def _suppressions(conn: Connection, atena_nos: Iterable[str], household_nos: Iterable[str]) -> tuple[Suppression, ...]:
        a = sorted({x for x in atena_nos if x})
        h = sorted({x for x in household_nos if x})
        conds, params = [], []
        if a:
            conds.append(f"atena_no IN ({_placeholders(len(a))})")
            params.extend(a)
        if h:
            conds.append(f"household_no IN ({_placeholders(len(h))})")
            params.extend(h)
        if not conds:
            return ()
        rows = conn.exec_driver_sql(
            f"SELECT data FROM suppressions WHERE {' OR '.join(conds)} ORDER BY key", tuple(params)
        ).fetchall()
        return tuple(Suppression.from_dict(loads(r[0])) for r in rows)

    def municipality(self) -> MunicipalityParams:
        with self.store.read() as conn:
            return self._municipality(conn)

    def _municipality(self, conn: Connection) -> MunicipalityParams:
        row = conn.exec_driver_sql("SELECT data FROM municipality WHERE key = ?", (self.store.code,)).fetchone()
        if row is None:
            raise ReplicaNotReadyError(message_en=f"replica of {self.store.code} holds no municipality parameters")
        return MunicipalityParams.from_dict(loads(row[0]))

    def staff(self, user_id: str) -> StaffCredential | None:
        with self.store.read() as conn:
            row = conn.exec_driver_sql("SELECT data FROM staff WHERE key = ?", (user_id,)).fetchone()
        if row is None:
            return None
        d = loads(row[0])
        return StaffCredential(str(d["user_id"]), str(d.get("name", "")), str(d["role"]),
                               str(d["password_hash"]), bool(d.get("active", True)))

    def as_of(self) -> datetime | None:
        with self.store.read() as conn:
            text = get_meta(conn, "as_of")
        return datetime.fromisoformat(text) if text else None

    # -- the rule engine's context -----------------------------------------------------------

    def evaluation_context(
        self,
        request: IssuanceRequest,
        now: datetime,
        *,
        releases: tuple[SupportRelease, ...] = (),
        stale_override_reason: str = "",
        pending_change_atena_nos: frozenset[str] = frozenset(),
    ) -> EvaluationContext:
        """Everything ``rules.evaluate`` needs for ``request`` in BCP mode, read in one snapshot."""
        with self.store.read() as conn:  # one read transaction: one consistent snapshot
            subject = self._resident(conn, request.subject_atena_no)
            household: tuple[Resident, ...] = ()
            if subject is not None:  # all members, removed ones too (as the server loads them)
                household = self._household(conn, subject.household_no, current_only=False)
            involved = people_involved(request.subject_atena_no, household, request)
            seal = (self._seal(conn, request.subject_atena_no, "")
                    if subject is not None and request.cert_type is CertificateType.INKAN else None)
            tax = (self._tax(conn, request.subject_atena_no, request.tax_year)
                   if subject is not None and request.cert_type is CertificateType.KAZEI
                   and request.tax_year is not None else None)
            measures = self._measures(conn, involved)
            households = {subject.household_no} if subject is not None else set()
            suppressions = self._suppressions(conn, involved, households)
            params = self._municipality(conn)
            forms = form_parameters(conn)
            as_of_text = get_meta(conn, "as_of")
        return EvaluationContext(
            now=now,
            mode=Mode.BCP,
            municipality=params,
            subject=subject,
            household=household,
            seal=seal,
            tax=tax,
            support_measures=measures,
            suppressions=suppressions,
            releases=releases,
            replica_as_of=datetime.fromisoformat(as_of_text) if as_of_text else None,
            stale_override_reason=stale_override_reason,
            pending_change_atena_nos=pending_change_atena_nos,
            form_parameters=forms,
        )
