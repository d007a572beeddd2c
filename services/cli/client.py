"""The CLI's client of a running Spine: the gateway over HTTP and the bus over NATS."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx

from contracts.commands import RunPipeline
from contracts.progress import RunProgressMessage
from contracts.subjects import progress_subject
from services.adapters.bus.nats import connect_nats
from services.adapters.commands import publish_run
from services.settings import Settings
from spine_core.errors import InvalidInput, SpineError, Unavailable

__all__ = ["GatewayClient", "ApiError", "submit_and_wait", "summarize", "TERMINAL"]

TERMINAL = {"completed", "skipped", "failed"}


class ApiError(SpineError):
    """An error answer of the gateway: an RFC 9457 problem (``detail``, ``code``, ``hint``)."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        problem = body if isinstance(body, dict) else {}
        if isinstance(problem.get("error"), dict):  # the body of gateways before problem details
            problem = {**problem["error"], "detail": problem["error"].get("message")}
        details = problem.get("details") or ({"problems": problem["errors"]} if problem.get("errors") else None)
        super().__init__(
            problem.get("detail") or problem.get("title") or f"HTTP {status}", hint=problem.get("hint"), details=details
        )
        self.status = status
        self.code = problem.get("code") or "http_error"


class GatewayClient:
    """The gateway's HTTP API; ``token`` (``settings.api_token``: ``--token``, ``SPINE_API_TOKEN``
    or the operator token of the ``spine dev`` beside it) goes as a bearer token on every call."""

    def __init__(self, base_url: str, timeout: float = 30.0, *, token: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        headers = {"Authorization": f"Bearer {token}"} if token else None
        self.http = httpx.AsyncClient(base_url=self.base_url, timeout=timeout, headers=headers)

    async def __aenter__(self) -> GatewayClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.http.aclose()

    async def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = await self.http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise Unavailable(
                f"cannot reach the gateway at {self.base_url} ({exc.__class__.__name__})",
                hint="start Spine with `spine dev` (or set SPINE_GATEWAY_URL)",
            ) from None
        try:
            body = response.json()
        except ValueError:
            body = {"detail": response.text[:500]}
        if response.status_code >= 400:
            error = ApiError(response.status_code, body)
            if response.status_code in (401, 403):  # say how a CLI user gives a token, not how HTTP does
                error.hint = (
                    "give a token with --token or SPINE_API_TOKEN (`spine token create`); commands run with the "
                    "data dir of a `spine dev` send its operator token by themselves"
                )
            raise error
        return body  # type: ignore[no-any-return]

    async def get(self, path: str, **params: Any) -> dict[str, Any]:
        clean = {k: v for k, v in params.items() if v is not None}
        return await self._call("GET", path, params=clean)

    async def upload(
        self, path: Path, on_bytes: Callable[[int], None] | None = None, *, folder: str | None = None
    ) -> dict[str, Any]:
        try:
            size = path.stat().st_size
            handle = path.open("rb")
        except OSError as exc:
            raise InvalidInput(f"cannot read {path}: {exc.strerror}", hint="check the path and permissions") from None

        async def chunks():  # type: ignore[no-untyped-def]
            with handle:
                while block := handle.read(1 << 20):
                    if on_bytes:
                        on_bytes(len(block))
                    yield block

        headers = {"content-length": str(size), "content-type": "application/octet-stream"}
        params = {"folder": folder} if folder else None
        body = await self._call("PUT", f"/v1/inbox/{path.name}", content=chunks(), headers=headers, params=params)
        return body["data"]  # type: ignore[no-any-return]

    async def execution(self, execution_id: UUID) -> dict[str, Any] | None:
        try:
            return (await self.get(f"/v1/executions/{execution_id}"))["data"]  # type: ignore[no-any-return]
        except ApiError as exc:
            if exc.status == 404:
                return None
            raise

    async def wait_projections(self, position: int, timeout: float) -> None:
        """Wait until every projector has applied everything up to ``position``."""
        deadline = time.monotonic() + timeout
        while True:
            status = (await self.get("/v1/ops/caught-up", position=position))["data"]
            behind = sorted(status["behind"])
            if status["caught_up"]:
                return
            if time.monotonic() > deadline:
                raise Unavailable(
                    f"projections {', '.join(behind)} did not reach position {position} in {timeout:.0f}s"
                )
            await asyncio.sleep(0.1)


async def submit_and_wait(
    settings: Settings,
    command: RunPipeline,
    *,
    on_progress: Callable[[RunProgressMessage], None] | None = None,
    on_status: Callable[[str], None] | None = None,
    timeout: float = 3600.0,
) -> dict[str, Any]:
    """Publish the command, follow its progress, and return the execution once its results are
    queryable (every projection has applied the run's last event)."""
    assert settings.gateway_url
    nc = await connect_nats(settings, "spine-cli", reconnect=False)
    try:
        if on_progress is not None:

            async def handler(msg: Any) -> None:
                try:
                    on_progress(RunProgressMessage.model_validate_json(msg.data))
                except ValueError:
                    pass

            await nc.subscribe(progress_subject(command.execution_id), cb=handler)
        await publish_run(nc, command)
        async with GatewayClient(settings.gateway_url, token=settings.api_token) as gateway:
            deadline = time.monotonic() + timeout
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
                    raise Unavailable(f"execution {command.execution_id} did not finish within {timeout:.0f}s")
                await asyncio.sleep(0.15)
            position = int(execution["position"])
            if command.through or execution["pipeline"].endswith(".backfill_range"):
                batch = await wait_batch(gateway, command.batch_id or command.execution_id, deadline, on_status)
                execution = {**execution, "batch": batch}
                position = max([position, *(int(e["position"]) for e in batch["executions"])])
            await gateway.wait_projections(position, timeout=max(deadline - time.monotonic(), 30))
            return execution
    finally:
        await nc.close()


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


def summarize(execution: dict[str, Any]) -> dict[str, Any]:
    """The one JSON object `spine run --json` prints."""
    details = execution.get("details") or {}
    out = {
        "execution_id": execution["execution_id"],
        "status": execution["status"],
        "pipeline": execution["pipeline"],
        "partition_key": execution["partition_key"],
        "capture_id": execution.get("capture_id"),
        "rows_accepted": execution.get("rows_accepted"),
        "rows_rejected": execution.get("rows_rejected"),
        "reject_reasons": details.get("reject_reasons"),
        "position": execution.get("position"),
        "details": details,
    }
    for key in ("skip_reason", "error"):
        if key in execution:
            out[key] = execution[key]
    if "batch" in execution:
        batch = execution["batch"]
        out["stages"] = [
            {
                "pipeline": e["pipeline"],
                "status": e["status"],
                "partition_key": e["partition_key"],
                "capture_id": e.get("capture_id"),
                "rows": e.get("rows_accepted"),
                **({"error": e["error"]} if "error" in e else {}),
            }
            for e in batch["executions"]
        ]
        out["weeks"] = batch["weeks"]
        out["failed_stages"] = batch["failed"]
        out["position"] = max([int(out["position"] or 0), *(int(e["position"]) for e in batch["executions"])])
    return out
