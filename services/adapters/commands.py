"""Publishing commands to JetStream, shared by the gateway and the CLI."""

from __future__ import annotations

from uuid import UUID

from nats.aio.client import Client
from nats.js.errors import NotFoundError

from contracts.commands import RunPipeline
from contracts.subjects import COMMANDS_STREAM, HEADER_MSG_ID, LANES, command_subject

__all__ = ["publish_run", "queued_command"]


async def publish_run(nc: Client, command: RunPipeline) -> bool:
    """Publish a RunPipeline; True when JetStream recognised it as a duplicate (same key)."""
    js = nc.jetstream()
    ack = await js.publish(
        command_subject(command.lane, command.execution_id),
        command.model_dump_json(by_alias=True).encode(),
        stream=COMMANDS_STREAM,
        headers={HEADER_MSG_ID: command.idempotency_key},
        timeout=5.0,
    )
    return bool(ack.duplicate)


async def queued_command(nc: Client, execution_id: UUID) -> str | None:
    """The lane of a command still waiting for a worker, or None if the bus has no such command."""
    js = nc.jetstream()
    for lane in LANES:
        try:
            await js.get_last_msg(COMMANDS_STREAM, command_subject(lane, execution_id))
            return lane
        except NotFoundError:
            continue
    return None
