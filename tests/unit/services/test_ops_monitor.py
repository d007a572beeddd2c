"""The lag monitor's judgement over its sliding window (no servers: samples are fed by hand)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from services.adapters.eventstore.transcoder import FramedJSONTranscoder
from services.apps.ops.monitor import MonitoredProjection, OpsMonitor, _event_time


async def _nothing() -> Any:
    raise AssertionError("the monitor must not touch servers in these tests")


def _monitor() -> OpsMonitor:
    return OpsMonitor(
        _nothing, _nothing, "eventstore", projections=[MonitoredProjection("p", "p", [])], stall_after_s=30.0
    )


def _feed(monitor: OpsMonitor, seconds_ago: float, **projector: Any) -> None:
    sample = {"projectors": [{"name": "p", "events_applied": 0, "position": 0, "events_behind": 0, "seconds_behind": 0.0,
                              "status": "OK", **projector}]}  # fmt: skip
    monitor.history.samples.append((time.time() - seconds_ago, sample))


def test_behind_without_moving_for_the_stall_window_is_stalled() -> None:
    monitor = _monitor()
    for ago in range(31, 0, -1):
        _feed(monitor, ago, position=100, events_behind=5)
    rate, moved_at = monitor._rate_and_movement("p", applied=0, position=100)
    assert moved_at is None and rate == 0
    status, reason = monitor._judge("p", 5, 40.0, 0, True, moved_at, None)
    assert status == "STALLED" and "has not moved for 30s" in reason


def test_a_position_that_moves_is_not_stalled() -> None:
    monitor = _monitor()
    for ago in range(31, 0, -1):
        _feed(monitor, ago, position=100 + (31 - ago), events_behind=5, events_applied=31 - ago)
    rate, moved_at = monitor._rate_and_movement("p", applied=31, position=131)
    assert moved_at is not None and rate > 0


def test_too_short_a_window_cannot_call_a_stall() -> None:
    monitor = _monitor()
    for ago in range(5, 0, -1):
        _feed(monitor, ago, position=100, events_behind=5)
    _, moved_at = monitor._rate_and_movement("p", applied=0, position=100)
    assert moved_at is not None


def test_lagging_needs_every_recent_sample_to_be_slow() -> None:
    monitor = _monitor()
    _feed(monitor, 2.0, seconds_behind=1.0, events_behind=3)
    _feed(monitor, 1.0, seconds_behind=9.0, events_behind=3)
    assert monitor._judge("p", 3, 9.0, 0, True, time.time(), None)[0] == "OK"  # one slow sample is not a trend
    monitor.history.samples.clear()
    _feed(monitor, 2.0, seconds_behind=7.0, events_behind=3)
    _feed(monitor, 1.0, seconds_behind=8.0, events_behind=3)
    status, reason = monitor._judge("p", 3, 9.0, 0, True, time.time(), None)
    assert status == "LAGGING" and "9.0s" in reason


@pytest.mark.parametrize(("dead", "consumer"), [(2, True), (0, False)])
def test_dead_letters_or_a_missing_consumer_fail(dead: int, consumer: bool) -> None:
    status, reason = _monitor()._judge("p", 0, 0.0, dead, consumer, time.time(), None)
    assert status == "FAILED" and ("dead-lettered" in reason or "consumer is gone" in reason)


def test_up_to_date_is_ok() -> None:
    assert _monitor()._judge("p", 0, 0.0, 0, True, time.time(), None) == ("OK", "up to date")


def test_event_time_reads_only_the_header_of_a_framed_event() -> None:
    from datetime import UTC, datetime

    from eventsourcing.persistence import DatetimeAsISO

    transcoder = FramedJSONTranscoder()
    transcoder.register(DatetimeAsISO())
    stamp = datetime(2025, 11, 14, 10, 0, tzinfo=UTC)
    framed = transcoder.encode({"timestamp": stamp, "block": b"x\ty\n" * 1000})
    plain = transcoder.encode({"timestamp": stamp})
    assert _event_time(framed) == stamp and _event_time(plain) == stamp
    assert _event_time(b"not json") is None
