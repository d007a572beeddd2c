"""The six fixture weeks give complete 6-week rolling statistics for the last week, and the
window parameter is honoured: a 4-week window gives 4-week statistics."""

from __future__ import annotations

import pytest

from tests.fitness.conftest import FIXTURE_WEEKS, Populated
from tests.fitness.helpers import api

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

LAST, TIER = FIXTURE_WEEKS[-1], "NMS_TIER_1"


def test_six_weeks_give_complete_six_week_stats(populated: Populated) -> None:
    body = api(populated, "/v1/data/rolling", week_ending=LAST, tier=TIER, limit=100_000)
    rows = body["data"]
    assert rows, body["meta"]
    assert all(r["window"] == 6 for r in rows)
    complete = [r for r in rows if r["complete"]]
    assert complete and all(r["weeks_present"] == 6 for r in complete)
    # The fixture files carry the same 50 rows each week: every symbol is there every week.
    assert len(complete) == len(rows)
    assert {r["trend"] for r in rows} <= {"UP", "DOWN", "FLAT"}
    symbols = {
        r["symbol"]
        for r in api(populated, "/v1/data/symbol-summary", week_ending=LAST, tier=TIER, limit=100_000)["data"]
    }
    assert {r["symbol"] for r in rows} == symbols


def test_a_four_week_window_gives_four_week_stats(populated: Populated) -> None:
    result = populated.run("finra.otc_transparency.compute_rolling", {"week_ending": LAST, "tier": TIER, "window": 4})
    assert result["status"] == "completed", result
    body = api(populated, "/v1/data/rolling", week_ending=LAST, tier=TIER, window=4, limit=100_000)
    rows = body["data"]
    assert rows and all(r["window"] == 4 and r["weeks_present"] == 4 and r["complete"] for r in rows)
    six = {
        r["symbol"]: r for r in api(populated, "/v1/data/rolling", week_ending=LAST, tier=TIER, limit=100_000)["data"]
    }
    assert all(six[r["symbol"]]["weeks_present"] == 6 for r in rows), "the 6-week results stay as they were"


def test_short_history_is_a_partial_result_with_an_anomaly(populated: Populated) -> None:
    first = FIXTURE_WEEKS[0]
    rows = api(populated, "/v1/data/rolling", week_ending=first, tier=TIER, limit=100_000)["data"]
    assert rows and all(r["weeks_present"] == 1 and not r["complete"] for r in rows)
    anomalies = api(populated, "/v1/quality", week_ending=first, tier=TIER, anomalies_only=True)["data"]
    assert any(a["check"] == "insufficient_history" for a in anomalies)
