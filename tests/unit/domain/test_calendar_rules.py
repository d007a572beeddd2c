"""Holidays by rule: equal to the exchange's published calendars, and right on the rules' edge cases."""

from __future__ import annotations

import json
from datetime import date

import pytest

from spine_core.framework.pipeline import PipelineInputs, RowBatch
from spine_domains.reference.exchange_calendar.pipelines import IngestCalendarYear
from spine_domains.reference.exchange_calendar.rules import rule_calendar_document, rule_holidays
from tests.shared_data import finra_data
from tests.unit.domain.support import ListSource


@pytest.mark.parametrize(
    ("name", "year"),
    [("holidays_xnys_2025.json", 2025), ("holidays_xnys_2026.json", 2026), ("holidays_xnas_2025.json", 2025)],
)
def test_the_rules_give_the_published_closures(name: str, year: int) -> None:
    published = json.loads(finra_data("calendar", name).read_text())
    assert [day for day, _name in rule_holidays(year)] == [date.fromisoformat(h["date"]) for h in published["holidays"]]


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2022, 12, 26), "Christmas Day (observed)"),  # Sunday -> Monday
        (date(2027, 12, 24), "Christmas Day (observed)"),  # Saturday -> Friday
        (date(2027, 6, 18), "Juneteenth (observed)"),
        (date(2026, 7, 3), "Independence Day (observed)"),
        (date(2023, 1, 2), "New Year's Day (observed)"),
        (date(2024, 3, 29), "Good Friday"),
        (date(2019, 4, 19), "Good Friday"),
        (date(2038, 4, 23), "Good Friday"),  # Easter on April 25, the latest possible
        (date(2008, 3, 21), "Good Friday"),  # Easter on March 23
        (date(2024, 5, 27), "Memorial Day"),  # last Monday of a May with five Mondays
        (date(2024, 11, 28), "Thanksgiving Day"),
    ],
)
def test_edge_cases(day: date, name: str) -> None:
    assert (day, name) in rule_holidays(day.year)


def test_new_years_day_on_a_saturday_closes_nothing_in_december() -> None:
    # 2022-01-01 was a Saturday: the market was open on Friday 2021-12-31.
    assert date(2021, 12, 31) not in [d for d, _ in rule_holidays(2021)]
    assert all(d.year == 2022 for d, _ in rule_holidays(2022))
    assert len(rule_holidays(2022)) == 9


def test_juneteenth_only_from_2022() -> None:
    assert not any("Juneteenth" in n for _, n in rule_holidays(2021))
    assert any("Juneteenth" in n for _, n in rule_holidays(2022))


def test_every_closure_is_a_weekday() -> None:
    for year in range(1998, 2100):
        days = [d for d, _ in rule_holidays(year)]
        assert all(d.weekday() < 5 for d in days), year
        assert len(set(days)) == len(days), year


def test_years_without_rules_are_refused_with_a_reason() -> None:
    with pytest.raises(ValueError, match="published calendar"):
        rule_holidays(1990)
    with pytest.raises(ValueError, match="XNAS, XNYS"):
        rule_calendar_document("XLON", 2025)


def test_a_generated_document_is_accepted_by_the_calendar_pipeline() -> None:
    document = rule_calendar_document("xnys", 2027)
    assert "no unscheduled closures" in document["source"]
    pipeline = IngestCalendarYear()
    params = pipeline.parse_params({"exchange": "XNYS", "year": "2027"})
    lines = json.dumps(document, indent=2).splitlines()
    batches = [o for o in pipeline.run(params, PipelineInputs(ListSource(lines))) if isinstance(o, RowBatch)]
    assert [r for b in batches for r in b.rejects] == []
    assert [row[0] for b in batches for row in b.rows] == [h["date"] for h in document["holidays"]]
