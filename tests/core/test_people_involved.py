"""Whose 支援措置 and 抑止 are loaded for a request (client/domain/involved.py): one rule for the
data centre, the replica and the BCP backend."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from _domain_factories import atena, family, request, resident

from client.domain.involved import named_on_request, people_involved, perpetrators
from client.domain.model import Requester, RequesterKind, ResidentStatus, SupportMeasure

FAMILY = family()
SUBJECT = FAMILY[0]
OUTSIDER = resident(90, household_no=atena(800001))
AGENT_FOR = resident(91, household_no=atena(800002))


def test_a_view_involves_the_subject_and_the_whole_household_removed_members_too() -> None:
    removed = replace(FAMILY[-1], status=ResidentStatus.MOVED_OUT)
    household = (*FAMILY[:-1], removed)
    assert people_involved(SUBJECT.atena_no, household) == {r.atena_no for r in FAMILY}


def test_an_issuance_adds_everyone_the_request_names() -> None:
    req = replace(
        request(SUBJECT, member_atena_nos=(SUBJECT.atena_no, OUTSIDER.atena_no)),
        requester=Requester(kind=RequesterKind.AGENT, acting_for_atena_no=AGENT_FOR.atena_no,
                            requester_atena_no=atena(92)),
    )
    assert named_on_request(req) == {SUBJECT.atena_no, OUTSIDER.atena_no, AGENT_FOR.atena_no, atena(92)}
    assert people_involved(SUBJECT.atena_no, FAMILY, req) == (
        {r.atena_no for r in FAMILY} | {OUTSIDER.atena_no, AGENT_FOR.atena_no, atena(92)})


def test_blank_numbers_are_nobody() -> None:
    req = replace(request(SUBJECT), requester=Requester(kind=RequesterKind.SELF, acting_for_atena_no="",
                                                         requester_atena_no=None))
    assert named_on_request(req) == {SUBJECT.atena_no}
    assert people_involved(SUBJECT.atena_no, (), req) == {SUBJECT.atena_no}
    assert "" not in people_involved("", FAMILY)


def test_the_perpetrators_of_the_measures_once_each_in_order() -> None:
    def measure(mid: str, *perps: str) -> SupportMeasure:
        return SupportMeasure(measure_id=mid, protected_atena_nos=(SUBJECT.atena_no,), perpetrator_atena_nos=perps,
                              start=date(2026, 4, 1), end=date(2027, 3, 31))

    assert perpetrators([measure("SM-1", atena(72), atena(71)), measure("SM-2", atena(71))]) == (atena(71), atena(72))
    assert perpetrators([measure("SM-3")]) == ()
