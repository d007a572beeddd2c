"""N workers need no lease: they share each lane's durable consumer, so each command runs on
one of them, once, and a partition's runs stay serialised by its claim on the write side even
when two workers race for it."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

import nats
import pytest

import spine_domains
from contracts.commands import RunPipeline
from contracts.subjects import COMMANDS_STREAM, HEADER_MSG_ID, LANES, command_subject
from services.adapters.bus.nats import ensure_streams
from services.adapters.eventstore.app import SpineEventStore
from services.apps.worker.app import Worker
from services.settings import Settings
from spine_core.framework.messages import RunOutcome
from spine_core.write import Execution, Partition, partition_id
from tests.integration.helpers import PIPELINE, write_week
from tests.polling import eventually

pytestmark = [pytest.mark.integration]

WEEKS = ("2025-10-24", "2025-10-31", "2025-11-07", "2025-11-14")
RACED = "2025-11-21"


async def _publish(nc: nats.NATS, command: RunPipeline) -> None:
    await nc.jetstream().publish(
        command_subject(command.lane, command.execution_id),
        command.model_dump_json(by_alias=True).encode(),
        stream=COMMANDS_STREAM,
        headers={HEADER_MSG_ID: str(uuid.uuid4())},
    )


def _counting(worker: Worker, name: str, handled: Counter[str]) -> None:
    """Count the commands this worker runs (wrapping its coordinator's entry point)."""
    handle: Callable[..., RunOutcome] = worker.coordinator.handle

    def counted(*args: Any, **kwargs: Any) -> RunOutcome:
        handled[name] += 1
        return handle(*args, **kwargs)

    worker.coordinator.handle = counted  # type: ignore[method-assign]


def _status(reader: SpineEventStore, execution_id: uuid.UUID) -> str | None:
    try:
        execution: Any = reader.repository.get(execution_id)
    except Exception:
        return None
    assert isinstance(execution, Execution)
    return str(execution.status)


async def test_workers_share_the_lanes_and_a_partition_stays_serialised(settings: Settings) -> None:
    nc = await nats.connect(settings.nats_url)
    await ensure_streams(nc)
    await asyncio.to_thread(SpineEventStore.create, settings)
    handled: Counter[str] = Counter()
    workers = []
    for name in ("one", "two"):
        worker = await asyncio.to_thread(Worker, settings, spine_domains.build_registry())
        _counting(worker, name, handled)
        await worker.start()
        workers.append(worker)
    reader = SpineEventStore.connect(settings)
    try:
        refs = {week: write_week(settings.inbox, f"{week}.psv", 1500, week) for week in (*WEEKS, RACED)}
        commands = [RunPipeline.new(PIPELINE, {"week_ending": w, "tier": "OTC"}, file=refs[w]) for w in WEEKS]
        # One partition, forced, on every lane at once: the workers race for it.
        raced = {"week_ending": RACED, "tier": "OTC", "force": True}
        commands += [RunPipeline.new(PIPELINE, raced, file=refs[RACED], lane=lane) for lane in LANES]
        await asyncio.gather(*(_publish(nc, c) for c in commands))

        async def all_ended() -> bool:
            statuses = await asyncio.to_thread(lambda: [_status(reader, c.execution_id) for c in commands])
            return all(s in ("completed", "skipped", "failed") for s in statuses)

        await eventually(all_ended, 120, "every command to end")
        assert {_status(reader, c.execution_id) for c in commands} == {"completed"}
        topics = [n.topic.rsplit(".", 1)[-1] for n in reader.recorder.select_notifications(1, 1_000_000)]
        assert topics.count("RunRequested") == topics.count("RunCompleted") == len(commands), "each command ran once"
        assert set(handled) == {"one", "two"}, f"both workers took commands: {handled}"

        partition: Any = reader.repository.get(partition_id(PIPELINE, f"week_ending={RACED}/tier=OTC"))
        assert isinstance(partition, Partition) and len(partition.captures) == 3
        kinds = [
            n.topic.rsplit(".", 1)[-1]
            for n in reader.recorder.select_notifications(1, 1_000_000)
            if n.originator_id == partition.id and not n.topic.endswith("PartitionOpened")
        ]
        assert kinds == ["PartitionClaimed", "CaptureCommitted"] * 3, "claims and commits alternate"
    finally:
        for worker in workers:
            await worker.stop()
        reader.close()
        await nc.close()
