"""Quality results of an ingest run: one per check, before the summary, anomalies named."""

from __future__ import annotations

import json

import pytest

from spine_core.quality import CheckStatus, Severity
from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.generator import generate_lines
from spine_domains.finra_otc.ingest_quality import API_RECORD_CAP, EXTREME_SHARES
from spine_domains.finra_otc.tiers import Tier
from tests.shared_data import finra_data
from tests.unit.domain.support import DOWNLOAD_HEADER, read_lines, run_ingest

CHECKS = ["rows_accepted", "row_count_cap", "zero_volume_rows", "extreme_values", "reject_rate", "publication_date"]
WEEK = WeekEnding.parse("2025-11-14")


def _generated(rows: int, seed: int = 1) -> list[str]:
    return list(generate_lines(rows, week_ending=WEEK, tier=Tier.OTC, seed=seed))


def test_a_clean_file_passes_every_check_in_order() -> None:
    result = run_ingest(_generated(1_000), None, None)
    assert [q.check for q in result.quality] == CHECKS
    assert all(q.status is CheckStatus.PASS and q.severity is Severity.INFO for q in result.quality)
    assert result.check("rows_accepted").value == 1_000
    assert result.summary["quality"] == dict.fromkeys(CHECKS, "PASS")
    assert result.summary["warnings"] == []
    for q in result.quality:
        assert q.message and json.loads(json.dumps(dict(q.details))) == q.details


def test_no_row_accepted_fails_with_error_severity() -> None:
    result = run_ingest(_generated(20), "2025-11-14", "NMS_TIER_1")  # the wrong tier
    check = result.check("rows_accepted")
    assert (check.status, check.severity, check.value) == (CheckStatus.FAIL, Severity.ERROR, 0)
    assert check.details["reject_reasons"] == {"TIER_MISMATCH": 20}
    assert check.message in result.summary["warnings"]


def test_exactly_5000_download_records_warn_of_truncation() -> None:
    result = run_ingest(_generated(API_RECORD_CAP), None, None)
    check = result.check("row_count_cap")
    assert (check.status, check.severity, check.value) == (CheckStatus.WARN, Severity.WARN, 5_000)
    assert "5000" in check.message and "truncated" in check.message
    assert run_ingest(_generated(API_RECORD_CAP - 1), None, None).check("row_count_cap").status is CheckStatus.PASS


def test_exactly_5000_api_records_warn_even_when_some_are_rejected() -> None:
    records = [
        {
            "issueSymbolIdentifier": f"S{i:04d}",
            "weekStartDate": "2025-11-17" if i % 100 == 99 else "2025-11-10",
            "tierIdentifier": "T1",
            "summaryTypeCode": "OTC_W_SMBL",
            "totalWeeklyShareQuantity": i,
            "totalWeeklyTradeCount": 1,
        }
        for i in range(API_RECORD_CAP)
    ]
    result = run_ingest([json.dumps(records)], None, None)
    assert result.summary["records_read"] == 5_000 and result.reasons() == {"WEEK_MISMATCH": 50}
    assert result.anomalies() == {"row_count_cap": "WARN", "zero_volume_rows": "WARN"}
    assert result.check("zero_volume_rows").value == 1
    assert result.check("reject_rate").value == pytest.approx(0.01)  # 1%: not above the limit


def test_zero_volume_rows_are_counted() -> None:
    lines = read_lines(finra_data("fixtures_finra_otc", "otc_week_2025-12-26.psv"))
    result = run_ingest(lines, None, "OTC")
    check = result.check("zero_volume_rows")
    assert (check.status, check.value) == (CheckStatus.WARN, 2)  # two rows of 0 shares (a third has 0 trades)


def test_the_extreme_fixture_triggers_extreme_values() -> None:
    lines = read_lines(finra_data("fixtures_finra_otc", "nms_tier_1_week_2025-12-12.psv"))
    result = run_ingest(lines, None, "NMS_TIER_1")
    check = result.check("extreme_values")
    assert (check.status, check.value, check.threshold) == (CheckStatus.WARN, 1, EXTREME_SHARES)
    assert check.details["examples"] == [{"line_no": 5, "symbol": "AAPL", "shares": 999_999_999_999}]
    assert result.anomalies() == {"extreme_values": "WARN", "reject_rate": "WARN"}  # and 1 of 15 rejected


def test_extreme_values_are_found_whatever_the_batch() -> None:
    lines = [DOWNLOAD_HEADER] + [f"OTC|S{i:03d}|N|P X|X|{10**11 if i == 7 else 5}|1|2025-12-15" for i in range(20)]
    for batch_lines in (1, 3, 50):
        result = run_ingest(lines, None, None, batch_lines=batch_lines)
        assert result.check("extreme_values").details["examples"] == [
            {"line_no": 9, "symbol": "S007", "shares": 10**11}
        ]


def test_reject_rate_above_one_percent() -> None:
    lines = _generated(300)
    lines[10] = "garbage"
    lines[20] = "garbage"
    result = run_ingest(lines, None, None)
    assert result.check("reject_rate").status is CheckStatus.PASS  # 2 of 300
    lines[30] = lines[40] = "garbage"
    check = run_ingest(lines, None, None).check("reject_rate")
    assert (check.status, check.value, check.threshold) == (CheckStatus.WARN, pytest.approx(4 / 300), 0.01)
    assert check.details["reject_reasons"] == {"WRONG_FIELD_COUNT": 4}


def test_a_week_named_after_its_publication_warns() -> None:
    lines = read_lines(finra_data("real_finra_weekly", "finra_otc_weekly_otc_20251222.csv"))
    check = run_ingest(lines, "2025-12-19", "OTC").check("publication_date")
    assert check.status is CheckStatus.WARN and "check the week_ending" in check.message
    assert check.details == {"first_publication": "2026-01-19", "last_update_min": "2025-12-22"}
    assert run_ingest(lines, "2025-11-21", "OTC").check("publication_date").status is CheckStatus.PASS
