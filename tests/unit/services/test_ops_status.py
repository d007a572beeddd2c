"""The status rules of the lag monitor, as pure functions (windows are fed by hand)."""

from __future__ import annotations

import pytest

from services.apps.ops.status import Reading, StatusRules, apply_rate, eta_seconds, has_stalled, judge

NOW = 1_000_000.0
RULES = StatusRules(stall_after_s=30.0, lagging_after_s=5.0)


def _entry(**fields: float) -> dict[str, float]:
    return {"position": 0, "events_applied": 0, "seconds_behind": 0.0, **fields}


def test_behind_without_moving_for_the_stall_window_is_stalled() -> None:
    window = [(NOW - ago, _entry(position=100)) for ago in range(30, 0, -1)]
    assert has_stalled(window, 100, RULES.stall_after_s, NOW)
    assert apply_rate(window, 0, NOW) == 0
    status, reason = judge(Reading(5, 40.0), stalled=True, recent=[], rules=RULES)
    assert status == "STALLED" and "has not moved for 30s" in reason


def test_a_position_that_moves_is_not_stalled_and_has_a_rate() -> None:
    window = [(NOW - ago, _entry(position=100 + 30 - ago, events_applied=30 - ago)) for ago in range(30, 0, -1)]
    assert not has_stalled(window, 130, RULES.stall_after_s, NOW)
    assert apply_rate(window, 30, NOW) == pytest.approx(1.0)


def test_too_short_a_window_cannot_call_a_stall() -> None:
    window = [(NOW - ago, _entry(position=100)) for ago in range(5, 0, -1)]
    assert not has_stalled(window, 100, RULES.stall_after_s, NOW)
    assert not has_stalled([], 100, RULES.stall_after_s, NOW)


def test_a_stall_is_not_called_when_up_to_date() -> None:
    assert judge(Reading(0, 0.0), stalled=True, recent=[], rules=RULES) == ("OK", "up to date")


def test_lagging_needs_every_recent_sample_to_be_slow() -> None:
    one_slow = [(NOW - 2, _entry(seconds_behind=1.0)), (NOW - 1, _entry(seconds_behind=9.0))]
    status, reason = judge(Reading(3, 9.0), stalled=False, recent=one_slow, rules=RULES)
    assert status == "OK" and "catching up" in reason  # one slow sample is not a trend
    all_slow = [(NOW - 2, _entry(seconds_behind=7.0)), (NOW - 1, _entry(seconds_behind=8.0))]
    status, reason = judge(Reading(3, 9.0), stalled=False, recent=all_slow, rules=RULES)
    assert status == "LAGGING" and "9.0s" in reason


@pytest.mark.parametrize(("dead", "consumer"), [(2, True), (0, False)])
def test_dead_letters_or_a_missing_consumer_fail(dead: int, consumer: bool) -> None:
    status, reason = judge(Reading(0, 0.0, dead, consumer), stalled=True, recent=[], rules=RULES)
    assert status == "FAILED" and ("dead-lettered" in reason or "consumer is gone" in reason)


@pytest.mark.parametrize(("behind", "expected"), [(0, "OK"), (4, "LAGGING")])
def test_a_paused_projector_lags_only_when_behind(behind: int, expected: str) -> None:
    status, reason = judge(Reading(behind, 0.0, state="paused"), stalled=True, recent=[], rules=RULES)
    assert status == expected and "paused" in reason


def test_up_to_date_is_ok() -> None:
    assert judge(Reading(0, 0.0), stalled=False, recent=[], rules=RULES) == ("OK", "up to date")


@pytest.mark.parametrize(("behind", "rate", "eta"), [(0, 0.0, 0.0), (10, 0.0, None), (10, 4.0, 2.5)])
def test_eta(behind: int, rate: float, eta: float | None) -> None:
    assert eta_seconds(behind, rate) == eta
