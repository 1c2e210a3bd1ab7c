"""The detail pane shows what the counter asks about: age, 本籍, 印鑑登録 and, for a foreign
resident, 在留資格 and its 満了日 (rows that do not apply are hidden)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from client.domain.partial_date import PartialDate
from client.services.display import age_text
from client.services.records import ResidentDetail
from client.ui.resident_views import DetailPane
from tests.core._domain_factories import resident


def test_age_text() -> None:
    today = date(2026, 12, 2)
    assert age_text(PartialDate(1980, 12, 2), today) == "46歳"
    assert age_text(PartialDate(1980, 12, 3), today) == "45歳"
    assert age_text(PartialDate(1980), today) == "約46歳"
    assert age_text(PartialDate(None), today) == ""


def test_detail_pane_rows(qtbot: Any) -> None:
    pane = DetailPane()
    qtbot.addWidget(pane)
    pane.show()
    person = resident(3, honseki="東京都桜ヶ丘市本町一丁目2番地", hittousha="山田 太郎")
    pane.show_detail(ResidentDetail(resident=person, household=(person,), has_seal=True))
    assert "歳)" in pane.fields["birth"].text()
    assert pane.fields["honseki"].text() == "東京都桜ヶ丘市本町一丁目2番地(筆頭者 山田 太郎)"
    assert pane.fields["seal"].text() == "登録あり"
    assert pane.fields["honseki"].isVisibleTo(pane) and not pane.fields["residence"].isVisibleTo(pane)

    foreign = replace(person, is_foreign=True, honseki="", hittousha="", nationality="ベトナム",
                      residence_status="技術・人文知識・国際業務", residence_period_end=date(2028, 3, 31))
    pane.show_detail(ResidentDetail(resident=foreign, household=(foreign,), has_seal=False))
    assert pane.fields["residence"].text() == "ベトナム 技術・人文知識・国際業務 満了日 2028-03-31"
    assert pane.fields["residence"].isVisibleTo(pane) and not pane.fields["honseki"].isVisibleTo(pane)
    assert pane.fields["seal"].text() == "登録なし"
