"""How captured rows become events: blocks under the size limit, and saves in batches."""

from __future__ import annotations

from typing import Any

import pytest
from eventsourcing.domain import Aggregate

from spine_core.rowblock import decode_rows
from spine_core.write import Capture
from tests.unit.core.runner_support import Harness, request, source, unique_week


class CountingStore:
    """Wraps the store adapter and remembers which aggregates each save held."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.saves: list[list[str]] = []

    def get(self, cls: Any, aggregate_id: Any) -> Any:
        return self.inner.get(cls, aggregate_id)

    def save(self, *aggregates: Aggregate) -> int | None:
        self.saves.append([type(a).__name__ for a in aggregates])
        return self.inner.save(*aggregates)


def _chunks(harness: Harness, capture_id: Any, kind: str) -> list[Any]:
    return [e for e in harness.events_of(capture_id) if type(e).__name__ == kind]


def test_a_batch_above_the_block_limit_is_split_into_several_events(harness: Harness) -> None:
    lines = [f"value-{n:02d}-" + "x" * 20 for n in range(1, 9)]
    harness.opener.files["in.txt"] = source(lines)
    limit = 80

    outcome = harness.coordinator(batch_lines=8, max_block_bytes=limit).handle(request(unique_week()))

    assert outcome.status == "completed"
    assert outcome.capture_id is not None
    chunks = _chunks(harness, outcome.capture_id, "RowsCaptured")
    assert len(chunks) > 1
    assert all(len(c.block) <= limit for c in chunks)
    assert sum(c.row_count for c in chunks) == 8 == outcome.rows_accepted
    assert [c.chunk_no for c in chunks] == list(range(len(chunks)))
    rows = [row for c in chunks for row in decode_rows(c.block)]
    assert rows == [(str(n), line) for n, line in enumerate(lines, start=1)]
    for chunk in chunks:
        numbers = [int(row[0]) for row in decode_rows(chunk.block)]  # type: ignore[arg-type]
        assert (chunk.first_line, chunk.last_line) == (numbers[0], numbers[-1])
        assert chunk.row_count == len(numbers)


def test_a_batch_within_the_limit_is_one_event(harness: Harness) -> None:
    harness.opener.files["in.txt"] = source(["a", "b", "c"])

    outcome = harness.coordinator(batch_lines=10, max_block_bytes=1024).handle(request(unique_week()))

    assert outcome.capture_id is not None
    chunks = _chunks(harness, outcome.capture_id, "RowsCaptured")
    assert [(c.first_line, c.last_line, c.row_count) for c in chunks] == [(1, 3, 3)]


def test_a_single_row_above_the_block_limit_is_a_recorded_failure(harness: Harness) -> None:
    harness.opener.files["in.txt"] = source(["short", "y" * 500])

    outcome = harness.coordinator(batch_lines=1, max_block_bytes=100).handle(request(unique_week()))

    assert outcome.status == "failed"
    assert outcome.error is not None and outcome.error["code"] == "source_unreadable"


def test_reject_blocks_stay_under_the_block_limit(harness: Harness) -> None:
    lines = [f"!rejected line {n:03d} " + "z" * 40 for n in range(1, 41)]
    harness.opener.files["in.txt"] = source(lines)
    limit = 400

    outcome = harness.coordinator(batch_lines=100, max_block_bytes=limit).handle(request(unique_week()))

    assert outcome.status == "completed"
    assert outcome.capture_id is not None
    chunks = _chunks(harness, outcome.capture_id, "RowsRejected")
    assert sum(c.reject_count for c in chunks) == 40
    assert max(len(c.block) for c in chunks) <= limit


def test_chunks_are_saved_once_at_the_end_below_the_save_threshold(harness: Harness) -> None:
    harness.opener.files["in.txt"] = source([f"line {n}" for n in range(10)])
    store = CountingStore(harness.store)
    coordinator = harness.coordinator(batch_lines=2)
    coordinator.store = store

    outcome = coordinator.handle(request(unique_week()))

    assert outcome.status == "completed"
    assert store.saves == [["Execution", "Partition", "Capture"], ["Capture"], ["Capture", "Partition", "Execution"]]
    assert outcome.capture_id is not None
    assert len(_chunks(harness, outcome.capture_id, "RowsCaptured")) == 5


def test_chunks_are_saved_whenever_pending_bytes_reach_the_threshold(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("spine_core.framework.recording.SAVE_EVERY_BYTES", 1)
    harness.opener.files["in.txt"] = source([f"line {n}" for n in range(10)])
    store = CountingStore(harness.store)
    coordinator = harness.coordinator(batch_lines=2)
    coordinator.store = store

    outcome = coordinator.handle(request(unique_week()))

    assert outcome.status == "completed"
    assert store.saves.count(["Capture"]) == 5  # one per batch, nothing left for a final flush
    assert outcome.capture_id is not None
    capture = harness.store.get(Capture, outcome.capture_id)
    assert capture is not None and capture.chunks_recorded == 5 and capture.rows_accepted == 10
