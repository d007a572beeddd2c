"""normalize_week: granularity, venue ids and kinds, firm rows dropped, gaps in line numbers."""

from __future__ import annotations

import pytest

from spine_core.errors import MissingData
from spine_domains.finra_otc.derived.normalize import NormalizeWeek
from spine_domains.finra_otc.derived.vocabulary import NORMALIZED_COLUMNS
from tests.unit.domain.derived.support import (
    LEGACY_INGEST_COLUMNS,
    FakeReader,
    ats,
    firm_total,
    ingest_row,
    non_ats,
    run,
    symbol_total,
)

WEEK = "2025-11-14"


def _normalize(reader: FakeReader, tier: str = "OTC"):  # type: ignore[no-untyped-def]
    return run(NormalizeWeek(), reader, week_ending=WEEK, tier=tier)


def test_declaration() -> None:
    pipeline = NormalizeWeek()
    assert pipeline.name == "finra.otc_transparency.normalize_week"
    assert pipeline.stage == "normalize" and pipeline.calc is None
    assert pipeline.domain == "finra.otc_transparency"
    assert pipeline.partition_by == ("week_ending", "tier")
    assert (
        pipeline.row_columns
        == NORMALIZED_COLUMNS
        == (
            "symbol",
            "issue_name",
            "venue_id",
            "venue_name",
            "venue_kind",
            "granularity",
            "summary_type_code",
            "total_shares",
            "total_trades",
            "source_line",
        )
    )


def test_rows_by_summary_type() -> None:
    reader = FakeReader()
    reader.add_ingest(
        WEEK,
        "OTC",
        [
            ats(2, "AAPL", "UBSA", 1_000, 10, name="UBS  ATS", updated="2025-12-08"),
            non_ats(3, "AAPL", 500, 5, name="Citadel   Securities LLC", crd="116797"),
            non_ats(4, "AAPL", 300, 3, name="  small firm  inc "),
            non_ats(5, "AAPL", 20, 2, name="De Minimis Firms"),
            symbol_total(6, "AAPL", 1_000),
            symbol_total(7, "AAPL", 820, ats_side=False),
            firm_total(8, 123_456, mpid="UBSA"),
            firm_total(9, 5_000, ats_side=False),
            non_ats(10, "MSFT", 7, 1, name=None, crd=None),
        ],
    )
    result = _normalize(reader)
    assert result.rows == [
        ("AAPL", "Test Corp Common Stock", "UBSA", "UBS ATS", "ATS", "venue", "ATS_W_SMBL_FIRM", 1_000, 10, 2),
        (
            "AAPL",
            "Test Corp Common Stock",
            "CRD:116797",
            "Citadel Securities LLC",
            "NON_ATS",
            "venue",
            "OTC_W_SMBL_FIRM",
            500,
            5,
            3,
        ),
        (
            "AAPL",
            "Test Corp Common Stock",
            "NAME:SMALL FIRM INC",
            "small firm inc",
            "NON_ATS",
            "venue",
            "OTC_W_SMBL_FIRM",
            300,
            3,
            4,
        ),
        (
            "AAPL",
            "Test Corp Common Stock",
            "DE_MINIMIS",
            "De Minimis Firms",
            "DE_MINIMIS",
            "venue",
            "OTC_W_SMBL_FIRM",
            20,
            2,
            5,
        ),
        ("AAPL", "Test Corp Common Stock", "ALL_ATS", "ALL_ATS", "ATS", "symbol", "ATS_W_SMBL", 1_000, 10, 6),
        ("AAPL", "Test Corp Common Stock", "ALL_NON_ATS", "ALL_NON_ATS", "NON_ATS", "symbol", "OTC_W_SMBL", 820, 10, 7),
        (
            "MSFT",
            "Test Corp Common Stock",
            "UNIDENTIFIED_NON_ATS",
            "UNIDENTIFIED_NON_ATS",
            "NON_ATS",
            "venue",
            "OTC_W_SMBL_FIRM",
            7,
            1,
            10,
        ),
    ]
    summary = result.summary
    assert summary["rows_in"] == 9 and summary["rows_out"] == 7
    assert summary["firm_rows_dropped"] == 2
    assert summary["rows_by_granularity"] == {
        "venue": {"ATS": 1, "NON_ATS": 3, "DE_MINIMIS": 1},
        "symbol": {"ATS": 1, "NON_ATS": 1},
    }
    assert summary["venues"] == 5 and summary["symbols"] == 2
    assert summary["source_last_update_max"] == "2025-12-08"
    ingest = reader.current("finra.otc_transparency.ingest_week", {"week_ending": WEEK, "tier": "OTC"})
    assert ingest is not None and summary["inputs"] == {"ingest": str(ingest.capture_id)}
    assert result.check("summary_type_codes").status == "PASS"


