"""The gateway's Prometheus exposition, rendered from a hand-made snapshot (no servers)."""

from __future__ import annotations

from typing import Any

from prometheus_client import REGISTRY, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from services.apps.gateway.prometheus import GatewayMetrics, MetricsSnapshot, RunCount, RunDurations


def _projector(name: str, **fields: Any) -> dict[str, Any]:
    entry = {"name": name, "position": 10, "events_behind": 2, "pending": None, "seconds_behind": 1.5, "rate": 4.0,
             "dead_letters": 0, "events_applied": 10, "consumer": True, "status": "OK"}  # fmt: skip
    return {**entry, **fields}


SNAPSHOT = MetricsSnapshot(
    {"head": 12, "relay_position": None,
     "projectors": [_projector("manifest"), _projector("finra_otc", dead_letters=3, status="FAILED", pending=7)]},
    runs=[RunCount("finra.ingest", "completed", 4), RunCount("finra.ingest", "failed", 1)],
    durations=[RunDurations("finra.ingest", 4, 12.5)],
)  # fmt: skip


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_lag_dead_letters_status_and_runs_are_exposed() -> None:
    text = GatewayMetrics().render(SNAPSHOT).decode()
    samples = _samples(text)
    assert samples[("spine_event_store_head", ())] == 12
    assert samples[("spine_projection_dead_letters", (("projection", "finra_otc"),))] == 3
    assert samples[("spine_projection_status", (("projection", "finra_otc"), ("status", "FAILED")))] == 1
    assert samples[("spine_projection_status", (("projection", "manifest"), ("status", "FAILED")))] == 0
    assert samples[("spine_projection_events_applied_total", (("projection", "manifest"),))] == 10
    assert samples[("spine_projection_apply_rate", (("projection", "manifest"),))] == 4.0
    assert samples[("spine_runs_total", (("pipeline", "finra.ingest"), ("status", "failed")))] == 1
    assert samples[("spine_run_duration_seconds_sum", (("pipeline", "finra.ingest"),))] == 12.5
    assert samples[("spine_run_duration_seconds_count", (("pipeline", "finra.ingest"),))] == 4
    assert 'spine_projection_dead_letters{projection="finra_otc"} 3.0' in text


def test_unknown_figures_are_left_out_not_reported_as_zero() -> None:
    samples = _samples(GatewayMetrics().render(SNAPSHOT).decode())
    assert not any(name == "spine_relay_position" for name, _ in samples)
    assert ("spine_projection_pending", (("projection", "manifest"),)) not in samples
    assert samples[("spine_projection_pending", (("projection", "finra_otc"),))] == 7


def test_each_app_has_its_own_registry_not_the_process_wide_one() -> None:
    first, second = GatewayMetrics(), GatewayMetrics()
    first.render(SNAPSHOT)
    assert b"finra_otc" not in generate_latest(second.registry)
    assert b"spine_" not in generate_latest(REGISTRY)
