"""Derived pipelines read earlier captures from the event store — the source of truth, not a
read model — through this implementation of the framework's ``CaptureReader`` port."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import Application

from services.adapters.eventstore.app import StoreAdapter
from spine_core.framework.pipeline import CaptureRef
from spine_core.framework.registry import PipelineRegistry
from spine_core.rowblock import decode_rows
from spine_core.write import Capture, Partition, partition_id

__all__ = ["EventStoreReader"]

_PAGE = 32  # row events per read: a page holds a few MiB of blocks at most


class EventStoreReader:
    def __init__(self, app: Application, registry: PipelineRegistry) -> None:  # type: ignore[type-arg]
        self.app = app
        self.store = StoreAdapter(app)
        self.registry = registry

    def current(self, pipeline: str, partition: Mapping[str, str]) -> CaptureRef | None:
        key = self.registry.get(pipeline).partition_key(partition)
        aggregate = self.store.get(Partition, partition_id(pipeline, key))
        if aggregate is None or aggregate.current_capture is None:
            return None
        summary: dict[str, Any] = aggregate.current_summary or self._summary_of(aggregate.current_capture)
        return CaptureRef(
            pipeline=pipeline,
            partition_key=key,
            partition=dict(summary.get("partition") or partition),
            capture_id=aggregate.current_capture,
            row_columns=tuple(summary.get("row_columns") or ()),
            rows=int(summary.get("rows") or 0),
            captured_at=datetime.fromisoformat(summary["captured_at"]),
            details=dict(summary.get("details") or {}),
            calc=summary.get("calc"),
        )

    def rows(self, capture: CaptureRef) -> Iterator[tuple[str | None, ...]]:
        version = 0
        while True:
            stored = self.app.recorder.select_events(capture.capture_id, gt=version, limit=_PAGE)
            if not stored:
                return
            for item in stored:
                version = item.originator_version
                if item.topic.endswith(".RowsCaptured"):
                    event: Any = self.app.mapper.to_domain_event(item)
                    yield from decode_rows(event.block)

    def _summary_of(self, capture_id: UUID) -> dict[str, Any]:
        """For captures committed before commits carried a summary: rebuild it from the capture."""
        capture = self.store.get(Capture, capture_id)
        assert capture is not None
        return {
            "partition": capture.partition,
            "row_columns": capture.row_columns,
            "rows": capture.rows_accepted,
            "captured_at": capture.created_on.isoformat(),
            "details": {},
            "calc": capture.calc,
        }
