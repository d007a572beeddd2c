"""compute_symbol_concentration: per-symbol venue shares, ranks and HHI."""

from __future__ import annotations

from spine_domains.finra_otc.derived.concentration import CONCENTRATION_COLUMNS, ComputeSymbolConcentration
from spine_domains.finra_otc.derived.normalize import NormalizeWeek
from tests.unit.domain.derived.support import FakeReader, ats, non_ats, run, symbol_total

WEEK = "2025-11-14"


def _run(rows: list[tuple[object, ...]]):  # type: ignore[no-untyped-def]
    reader = FakeReader()
    reader.add_ingest(WEEK, "OTC", rows)
    run(NormalizeWeek(), reader, week_ending=WEEK, tier="OTC")
    return run(ComputeSymbolConcentration(), reader, week_ending=WEEK, tier="OTC")


def test_declaration() -> None:
    pipeline = ComputeSymbolConcentration()
    assert pipeline.name == "finra.otc_transparency.compute_symbol_concentration"
    assert (pipeline.stage, pipeline.calc) == ("concentration", "symbol_concentration")
    assert (
        pipeline.row_columns
        == CONCENTRATION_COLUMNS
        == (
            "symbol",
            "venue_id",
            "venue_kind",
            "total_shares",
            "share",
            "rank",
            "venue_count",
            "hhi",
        )
    )


def test_hand_checked_shares_and_hhi() -> None:
    result = _run(
        [
            ats(2, "A", "X", 500),
            ats(3, "A", "Y", 300),
            non_ats(4, "A", 200, crd="9"),
            symbol_total(5, "A", 800),  # symbol level: not a venue
            ats(6, "B", "X", 42),
        ]
    )
    # A: 0.5^2 + 0.3^2 + 0.2^2 = 0.38; B: one venue -> 1
    assert result.rows == [
        ("A", "X", "ATS", 500, "0.500000000000", 1, 3, "0.380000000000"),
        ("A", "Y", "ATS", 300, "0.300000000000", 2, 3, "0.380000000000"),
        ("A", "CRD:9", "NON_ATS", 200, "0.200000000000", 3, 3, "0.380000000000"),
        ("B", "X", "ATS", 42, "1.000000000000", 1, 1, "1.000000000000"),
    ]
    assert result.check("hhi_range").status == "PASS"
    assert result.summary["symbols"] == 2 and result.summary["rows_out"] == 4


def test_ties_rank_by_venue_id() -> None:
    result = _run([ats(2, "A", "Z", 10), ats(3, "A", "B", 10), ats(4, "A", "M", 10)])
    assert [(r[1], r[5]) for r in result.rows] == [("B", 1), ("M", 2), ("Z", 3)]
    assert result.rows[0][7] == "0.333333333333"


def test_zero_volume_symbol_has_hhi_zero_and_a_warning() -> None:
    result = _run([ats(2, "A", "X", 0, 0), ats(3, "A", "Y", 0, 0), ats(4, "B", "X", 5)])
    assert [(r[0], r[4], r[7]) for r in result.rows[:2]] == [("A", "0.000000000000", "0.000000000000")] * 2
    check = result.check("zero_volume_symbols")
    assert check.status == "WARN" and check.details["symbols"] == ["A"]
    assert result.check("hhi_range").status == "PASS"
