"""aggregate_week: per-symbol sums from venue rows only, issue names, quality checks."""

from __future__ import annotations

import random

import pytest

from spine_core.errors import MissingData
from spine_domains.finra_otc.derived.normalize import NormalizeWeek
from spine_domains.finra_otc.derived.symbol_summary import SUMMARY_COLUMNS, AggregateWeek
from tests.unit.domain.derived.support import FakeReader, ats, non_ats, run, symbol_total

WEEK = "2025-11-14"


def _chain(reader: FakeReader, tier: str = "OTC"):  # type: ignore[no-untyped-def]
    run(NormalizeWeek(), reader, week_ending=WEEK, tier=tier)
    return run(AggregateWeek(), reader, week_ending=WEEK, tier=tier)


def test_declaration() -> None:
    pipeline = AggregateWeek()
    assert pipeline.name == "finra.otc_transparency.aggregate_week"
    assert (pipeline.stage, pipeline.calc) == ("aggregate", "symbol_summary")
    assert (
        pipeline.row_columns
        == SUMMARY_COLUMNS
        == (
            "symbol",
            "issue_name",
            "total_shares",
            "total_trades",
            "venue_count",
            "avg_trade_size",
            "ats_shares",
            "non_ats_shares",
        )
    )


def test_hand_checked_week() -> None:
    reader = FakeReader()
    reader.add_ingest(
        WEEK,
        "OTC",
        [
            ats(2, "AAPL", "UBSA", 1_000, 3),
            ats(3, "AAPL", "JPMX", 500, 2),
            non_ats(4, "AAPL", 250, 1, crd="1"),
            non_ats(5, "AAPL", 50, 4, name="De Minimis Firms"),
            ats(6, "BRK.B", "UBSA", 3_000, 0, issue="Berkshire Hathaway Inc., Class B"),
            ats(7, "ZERO", "UBSA", 0, 0),
            ats(8, "KKR$D", "UBSA", 3_000, 7),
        ],
    )
    result = _chain(reader)
    issue = "Test Corp Common Stock"
    assert result.rows == [
        ("BRK.B", "Berkshire Hathaway Inc., Class B", 3_000, 0, 1, None, 3_000, 0),
        ("KKR$D", issue, 3_000, 7, 1, "428.5714", 3_000, 0),
        ("AAPL", issue, 1_800, 10, 4, "180.0000", 1_500, 300),
        ("ZERO", issue, 0, 0, 1, None, 0, 0),
    ]
    zero = result.check("zero_volume_symbols")
    assert zero.status == "WARN" and zero.severity == "WARN" and zero.value == 1.0 and "ZERO" in zero.message
    summary = result.summary
    assert summary["calc"] == {"name": "symbol_summary", "version": "v1", "deprecated": False}
    assert summary["rows_out"] == 4 and summary["total_shares"] == 7_800
    assert set(summary["inputs"]) == {"normalized"}


def test_symbol_level_totals_are_never_added_to_venue_rows() -> None:
    reader = FakeReader()
    reader.add_ingest(
        WEEK,
        "NMS_TIER_1",
        [
            ats(2, "AAPL", "UBSA", 600),
            ats(3, "AAPL", "JPMX", 400),
            symbol_total(4, "AAPL", 1_000),  # the same 1,000 shares again, as FINRA's symbol total
            symbol_total(5, "AAPL", 2_000, ats_side=False),
        ],
    )
    [row] = _chain(reader, "NMS_TIER_1").rows
    assert row[2] == 1_000 and row[4] == 2
    assert _chain(reader, "NMS_TIER_1").summary["symbol_level_rows_skipped"] == 2


def test_issue_name_is_the_first_non_empty_in_line_order_whatever_the_row_order() -> None:
    reader = FakeReader()
    rows = [
        ats(2, "A", "M1", 1, issue=None),
        ats(3, "A", "M2", 1, issue="Alpha Inc"),
        ats(4, "A", "M3", 1, issue="Alpha Incorporated"),
        ats(5, "A", "M4", 1, issue=""),
    ]
    for order in range(6):
        shuffled = rows[:]
        random.Random(order).shuffle(shuffled)
        reader.add_ingest(WEEK, "OTC", shuffled)
        assert _chain(reader).rows[0][1] == "Alpha Inc"


def test_missing_tier_lists_the_other_tiers_without_an_ingest_capture() -> None:
    reader = FakeReader()
    reader.add_ingest(WEEK, "OTC", [ats(2, "A", "M1", 1)])
    check = _chain(reader).check("missing_tier")
    assert (check.status, check.severity) == ("WARN", "INFO")
    assert check.details["missing_tiers"] == ["NMS_TIER_1", "NMS_TIER_2"]
    assert "NMS_TIER_1, NMS_TIER_2" in check.message
    reader.add_ingest(WEEK, "NMS_TIER_1", [ats(2, "A", "M1", 1)])
    reader.add_ingest(WEEK, "NMS_TIER_2", [])
    assert _chain(reader).check("missing_tier").status == "PASS"


def test_missing_normalize_names_the_command() -> None:
    reader = FakeReader()
    reader.add_ingest(WEEK, "OTC", [ats(2, "A", "M1", 1)])
    with pytest.raises(MissingData) as raised:
        run(AggregateWeek(), reader, week_ending=WEEK, tier="OTC")
    assert "finra.otc_transparency.normalize_week" in raised.value.message
    assert raised.value.hint == "spine run finra.otc_transparency.normalize_week --week-ending 2025-11-14 --tier OTC"
