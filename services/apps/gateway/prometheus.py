"""Prometheus metrics of the gateway: projection lag and rates, dead letters, runs and their
durations, exposed by ``prometheus_client`` from a registry of the app's own.

The figures are read asynchronously (the lag monitor's latest sample, the manifest's run counts)
into a :class:`MetricsSnapshot`; the collector turns the snapshot into metric families when the
registry is rendered.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric, SummaryMetricFamily
from prometheus_client.registry import Collector

from projections.manifest.queries import RunCount, RunDurations, run_counts, run_durations

__all__ = ["CONTENT_TYPE", "GatewayMetrics", "MetricsSnapshot", "RunCount", "RunDurations", "read_runs"]

#: The text format ``generate_latest`` writes (names escaped to underscores: the classic format).
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4

_STATUSES = ("OK", "LAGGING", "STALLED", "FAILED")

#: Per-projection gauges: metric name, help, key in the monitor's projector entry.
_PROJECTION_GAUGES = (
    ("spine_projection_position", "Last event position the projection applied.", "position"),
    ("spine_projection_events_behind", "Relevant events in the event store not yet applied.", "events_behind"),
    ("spine_projection_pending", "Messages pending on the projection's JetStream consumer.", "pending"),
    ("spine_projection_seconds_behind", "Age in seconds of the oldest event not yet applied.", "seconds_behind"),
    ("spine_projection_apply_rate", "Events applied per second over the last 10 seconds.", "rate"),
    ("spine_projection_dead_letters", "Dead-lettered events waiting for a retry.", "dead_letters"),
)


@dataclass(frozen=True, slots=True)
class MetricsSnapshot:
    """Everything one scrape reports."""

    sample: dict[str, Any]
    runs: Sequence[RunCount] = ()
    durations: Sequence[RunDurations] = ()


async def read_runs(conn: asyncpg.Connection) -> tuple[list[RunCount], list[RunDurations]]:
    """Executions by pipeline and outcome, and the durations of the completed ones."""
    return await run_counts(conn), await run_durations(conn)


class _SnapshotCollector(Collector):
    """Metric families from the last snapshot it was given (none before the first)."""

    def __init__(self) -> None:
        self.snapshot: MetricsSnapshot | None = None

    def collect(self) -> Iterator[Metric]:
        if self.snapshot is None:
            return
        sample, projectors = self.snapshot.sample, self.snapshot.sample["projectors"]
        yield GaugeMetricFamily(
            "spine_event_store_head", "Position of the newest event in the event store.", value=sample["head"]
        )
        if sample["relay_position"] is not None:
            yield GaugeMetricFamily(
                "spine_relay_position",
                "Position of the last event published on the bus.",
                value=sample["relay_position"],
            )
        for name, help_text, key in _PROJECTION_GAUGES:
            gauge = GaugeMetricFamily(name, help_text, labels=["projection"])
            for p in projectors:
                if p[key] is not None:
                    gauge.add_metric([p["name"]], p[key])
            yield gauge
        applied = CounterMetricFamily(
            "spine_projection_events_applied",
            "Events the projection applied since it was built.",
            labels=["projection"],
        )
        consumer = GaugeMetricFamily(
            "spine_projection_consumer_up", "1 when the projection's durable consumer exists.", labels=["projection"]
        )
        status = GaugeMetricFamily(
            "spine_projection_status", "1 for the projection's current status.", labels=["projection", "status"]
        )
        for p in projectors:
            applied.add_metric([p["name"]], p["events_applied"])
            consumer.add_metric([p["name"]], 1 if p["consumer"] else 0)
            for s in _STATUSES:
                status.add_metric([p["name"], s], 1 if p["status"] == s else 0)
        yield from (applied, consumer, status)
        runs = CounterMetricFamily("spine_runs", "Executions by pipeline and outcome.", labels=["pipeline", "status"])
        for run in self.snapshot.runs:
            runs.add_metric([run.pipeline, run.status], run.count)
        yield runs
        durations = SummaryMetricFamily(
            "spine_run_duration_seconds", "Durations of completed runs.", labels=["pipeline"]
        )
        for d in self.snapshot.durations:
            durations.add_metric([d.pipeline], count_value=d.count, sum_value=d.seconds)
        yield durations


class GatewayMetrics:
    """One app's registry (never the process-wide default: several apps may share a process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._collector = _SnapshotCollector()
        self.registry.register(self._collector)

    def render(self, snapshot: MetricsSnapshot) -> bytes:
        """The snapshot in the Prometheus text format.

        Synchronous from setting the snapshot to rendering it: concurrent scrapes in the same
        event loop cannot interleave.
        """
        self._collector.snapshot = snapshot
        return generate_latest(self.registry)
