"""The worker on real NATS and PostgreSQL: one run per command, serialised partitions, and
malformed commands recorded rather than lost."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import nats
import pytest

import spine_domains
from contracts.commands import RunPipeline
from contracts.subjects import COMMANDS_STREAM, HEADER_MSG_ID, command_subject
from services.adapters.bus.nats import ensure_streams
from services.adapters.eventstore.app import SpineEventStore
from services.apps.worker.app import Worker
from services.settings import Settings
from spine_core.write import Execution, Partition, partition_id
from tests.integration.helpers import PIPELINE, write_week
from tests.polling import eventually

pytestmark = [pytest.mark.integration]


async def _publish(
    nc: nats.NATS, command: RunPipeline | bytes, *, subject: str | None = None, msg_id: str | None = None
) -> None:
    body = command if isinstance(command, bytes) else command.model_dump_json(by_alias=True).encode()
    if subject is None:
        assert isinstance(command, RunPipeline)
        subject = command_subject(command.lane, command.execution_id)
    await nc.jetstream().publish(
        subject, body, stream=COMMANDS_STREAM, headers={HEADER_MSG_ID: msg_id or str(uuid.uuid4())}
    )


async def _start(settings: Settings) -> tuple[Worker, SpineEventStore, nats.NATS]:
    nc = await nats.connect(settings.nats_url)
    await ensure_streams(nc)
    await asyncio.to_thread(SpineEventStore.create, settings)
    worker = await asyncio.to_thread(Worker, settings, spine_domains.build_registry())
    await worker.start()
    reader = SpineEventStore.connect(settings)
    return worker, reader, nc


def _status(reader: SpineEventStore, execution_id: uuid.UUID) -> str | None:
    try:
        execution: Any = reader.repository.get(execution_id)
    except Exception:
        return None
    assert isinstance(execution, Execution)
    return str(execution.status)


async def _terminal(reader: SpineEventStore, execution_id: uuid.UUID) -> bool:
    return await asyncio.to_thread(_status, reader, execution_id) in ("completed", "skipped", "failed")


def _topics(reader: SpineEventStore) -> list[str]:
    return [n.topic.rsplit(".", 1)[-1] for n in reader.recorder.select_notifications(1, 100_000)]


async def test_a_redelivered_duplicate_command_is_one_run(settings: Settings) -> None:
    worker, reader, nc = await _start(settings)
    try:
        ref = write_week(settings.inbox, "w.psv", 500, "2025-11-14")
        command = RunPipeline.new(PIPELINE, {"week_ending": "2025-11-14", "tier": "OTC"}, file=ref)
        # The same command twice under different message ids: JetStream cannot dedupe it, the worker must.
        await _publish(nc, command)
        await _publish(nc, command)
        await eventually(lambda: _terminal(reader, command.execution_id), what="run finished")
        await eventually(lambda: _consumer_idle(nc, "worker-normal"), what="both copies consumed")
        topics = _topics(reader)
        assert topics.count("RunRequested") == 1
        assert topics.count("RunCompleted") == 1
    finally:
        await _stop(worker, reader, nc)


async def test_malformed_command_is_recorded_as_failed(settings: Settings) -> None:
    worker, reader, nc = await _start(settings)
    try:
        execution_id = uuid.uuid4()
        await _publish(nc, b'{"pipeline": 42}', subject=command_subject("normal", execution_id))
        await eventually(lambda: _terminal(reader, execution_id), what="refusal recorded")
        execution: Any = reader.repository.get(execution_id)
        assert execution.status == "failed"
        failed = [n for n in reader.recorder.select_notifications(1, 1000) if n.topic.endswith("RunFailed")]
        assert b"invalid_command" in failed[0].state
    finally:
        await _stop(worker, reader, nc)


async def test_concurrent_runs_of_one_partition_are_serialised(settings: Settings) -> None:
    worker, reader, nc = await _start(settings)
    try:
        ref = write_week(settings.inbox, "w.psv", 4000, "2025-11-14")
        params = {"week_ending": "2025-11-14", "tier": "OTC", "force": True}
        # Different lanes are consumed concurrently: the two runs really race for the partition.
        first = RunPipeline.new(PIPELINE, params, file=ref, lane="normal")
        second = RunPipeline.new(PIPELINE, params, file=ref, lane="backfill")
        await asyncio.gather(_publish(nc, first), _publish(nc, second))
        for command in (first, second):
            await eventually(lambda c=command: _terminal(reader, c.execution_id), timeout=60, what="both runs finished")
        assert {_status(reader, first.execution_id), _status(reader, second.execution_id)} == {"completed"}
        # The partition was never claimed twice at once: claims and commits alternate.
        partition: Any = reader.repository.get(partition_id(PIPELINE, "week_ending=2025-11-14/tier=OTC"))
        assert isinstance(partition, Partition) and len(partition.captures) == 2
        kinds = [
            n.topic.rsplit(".", 1)[-1]
            for n in reader.recorder.select_notifications(1, 100_000)
            if n.originator_id == partition.id and not n.topic.endswith("PartitionOpened")
        ]
        assert kinds == ["PartitionClaimed", "CaptureCommitted", "PartitionClaimed", "CaptureCommitted"]
    finally:
        await _stop(worker, reader, nc)


async def _consumer_idle(nc: nats.NATS, durable: str) -> bool:
    info = await nc.jetstream().consumer_info(COMMANDS_STREAM, durable)
    return (info.num_pending or 0) == 0 and (info.num_ack_pending or 0) == 0


async def _stop(worker: Worker, reader: SpineEventStore, nc: nats.NATS) -> None:
    await worker.stop()
    reader.close()
    await nc.close()
