"""The lag monitor's parts that need no server: its history windows, the fan-out to
subscribers, reading an event's time, and judging a projector from its history."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from eventsourcing.persistence import DatetimeAsISO

from services.adapters.eventstore.transcoder import FramedJSONTranscoder
from services.adapters.monitored import MonitoredProjection
from services.apps.ops.fanout import SampleFanout
from services.apps.ops.history import SampleHistory
from services.apps.ops.monitor import OpsMonitor
from services.apps.ops.sampling import ProjectorLag, event_time


async def _nothing() -> Any:
    raise AssertionError("the monitor must not touch servers in these tests")


def _monitor() -> OpsMonitor:
    return OpsMonitor(
        _nothing, _nothing, "eventstore", projections=[MonitoredProjection("p", "p", [])], stall_after_s=30.0
    )


def _sample(**projector: Any) -> dict[str, Any]:
    return {"projectors": [{"name": "p", "events_applied": 0, "position": 0, "events_behind": 0, "seconds_behind": 0.0,
                            "status": "OK", **projector}]}  # fmt: skip


def test_a_window_holds_one_projectors_entries_of_the_last_seconds() -> None:
    history = SampleHistory()
    history.append(90.0, _sample(position=1))
    history.append(95.0, _sample(position=2))
    history.append(99.0, _sample(position=3))
    assert [e["position"] for _, e in history.window("p", 6.0, now=100.0)] == [2, 3]
    assert history.window("q", 60.0, now=100.0) == []
    assert history.recent(2.0, now=100.0) == [
        {"t": 99.0, "projectors": {"p": {"events_behind": 0, "seconds_behind": 0.0, "status": "OK", "position": 3}}}
    ]


def test_history_keeps_at_most_its_capacity() -> None:
    history = SampleHistory(capacity=2)
    for t in range(5):
        history.append(float(t), _sample())
    assert [t for t, _ in history.samples] == [3.0, 4.0]


def test_a_slow_subscriber_loses_its_oldest_samples_not_the_newest() -> None:
    fanout = SampleFanout(capacity=2)
    queue = fanout.subscribe()
    for n in range(4):
        fanout.publish({"n": n})
    assert [queue.get_nowait()["n"] for _ in range(2)] == [2, 3]
    fanout.unsubscribe(queue)
    fanout.publish({"n": 4})
    assert queue.empty() and len(fanout) == 0


def test_a_projector_behind_and_still_for_the_stall_window_is_judged_stalled() -> None:
    monitor = _monitor()
    for ago in range(31, 0, -1):
        monitor.history.append(time.time() - ago, _sample(position=100, events_behind=5))
    lag = ProjectorLag(position=100, events_applied=0, events_behind=5, seconds_behind=40.0, pending=0, consumer=True)
    entry = monitor._entry("p", lag, 0, None, datetime.now(UTC))
    assert entry["status"] == "STALLED" and entry["rate"] == 0 and entry["eta_s"] is None


def test_event_time_reads_only_the_header_of_a_framed_event() -> None:
    transcoder = FramedJSONTranscoder()
    transcoder.register(DatetimeAsISO())
    stamp = datetime(2025, 11, 14, 10, 0, tzinfo=UTC)
    framed = transcoder.encode({"timestamp": stamp, "block": b"x\ty\n" * 1000})
    plain = transcoder.encode({"timestamp": stamp})
    assert event_time(framed) == stamp and event_time(plain) == stamp
    assert event_time(b"not json") is None
