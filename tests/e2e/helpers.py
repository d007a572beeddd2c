"""Helpers for end-to-end tests: publish as any client would, wait for an execution, read all rows."""

from __future__ import annotations

import time
import uuid
from typing import Any
from uuid import UUID

import asyncpg
import nats

from contracts.commands import RunPipeline
from contracts.subjects import COMMANDS_STREAM, HEADER_MSG_ID, command_subject
from services.adapters.eventstore.app import SpineEventStore, StoreAdapter
from services.cli.client import TERMINAL, GatewayClient
from services.dev.stack import Stack
from spine_core.rowblock import encode_rows
from spine_core.write import Capture
from spine_domains.finra_otc.pipelines import IngestWeek
from tests.polling import eventually

PIPELINE = "finra.otc_transparency.ingest_week"


async def publish_raw(nats_url: str, command: RunPipeline) -> bool:
    """Publish a command the way any NATS client would: JSON body, Nats-Msg-Id = idempotency key."""
    nc = await nats.connect(nats_url)
    try:
        ack = await nc.jetstream().publish(
            command_subject(command.lane, command.execution_id),
            command.model_dump_json(by_alias=True).encode(),
            stream=COMMANDS_STREAM,
            headers={HEADER_MSG_ID: command.idempotency_key},
        )
        return bool(ack.duplicate)
    finally:
        await nc.close()


async def wait_for_execution(gateway: GatewayClient, execution_id: UUID, timeout: float = 120.0) -> dict[str, Any]:
    """Wait until the execution ended and every projection applied its last event."""
    deadline = time.monotonic() + timeout
    execution = await eventually(
        lambda: gateway.execution(execution_id),
        timeout,
        f"execution {execution_id} to end",
        until=lambda e: e and e["status"] in TERMINAL,
    )
    assert execution is not None
    await gateway.wait_projections(int(execution["position"]), timeout=max(deadline - time.monotonic(), 5))
    return execution


async def all_venue_rows(
    gateway: GatewayClient, week: str, tier: str, capture_id: str | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    rows: list[dict[str, Any]] = []
    meta: dict[str, Any] = {}
    offset = 0
    while True:
        body = await gateway.get(
            "/v1/data/venue-volume", week_ending=week, tier=tier, limit=2000, offset=offset, capture_id=capture_id
        )
        meta = body["meta"]
        rows.extend(body["data"])
        offset += len(body["data"])
        if not body["data"] or offset >= meta["total"]:
            return meta, rows


def poison_capture(stack: Stack) -> uuid.UUID:
    """Record a capture whose rows carry a column the data plane does not have (yet)."""
    app = SpineEventStore.connect(stack.settings)
    try:
        capture_id = uuid.uuid4()
        columns = [*IngestWeek.row_columns, "colour"]
        capture = Capture(
            capture_id=capture_id,
            execution_id=uuid.uuid4(),
            pipeline=IngestWeek.name,
            partition_key="week_ending=2025-10-03/tier=OTC",
            partition={"week_ending": "2025-10-03", "tier": "OTC"},
            source=None,
            row_columns=columns,
            params={},
            inputs=[],
            calc=None,
            fingerprint="test:poison",
        )
        row = (
            1,
            "ZZZZ",
            "Poison Corp",
            "POIS",
            "POISON ATS",
            100,
            2,
            "2025-10-27",
            "ATS_W_SMBL_FIRM",
            None,
            None,
            "2025-09-29",
            "red",
        )
        capture.record_rows(0, 1, 1, 1, encode_rows([row]))
        capture.complete_stage("ingest", {"week_ending": "2025-10-03"})
        StoreAdapter(app).save(capture)
        return capture_id
    finally:
        app.close()


async def fix_poison(stack: Stack) -> None:
    """The fix for :func:`poison_capture`: a migration adding the column its rows carry."""
    conn = await asyncpg.connect(stack.settings.database_url)
    try:
        await conn.execute("ALTER TABLE finra_otc.venue_volume ADD COLUMN colour text")
    finally:
        await conn.close()
