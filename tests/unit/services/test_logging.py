"""Structured logs: JSON on request, and every line of a run carries execution_id and capture_id."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

import spine_domains
from services.adapters.eventstore.app import SpineEventStore, StoreAdapter
from services.adapters.inbox import InboxSources
from services.logging import configure_logging, log_context
from spine_core.context import ExecutionContext
from spine_core.framework.coordinator import RunCoordinator
from spine_core.framework.messages import RunRequest
from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.generator import generate_text
from spine_domains.finra_otc.tiers import Tier


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    configure_logging("INFO", "json", "test", stream=stream)
    try:
        yield stream
    finally:
        root.handlers[:], root.level = saved


def _records(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_json_lines_carry_context_and_extra(json_log: io.StringIO) -> None:
    log = logging.getLogger("spine.test")
    with log_context(execution_id="e-1"):
        log.info("inside", extra={"capture_id": "c-1"})
    log.info("outside")
    inside, outside = _records(json_log)
    assert inside["msg"] == "inside" and inside["execution_id"] == "e-1" and inside["capture_id"] == "c-1"
    assert inside["level"] == "INFO" and inside["logger"] == "spine.test" and inside["service"] == "test"
    assert "execution_id" not in outside


def test_every_runner_line_of_a_run_names_its_execution_and_capture(json_log: io.StringIO, tmp_path: Path) -> None:
    (tmp_path / "w.csv").write_text(generate_text(50, week_ending=WeekEnding.parse("2025-11-14"), tier=Tier.OTC))
    coordinator = RunCoordinator(
        StoreAdapter(SpineEventStore.in_memory()), spine_domains.build_registry(), InboxSources(tmp_path)
    )
    execution_id = uuid.uuid4()
    request = RunRequest(
        execution_id,
        "finra.otc_transparency.ingest_week",
        {"week_ending": "2025-11-14", "tier": "OTC"},
        ExecutionContext(execution_id, execution_id),
        str(execution_id),
        "w.csv",
    )
    outcome = coordinator.handle(request)
    assert outcome.status == "completed"
    lines = [r for r in _records(json_log) if r["logger"] == "spine.runner"]
    assert len(lines) >= 2, "the run logs its start and its end"
    for line in lines:
        assert line["execution_id"] == str(execution_id)
        assert line["capture_id"] == str(outcome.capture_id)
