"""The people involved in a request: whose 支援措置 and 抑止 must be loaded before the rules decide.

One rule for every place that gathers the rule engine's context — the data centre
(``server_stub/register/context.py``, the BCP reconciliation), the replica (``client/replica/lookups.py``)
and the BCP backend's emergency holds — so that online and BCP mode look at the same people:

* the subject and everyone in the subject's household, removed members too;
* everyone the request names: the members listed, the person acted for (代理), the requester;
* the 加害者 of the 支援措置 found, with their households (``perpetrators``), so that a requester
  living with a 加害者 is recognised.

Pure: atena numbers in, atena numbers out.
"""

from __future__ import annotations

from collections.abc import Iterable

from client.domain.model import IssuanceRequest, Resident, SupportMeasure


def named_on_request(request: IssuanceRequest) -> frozenset[str]:
    """The people a request names: its subject, the members listed, the person acted for and the
    requester (blank numbers left out)."""
    requester = request.requester
    named = (request.subject_atena_no, *request.member_atena_nos,
             requester.acting_for_atena_no, requester.requester_atena_no)
    return frozenset(a for a in named if a)


def people_involved(subject_atena_no: str, household: Iterable[Resident] = (),
                    request: IssuanceRequest | None = None) -> frozenset[str]:
    """Whose 支援措置 and 抑止 must be loaded: the subject, the household (``household``, removed
    members included) and, for an issuance, everyone the request names."""
    named = named_on_request(request) if request is not None else frozenset()
    return frozenset(a for a in (subject_atena_no, *named, *(m.atena_no for m in household)) if a)


def perpetrators(measures: Iterable[SupportMeasure]) -> tuple[str, ...]:
    """The 加害者 of ``measures`` (sorted, once each): they and their households are loaded too."""
    return tuple(sorted({a for m in measures for a in m.perpetrator_atena_nos if a}))
