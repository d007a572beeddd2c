"""Fail loud on missing data: a missing calendar year names the command to run; missing prior
weeks are named in the anomaly; a missing input stage says what to run."""

from __future__ import annotations

import pytest

from tests.fitness.conftest import Populated
from tests.fitness.helpers import api

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_missing_calendar_year_names_the_command(populated: Populated) -> None:
    # Week ending 2024-12-27 needs the 2024 calendar, which was never ingested.
    tmp = populated.settings.data_dir / "w2024.psv"
    tmp.write_text("WeekEnding|Tier|Symbol|MPID|TotalShares|TotalTrades\n2024-12-27|NMS Tier 1|AAA|XXXX|100|2\n")
    result = populated.run(
        "finra.otc_transparency.ingest_week",
        {"week_ending": "2024-12-27", "tier": "NMS_TIER_1"},
        tmp,
        through="per_day",
    )
    failed = [s for s in result["stages"] if s["status"] == "failed"]
    assert [s["pipeline"] for s in failed] == ["finra.otc_transparency.compute_volume_per_day"]
    error = failed[0]["error"]
    assert error["code"] == "missing_data"
    assert "2024" in error["message"]
    assert "spine run reference.exchange_calendar.ingest_year" in (error.get("hint") or "") + error["message"]
    assert "year=2024" in (error.get("hint") or "") + error["message"]


def test_missing_prior_weeks_are_named_in_the_anomaly(populated: Populated) -> None:
    body = api(populated, "/v1/quality", week_ending="2025-11-14", tier="OTC", anomalies_only=True)
    rolling = [q for q in body["data"] if q["check"] == "insufficient_history"]
    assert rolling, body
    message = rolling[0]["message"]
    for week in ("2025-10-10", "2025-10-17", "2025-10-24", "2025-10-31", "2025-11-07"):
        assert week in message
    prior = [q for q in body["data"] if q["check"] == "prior_week"]
    assert prior and "2025-11-07" in prior[0]["message"]


def test_a_calc_without_its_input_stage_says_what_to_run(populated: Populated) -> None:
    result = populated.run(
        "finra.otc_transparency.compute_venue_share", {"week_ending": "2024-06-07", "tier": "NMS_TIER_2"}
    )
    assert result["status"] == "failed"
    assert result["error"]["code"] == "missing_data"
    assert "spine run finra.otc_transparency." in (result["error"].get("hint") or "")
