"""Recording a pipeline's output on a Capture as numbered chunk events.

Every output the pipeline yields gets the next chunk number: each row block, each reject block
and each quality check. A resumed run regenerates the same outputs and records only those from
``capture.chunks_recorded`` on. Chunks are saved whenever enough bytes are pending, so a long run
is recorded in several transactions and a crash loses at most the unsaved part.
"""

from __future__ import annotations

import time
from uuid import UUID

from spine_core.framework.blocks import reject_blocks, row_blocks
from spine_core.framework.messages import ProgressCallback, RunProgress
from spine_core.framework.pipeline import CaptureReader, PipelineInputs, StageSummary
from spine_core.framework.planning import OpenedSource, RunPlan, jsonable
from spine_core.quality import QualityResult
from spine_core.write import Capture, EventStore

__all__ = ["SAVE_EVERY_BYTES", "record_outputs"]

#: Pending chunk bytes that trigger a save (one transaction) while a capture is running.
SAVE_EVERY_BYTES = 4 * 1024 * 1024
#: Seconds between two progress reports while capturing.
_PROGRESS_EVERY_S = 0.2


def record_outputs(
    store: EventStore,
    plan: RunPlan,
    capture: Capture,
    *,
    reader: CaptureReader,
    batch_lines: int,
    max_block_bytes: int,
    progress: ProgressCallback | None,
    execution_id: UUID,
) -> StageSummary:
    """Run the planned pipeline and record what it yields on ``capture``; return its summary.

    Everything is saved when this returns. The capture is not completed here: the caller commits
    it together with the partition and the execution.
    """
    pipeline, source = plan.pipeline, plan.source
    skip_below = capture.chunks_recorded
    chunk_no = 0
    pending_bytes = 0
    summary: StageSummary | None = None
    last_report = 0.0
    inputs = PipelineInputs(
        source=source,
        batch_lines=batch_lines,
        reader=reader,
        captures=plan.captures,
        listing=plan.listing,
    )
    for output in pipeline.run(plan.params, inputs):
        if isinstance(output, StageSummary):
            summary = output
            continue
        if isinstance(output, QualityResult):
            # Quality checks are few and small; they ride with the next save.
            if chunk_no >= skip_below:
                capture.check_quality(
                    output.check,
                    output.status.value,
                    output.severity.value,
                    output.message,
                    output.value,
                    output.threshold,
                    jsonable(output.details),
                )
            chunk_no += 1
            continue
        for first, last, count, block in row_blocks(output, pipeline.row_columns, max_block_bytes):
            if chunk_no >= skip_below:
                capture.record_rows(chunk_no, first, last, count, block)
                pending_bytes += len(block)
            chunk_no += 1
        for first, last, count, reasons, block in reject_blocks(output.rejects, max_block_bytes):
            if chunk_no >= skip_below:
                capture.record_rejects(chunk_no, first, last, count, reasons, block)
                pending_bytes += len(block)
            chunk_no += 1
        if pending_bytes >= SAVE_EVERY_BYTES:
            store.save(capture)
            pending_bytes = 0
        now = time.monotonic()
        if progress is not None and now - last_report >= _PROGRESS_EVERY_S:
            last_report = now
            progress(_progress(execution_id, "capturing", source, capture))
    if summary is None:
        raise RuntimeError(f"pipeline {pipeline.name} ended without a StageSummary")
    if source is not None:
        source.verify_unchanged()
    if capture.pending_events:
        store.save(capture)
    if progress is not None:
        progress(_progress(execution_id, "captured", source, capture))
    return summary


def _progress(execution_id: UUID, phase: str, source: OpenedSource | None, capture: Capture) -> RunProgress:
    return RunProgress(
        execution_id=execution_id,
        phase=phase,
        bytes_done=source.bytes_read if source else 0,
        bytes_total=source.size if source else 0,
        rows_accepted=capture.rows_accepted,
        rows_rejected=capture.rows_rejected,
    )
