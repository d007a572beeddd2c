"""compute_ats_share: ATS share where both sides exist, venue basis preferred, never mixed."""

from __future__ import annotations

from spine_domains.finra_otc.derived.ats_share import ATS_SHARE_COLUMNS, ComputeAtsShare
from spine_domains.finra_otc.derived.normalize import NormalizeWeek
from tests.unit.domain.derived.support import FakeReader, ats, non_ats, run, symbol_total

WEEK = "2025-11-14"


def _run(rows: list[tuple[object, ...]]):  # type: ignore[no-untyped-def]
    reader = FakeReader()
    reader.add_ingest(WEEK, "NMS_TIER_1", rows)
    run(NormalizeWeek(), reader, week_ending=WEEK, tier="NMS_TIER_1")
    return run(ComputeAtsShare(), reader, week_ending=WEEK, tier="NMS_TIER_1")


def test_declaration() -> None:
    pipeline = ComputeAtsShare()
    assert pipeline.name == "finra.otc_transparency.compute_ats_share"
    assert (pipeline.stage, pipeline.calc) == ("ats_share", "ats_share")
    assert (
        pipeline.row_columns
        == ATS_SHARE_COLUMNS
        == (
            "symbol",
            "ats_shares",
            "non_ats_shares",
            "total_shares",
            "ats_share",
            "basis",
        )
    )


def test_venue_basis_symbol_basis_and_one_sided_symbols() -> None:
    result = _run(
        [
            # A: venue rows on both sides (De Minimis counts as non-ATS); its symbol totals are ignored
            ats(2, "A", "X", 300),
            non_ats(3, "A", 100, crd="1"),
            non_ats(4, "A", 100, name="De Minimis Firms"),
            symbol_total(5, "A", 300),
            symbol_total(6, "A", 200, ats_side=False),
            # B: only symbol-level totals (the API's ATS_W_SMBL / OTC_W_SMBL)
            symbol_total(7, "B", 1, ats_side=True),
            symbol_total(8, "B", 3, ats_side=False),
            # C: ATS only
            ats(9, "C", "X", 50),
            # D: non-ATS only
            non_ats(10, "D", 50, crd="1"),
            # E: ATS venues and a non-ATS symbol total: different granularities, never mixed
            ats(11, "E", "X", 10),
            symbol_total(12, "E", 10, ats_side=False),
        ]
    )
    assert result.rows == [
        ("A", 300, 200, 500, "0.600000000000", "venue"),
        ("B", 1, 3, 4, "0.250000000000", "symbol"),
    ]
    assert result.check("ats_share_coverage").status == "PASS"
    summary = result.summary
    assert summary["rows_by_basis"] == {"venue": 1, "symbol": 1}
    assert summary["symbols_ats_only"] == 1 and summary["symbols_non_ats_only"] == 1
    assert summary["symbols_sides_in_different_granularities"] == 1


def test_ats_only_week_explains_the_missing_non_ats_data() -> None:
    result = _run([ats(2, "A", "X", 300), ats(3, "B", "Y", 1)])
    assert result.rows == []
    check = result.check("ats_share_coverage")
    assert (check.status, check.severity) == ("WARN", "INFO")
    assert "lacks non-ATS data" in check.message
    assert (
        _run([non_ats(2, "A", 5, crd="1")])
        .check("ats_share_coverage")
        .message.endswith("the week lacks ATS data (only non-ATS volume was captured)")
    )
