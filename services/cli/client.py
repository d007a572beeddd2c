"""The CLI's client of a running Spine's gateway (HTTP), and the summary of a run it prints.

Submitting and following a run, over NATS or through the gateway, is :mod:`services.cli.submit`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx

from contracts.commands import RunPipeline
from spine_core.errors import InvalidInput, SpineError, Unavailable

__all__ = ["GatewayClient", "ApiError", "summarize", "TERMINAL"]

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
    or the operator token of the ``spine dev`` beside it) goes as a bearer token on every call.
    ``transport`` replaces the network (tests pass ``httpx.MockTransport`` or an ASGI app's)."""

    def __init__(
        self,
        base_url: str,
        timeout: float = 30.0,
        *,
        token: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.sends_token = bool(token)
        headers = {"Authorization": f"Bearer {token}"} if token else None
        self.http = httpx.AsyncClient(base_url=self.base_url, timeout=timeout, headers=headers, transport=transport)

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
                hint=f"check the URL (--url, SPINE_GATEWAY_URL or the running `spine dev`) and that the gateway "
                f"is up: `curl {self.base_url}/health`; to run Spine here, start `spine dev`",
            ) from None
        try:
            body = response.json()
        except ValueError:
            body = {"detail": response.text[:500]}
        if response.status_code >= 400:
            raise self._explained(ApiError(response.status_code, body))
        return body  # type: ignore[no-any-return]

    def _explained(self, error: ApiError) -> ApiError:
        """A 401 or 403 saying how a CLI user gives a token, not how HTTP does."""
        scope = error.details.get("required_scope")
        if error.status == 401 and not self.sends_token:
            error.message = f"the gateway at {self.base_url} needs a token: {error.message}"
            error.hint = (
                f"give one with --token or SPINE_API_TOKEN{f' (scope {scope!r} or above)' if scope else ''}; "
                "`spine token create` makes one where the gateway runs"
            )
        elif error.status == 401:
            error.message = f"the gateway at {self.base_url} refused the token: {error.message}"
            error.hint = (
                "check the token given with --token or SPINE_API_TOKEN (with neither, the CLI sends the operator "
                "token of the `spine dev` data dir); `spine token create` makes one where the gateway runs"
            )
        elif error.status == 403 and scope:
            held = error.details.get("token_scopes") or []
            error.hint = (
                f"use a token of scope {scope!r} or above (operate > run > read)"
                + (f"; this one has {', '.join(held)}" if held else "")
                + f": `spine token create --scope {scope}` where the gateway runs"
            )
        return error

    async def get(self, path: str, **params: Any) -> dict[str, Any]:
        clean = {k: v for k, v in params.items() if v is not None}
        return await self._call("GET", path, params=clean)

    async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return await self._call("POST", path, json=body)

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

    async def submit(self, command: RunPipeline) -> dict[str, Any]:
        """Queue ``command`` through ``POST /v1/pipelines/{name}/run`` (the gateway publishes it): the
        same execution as over NATS, since the idempotency key names it."""
        body = {
            "params": command.params,
            "file": command.file,
            "lane": command.lane,
            "idempotency_key": command.idempotency_key,
            "through": command.through,
            "stage_params": command.stage_params,
        }
        return (await self.post(f"/v1/pipelines/{command.pipeline}/run", body))["data"]  # type: ignore[no-any-return]

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
    for key in ("skip_reason", "error", "via"):
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
