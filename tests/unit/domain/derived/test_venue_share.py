"""compute_venue_share: shares of the tier, v2 ranks 1..N, deprecated v1 dense ranks."""

from __future__ import annotations

from decimal import Decimal

from spine_domains.finra_otc.derived.normalize import NormalizeWeek
from spine_domains.finra_otc.derived.venue_share import VENUE_SHARE_COLUMNS, ComputeVenueShare, venue_share_invariants
from tests.unit.domain.derived.support import FakeReader, ats, non_ats, run, symbol_total

WEEK = "2025-11-14"


def _reader() -> FakeReader:
    reader = FakeReader()
    reader.add_ingest(
        WEEK,
        "NMS_TIER_1",
        [
            ats(2, "A", "UBSA", 300, 3),
            ats(3, "A", "JPMX", 100, 1),
            ats(4, "B", "UBSA", 100, 1),
            ats(5, "B", "MSPL", 200, 2),
            non_ats(6, "B", 200, 4, crd="7", name="Dealer One"),
            non_ats(7, "C", 100, 1, name="De Minimis Firms"),
            symbol_total(8, "A", 400),  # symbol-level: never part of venue shares
        ],
    )
    run(NormalizeWeek(), reader, week_ending=WEEK, tier="NMS_TIER_1")
    return reader


def test_declaration() -> None:
    pipeline = ComputeVenueShare()
    assert pipeline.name == "finra.otc_transparency.compute_venue_share"
    assert (pipeline.stage, pipeline.calc) == ("venue_share", "venue_share")
    assert pipeline.partition_names() == ("week_ending", "tier", "calc_version")
    assert (
        pipeline.row_columns
        == VENUE_SHARE_COLUMNS
        == (
            "venue_id",
            "venue_name",
            "venue_kind",
            "total_shares",
            "total_trades",
            "symbol_count",
            "share",
            "rank",
        )
    )


def test_v2_ranks_are_consecutive_with_ties_by_venue_id() -> None:
    result = run(ComputeVenueShare(), _reader(), week_ending=WEEK, tier="T1")
    assert result.params["calc_version"] == "v2"
    assert result.rows == [
        ("UBSA", "UBSA ATS", "ATS", 400, 4, 2, "0.400000000000", 1),
        ("CRD:7", "Dealer One", "NON_ATS", 200, 4, 1, "0.200000000000", 2),
        ("MSPL", "MSPL ATS", "ATS", 200, 2, 1, "0.200000000000", 3),
        ("DE_MINIMIS", "De Minimis Firms", "DE_MINIMIS", 100, 1, 1, "0.100000000000", 4),
        ("JPMX", "JPMX ATS", "ATS", 100, 1, 1, "0.100000000000", 5),
    ]
    check = result.check("venue_share_invariants")
    assert check.status == "PASS" and check.details["share_sum"] == "1.000000000000"
    assert result.summary["calc"] == {"name": "venue_share", "version": "v2", "deprecated": False}
    assert result.summary["tier_total_shares"] == 1_000


def test_deprecated_v1_gives_ties_a_dense_rank_and_says_it_is_deprecated() -> None:
    result = run(ComputeVenueShare(), _reader(), week_ending=WEEK, tier="T1", calc_version="v1")
    assert [(r[0], r[7]) for r in result.rows] == [
        ("UBSA", 1),
        ("CRD:7", 2),
        ("MSPL", 2),
        ("DE_MINIMIS", 3),
        ("JPMX", 3),
    ]
    assert result.check("venue_share_invariants").status == "PASS"
    calc = result.summary["calc"]
    assert calc["version"] == "v1" and calc["deprecated"] is True
    assert "ties share a rank, so ranks are not consecutive" in calc["warning"]
    assert result.capture is not None and result.capture.partition["calc_version"] == "v1"


def test_shares_of_thirds_round_and_still_sum_to_one() -> None:
    reader = FakeReader()
    reader.add_ingest(WEEK, "OTC", [ats(2, "A", "X", 1), ats(3, "A", "Y", 1), ats(4, "A", "Z", 1)])
    run(NormalizeWeek(), reader, week_ending=WEEK, tier="OTC")
    result = run(ComputeVenueShare(), reader, week_ending=WEEK, tier="OTC")
    assert [r[6] for r in result.rows] == ["0.333333333333"] * 3
    assert abs(sum((Decimal(r[6]) for r in result.rows), Decimal(0)) - 1) <= Decimal("1e-4")


def test_zero_volume_tier_gives_zero_shares_and_a_warning() -> None:
    reader = FakeReader()
    reader.add_ingest(WEEK, "OTC", [ats(2, "A", "X", 0, 0), ats(3, "B", "Y", 0, 0)])
    run(NormalizeWeek(), reader, week_ending=WEEK, tier="OTC")
    result = run(ComputeVenueShare(), reader, week_ending=WEEK, tier="OTC")
    assert [r[6] for r in result.rows] == ["0.000000000000"] * 2
    assert result.check("zero_tier_volume").status == "WARN"
    assert result.check("venue_share_invariants").status == "PASS"


def test_invariant_check_fails_on_bad_rows() -> None:
    bad_sum = [("X", "X", "ATS", 1, 1, 1, "0.5", 1), ("Y", "Y", "ATS", 1, 1, 1, "0.4", 2)]
    assert venue_share_invariants(bad_sum, "v2").status == "FAIL"
    assert venue_share_invariants(bad_sum, "v2").severity == "ERROR"
    gap = [("X", "X", "ATS", 2, 1, 1, "0.5", 1), ("Y", "Y", "ATS", 2, 1, 1, "0.5", 3)]
    assert venue_share_invariants(gap, "v2").status == "FAIL"
    assert venue_share_invariants(gap, "v1").status == "FAIL"
    tied = [("X", "X", "ATS", 2, 1, 1, "0.5", 1), ("Y", "Y", "ATS", 2, 1, 1, "0.5", 2)]
    assert venue_share_invariants(tied, "v2").status == "PASS"
    assert venue_share_invariants(tied, "v1").status == "FAIL"


def test_venue_name_is_the_one_on_the_lowest_line() -> None:
    reader = FakeReader()
    reader.add_ingest(WEEK, "OTC", [ats(5, "B", "X", 1, name="Later Name"), ats(2, "A", "X", 1, name="First Name")])
    run(NormalizeWeek(), reader, week_ending=WEEK, tier="OTC")
    [row] = run(ComputeVenueShare(), reader, week_ending=WEEK, tier="OTC").rows
    assert row[1] == "First Name"
