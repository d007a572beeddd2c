"""The run every crash test disturbs, and waiting for it to end: one week ingested and chained to
``aggregate``, published over NATS; done when every stage ended and every projector caught up,
with nothing dead-lettered."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.sql import SQL, Identifier

from contracts.commands import RunPipeline
from services.adapters.bus.nats import connect_nats
from services.adapters.commands import publish_run
from services.adapters.eventstore.app import EVENTS_TABLE
from services.cli.client import ApiError, GatewayClient
from services.settings import Settings
from spine_core.errors import SpineError
from spine_core.write.execution import Execution
from tests.polling import eventually

__all__ = ["WEEK", "THROUGH", "STAGES", "publish_week", "runs_ended", "wait_done"]

WEEK = "2025-11-14"
THROUGH = "aggregate"
STAGES = 3  # ingest, normalize, aggregate


async def publish_week(settings: Settings, ref: str, client: str) -> RunPipeline:
    """Publish the week's run (the file ``ref`` already in the inbox), as ``client`` on NATS."""
    command = RunPipeline.new(
        "finra.otc_transparency.ingest_week", {"week_ending": WEEK, "tier": "NMS_TIER_1"}, file=ref, through=THROUGH
    )
    nc = await connect_nats(settings.nats_url, client, reconnect=False)
    try:
        await publish_run(nc, command)
    finally:
        await nc.close()
    return command


def runs_ended(settings: Settings) -> int:
    """How many runs the event store has recorded as ended (completed, skipped or failed): fewer
    than ``STAGES`` while the week's run is still going (a stack that ran nothing else)."""
    assert settings.database_url
    ended = [Execution.RunCompleted.TOPIC, Execution.RunSkipped.TOPIC, Execution.RunFailed.TOPIC]
    query = SQL("SELECT count(*) FROM {}.{} WHERE topic = ANY(%s)").format(
        Identifier(settings.eventstore_schema), Identifier(EVENTS_TABLE)
    )
    with psycopg.connect(settings.database_url) as conn:
        row = conn.execute(query, [ended]).fetchone()
    assert row is not None
    return int(row[0])


async def wait_done(
    gateway_url: str, token: str | None, command: RunPipeline, timeout: float = 240.0
) -> dict[str, Any]:
    """The run's batch once every stage ended and every projector caught up. Errors while the
    servers restart are expected here (retried), not in the results; a dead letter fails."""
    async with GatewayClient(gateway_url, token=token) as gateway:

        async def progress() -> dict[str, Any]:
            batch = (await gateway.get(f"/v1/batches/{command.execution_id}"))["data"]
            finished = batch["done"] and len(batch["weeks"][0]["stages"]) == STAGES
            # Caught up with the head as it is now (a monitor sample may be a second old).
            caught_up = finished and (await gateway.get("/v1/ops/caught-up"))["data"]["caught_up"]
            if caught_up:
                letters = (await gateway.get("/v1/ops/dead-letters"))["data"]
                assert letters == [], f"a crash must not dead-letter anything: {letters}"
            return {"batch": batch, "caught_up": caught_up}

        done = await eventually(
            progress, timeout, "the run to finish and every projector to catch up",
            until=lambda seen: seen["caught_up"], interval=0.5, retry_on=(SpineError, ApiError, OSError),
        )  # fmt: skip
    return dict(done["batch"])
