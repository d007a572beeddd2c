"""compute_tier_share: each symbol's share of the tier's volume, ranks 1..N."""

from __future__ import annotations

from spine_domains.finra_otc.derived.normalize import NormalizeWeek
from spine_domains.finra_otc.derived.tier_share import TIER_SHARE_COLUMNS, ComputeTierShare
from tests.unit.domain.derived.support import FakeReader, ats, non_ats, run, symbol_total

WEEK = "2025-11-14"


def test_declaration() -> None:
    pipeline = ComputeTierShare()
    assert pipeline.name == "finra.otc_transparency.compute_tier_share"
    assert (pipeline.stage, pipeline.calc) == ("tier_share", "tier_volume_share")
    assert (
        pipeline.row_columns
        == TIER_SHARE_COLUMNS
        == (
            "symbol",
            "total_shares",
            "tier_total_shares",
            "share",
            "rank",
        )
    )


def test_hand_checked_tier_shares() -> None:
    reader = FakeReader()
    reader.add_ingest(
        WEEK,
        "NMS_TIER_2",
        [
            ats(2, "A", "X", 250),
            non_ats(3, "A", 250, crd="1"),
            ats(4, "B", "X", 250),
            ats(5, "C", "Y", 250),
            symbol_total(6, "C", 250),
        ],
    )
    run(NormalizeWeek(), reader, week_ending=WEEK, tier="T2")
    result = run(ComputeTierShare(), reader, week_ending=WEEK, tier="T2")
    assert result.rows == [
        ("A", 500, 1_000, "0.500000000000", 1),
        ("B", 250, 1_000, "0.250000000000", 2),
        ("C", 250, 1_000, "0.250000000000", 3),
    ]
    assert result.check("tier_share_invariants").status == "PASS"
    assert result.summary["calc"]["name"] == "tier_volume_share"
