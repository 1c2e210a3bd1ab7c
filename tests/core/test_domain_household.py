"""Standard household order: 世帯主 → 配偶者 → children by birth date → others; ties by 宛名番号."""

from __future__ import annotations

import random

from _domain_factories import atena, family, resident
from hypothesis import given
from hypothesis import strategies as st

from client.domain.household import head_of, household_order, relation_rank
from client.domain.partial_date import PartialDate


def test_family_order() -> None:
    order = [r.name for r in household_order(family())]
    assert order == ["山田 太郎", "山田 花子", "山田 一郎", "山田 次郎", "山田 ウメ"]


def test_children_by_birth_date_then_atena() -> None:
    twins = [
        resident(8, relation="長女", birth=PartialDate(2015, 3, 3)),
        resident(6, relation="二女", birth=PartialDate(2015, 3, 3)),
        resident(7, relation="長男", birth=PartialDate(2013, 1, 1)),
        resident(2, relation="世帯主", is_head=True),
    ]
    assert [r.atena_no for r in household_order(twins)] == [atena(2), atena(7), atena(6), atena(8)]


def test_unknown_birth_sorts_after_known_in_its_year() -> None:
    members = [
        resident(3, relation="子", birth=PartialDate(2015)),
        resident(4, relation="子", birth=PartialDate(2015, 12, 31)),
        resident(5, relation="子", birth=PartialDate(None)),
    ]
    assert [r.atena_no for r in household_order(members)] == [atena(4), atena(3), atena(5)]


def test_relation_ranks() -> None:
    assert relation_rank(resident(1, relation="世帯主", is_head=True)) == 0
    for rel in ["妻", "夫", "妻(未届)", "夫（未届）"]:
        assert relation_rank(resident(1, relation=rel)) == 1
    for rel in ["子", "長男", "二女", "養子", "三男"]:
        assert relation_rank(resident(1, relation=rel)) == 2
    for rel in ["母", "父", "孫", "子の妻", "妻の子", "同居人", "縁故者"]:
        assert relation_rank(resident(1, relation=rel)) == 3


def test_head_of() -> None:
    assert head_of(family()) is not None and head_of(family()).name == "山田 太郎"  # type: ignore[union-attr]
    assert head_of([resident(1, relation="子")]) is None


@given(st.randoms(use_true_random=False))
def test_order_does_not_depend_on_input_order(rnd: random.Random) -> None:
    members = list(family())
    expected = household_order(members)
    rnd.shuffle(members)
    assert household_order(members) == expected