def test_gaps_in_line_numbers_from_rejected_lines_normalize_fine() -> None:
    # Lines 3, 4 and 7 were rejected at ingest: they are not in the capture at all.
    reader = FakeReader()
    reader.add_ingest(
        WEEK, "OTC", [ats(2, "A", "X1", 10), ats(5, "B", "X1", 20), ats(6, "B", "X2", 30), ats(8, "C", "X1", 1)]
    )
    result = _normalize(reader)
    assert [row[-1] for row in result.rows] == [2, 5, 6, 8]
    assert result.summary["rows_out"] == 4


def test_download_layout_without_summary_type_infers_it() -> None:
    # FINRA's download file (and captures made before the API fields) has no summaryTypeCode:
    # a row with an MPID is an ATS venue, one without is a non-ATS firm.
    reader = FakeReader()
    rows = [
        (2, "AABB", "Asia Broadband Inc Common Stock", "OTCN", "OTCN OTC LINK NQB IDQS", 6753871, 171, "2025-12-15"),
        (3, "AABB", "Asia Broadband Inc Common Stock", "", "Some Dealer LLC", 100, 1, "2025-12-15"),
    ]
    reader.add_ingest(WEEK, "OTC", rows, columns=LEGACY_INGEST_COLUMNS)
    result = _normalize(reader)
    assert [(r[2], r[4], r[5], r[6]) for r in result.rows] == [
        ("OTCN", "ATS", "venue", "ATS_W_SMBL_FIRM"),
        ("NAME:SOME DEALER LLC", "NON_ATS", "venue", "OTC_W_SMBL_FIRM"),
    ]
    assert result.summary["summary_type_inferred_rows"] == 2


def test_unknown_summary_type_is_counted_and_warned_not_carried() -> None:
    reader = FakeReader()
    reader.add_ingest(WEEK, "OTC", [ats(2, "A", "X1", 10), ingest_row(3, "A", 5, 1, mpid="X2", code="ATS_W_MONTH")])
    result = _normalize(reader)
    assert len(result.rows) == 1
    check = result.check("summary_type_codes")
    assert check.status == "WARN" and "ATS_W_MONTH" in check.message
    assert result.summary["unknown_summary_type_rows"] == {"ATS_W_MONTH": 1}


def test_ats_row_without_mpid_never_shares_an_id_with_a_non_ats_firm() -> None:
    reader = FakeReader()
    reader.add_ingest(
        WEEK,
        "OTC",
        [ats(2, "A", "", 10, name="Acme"), non_ats(3, "A", 5, name="Acme"), ats(4, "A", "", 1, name=None)],
    )
    ids = [(r[2], r[4]) for r in _normalize(reader).rows]
    assert ids == [("ATS_NAME:ACME", "ATS"), ("NAME:ACME", "NON_ATS"), ("UNIDENTIFIED_ATS", "ATS")]


def test_blank_symbol_is_kept_and_counted() -> None:
    # One real FINRA row has an empty symbol: it is volume, so it is carried.
    reader = FakeReader()
    reader.add_ingest(WEEK, "OTC", [ats(2, "", "PPEX", 1, 1), ats(3, "A", "PPEX", 5)])
    result = _normalize(reader)
    assert [r[0] for r in result.rows] == ["", "A"]
    assert result.summary["blank_symbol_rows"] == 1


def test_batches_are_consecutive_output_ordinals() -> None:
    reader = FakeReader()
    reader.add_ingest(WEEK, "OTC", [ats(i + 2, f"S{i // 3}", f"M{i % 3}", i + 1) for i in range(25)])
    result = run(NormalizeWeek(), reader, batch_lines=10, week_ending=WEEK, tier="OTC")
    assert [(b.first_line, b.last_line) for b in result.batches] == [(1, 10), (11, 20), (21, 25)]


def test_missing_ingest_names_the_command() -> None:
    with pytest.raises(MissingData) as raised:
        _normalize(FakeReader(), tier="T1")
    error = raised.value
    assert "finra.otc_transparency.ingest_week" in error.message
    assert "week_ending=2025-11-14" in error.message and "tier=NMS_TIER_1" in error.message
    assert error.hint == (
        "spine run finra.otc_transparency.ingest_week --week-ending 2025-11-14 --tier NMS_TIER_1 "
        "--file <FINRA weekly file>"
    )
