"""Submitting a RunPipeline and following it until its results are queryable.

Over NATS when the CLI has access to the bus, with the run's progress stream; otherwise through
the gateway's ``POST /v1/pipelines/{name}/run``, with status changes only. Either way it is the
same command (the idempotency key names the execution) and it is followed through the gateway:
the execution, the batch of a chained run or a backfill, then the projections.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any, Literal

from nats.aio.client import Client

from contracts.commands import RunPipeline
from contracts.progress import RunProgressMessage
from contracts.subjects import progress_subject
from services.cli.bus import open_bus, publish
from services.cli.client import TERMINAL, ApiError, GatewayClient
from services.settings import Settings
from spine_core.errors import Unavailable

__all__ = ["Route", "submit_and_wait", "wait_batch"]

#: How a command went: published on NATS, or posted to the gateway.
Route = Literal["nats", "gateway"]


async def submit_and_wait(
    settings: Settings,
    command: RunPipeline,
    *,
    on_progress: Callable[[RunProgressMessage], None] | None = None,
    on_status: Callable[[str], None] | None = None,
    on_route: Callable[[Route, str | None], None] | None = None,
    timeout: float = 3600.0,
) -> dict[str, Any]:
    """Submit the command, follow it, and return the execution (with ``via``: its route) once
    every projection has applied the run's last event. ``on_route`` hears the route before
    anything is sent, with a warning when NATS was configured but could not be reached."""
    assert settings.gateway_url
    deadline = time.monotonic() + timeout
    async with GatewayClient(settings.gateway_url, token=settings.api_token) as gateway:
        # Reach the gateway with the token before anything is sent: a wrong token or URL must not
        # leave behind a run published on NATS that the CLI then cannot follow.
        await gateway.execution(command.execution_id)
        access = await open_bus(settings)
        route: Route = "gateway" if access.nc is None else "nats"
        if on_route:
            on_route(route, access.warning)
        try:
            if access.nc is None:
                await gateway.submit(command)
            else:
                await _publish_with_progress(access.nc, command, on_progress)
            execution = await _follow(gateway, command, deadline, on_status)
        finally:
            if access.nc is not None:
                await access.nc.close()
    return {**execution, "via": route}


async def _publish_with_progress(
    nc: Client, command: RunPipeline, on_progress: Callable[[RunProgressMessage], None] | None
) -> None:
    if on_progress is not None:  # core NATS, best effort: subscribe before publishing

        async def handler(msg: Any) -> None:
            try:
                on_progress(RunProgressMessage.model_validate_json(msg.data))
            except ValueError:
                pass

        await nc.subscribe(progress_subject(command.execution_id), cb=handler)
    await publish(nc, command)


async def _follow(
    gateway: GatewayClient, command: RunPipeline, deadline: float, on_status: Callable[[str], None] | None
) -> dict[str, Any]:
    last_status = ""
    while True:
        execution = await gateway.execution(command.execution_id)
        status = execution["status"] if execution else "queued"
        if status != last_status and on_status:
            on_status(status)
        last_status = status
        if execution and status in TERMINAL:
            break
        if time.monotonic() > deadline:
            raise Unavailable(f"execution {command.execution_id} did not finish in time")
        await asyncio.sleep(0.15)
    position = int(execution["position"])
    if command.through or execution["pipeline"].endswith(".backfill_range"):
        batch = await wait_batch(gateway, command.batch_id or command.execution_id, deadline, on_status)
        execution = {**execution, "batch": batch}
        position = max([position, *(int(e["position"]) for e in batch["executions"])])
    await gateway.wait_projections(position, timeout=max(deadline - time.monotonic(), 30))
    return execution


async def wait_batch(
    gateway: GatewayClient, batch_id: Any, deadline: float, on_status: Callable[[str], None] | None
) -> dict[str, Any]:
    """Wait until every stage of a chained run (or every week of a backfill) has ended."""
    last = ""
    while True:
        try:
            progress = (await gateway.get(f"/v1/batches/{batch_id}"))["data"]
        except ApiError as exc:
            if exc.status != 404:
                raise
            progress = {"done": False, "weeks": []}
        pending = sum(len(w["pending"]) for w in progress["weeks"])
        ended = sum(len(w["stages"]) for w in progress["weeks"])
        status = f"{ended} stage(s) ended, {pending} to go"
        if status != last and on_status:
            on_status(status)
        last = status
        if progress["done"]:
            executions = (await gateway.get("/v1/executions", batch_id=str(batch_id), limit=500))["data"]
            return {**progress, "executions": executions}
        if time.monotonic() > deadline:
            raise Unavailable(f"batch {batch_id} did not finish in time")
        await asyncio.sleep(0.25)
