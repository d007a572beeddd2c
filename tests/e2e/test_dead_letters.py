"""A poison event goes to the dead letters after the set number of attempts; the projector keeps
applying later events; the ops API shows it; after a fix, a retry applies it (with the events of
its stream parked behind it, in order)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import nats
import pytest

from services.adapters.inbox import copy_into_inbox
from services.cli.client import GatewayClient
from services.dev.stack import Stack
from tests.e2e.helpers import PIPELINE, fix_poison, poison_capture, publish_raw, wait_for_execution
from tests.polling import eventually
from tests.shared_data import finra_data

pytestmark = [pytest.mark.e2e]

STACK_SETTINGS = {"projector_max_attempts": 2}


async def test_poison_event_is_dead_lettered_visible_and_retried(stack: Stack) -> None:
    capture_id = poison_capture(stack)
    async with GatewayClient(stack.gateway_url, token=stack.operator_token) as gateway:

        async def finra_state() -> dict[str, Any]:
            sample = (await gateway.get("/v1/ops/projections"))["data"]
            return next(p for p in sample["projectors"] if p["name"] == "finra_otc")

        finra = await eventually(
            finra_state,
            60,
            "finra_otc FAILED with dead letters",
            until=lambda f: f["status"] == "FAILED" and f["dead_letters"] >= 3,
            interval=0.2,
        )
        assert "dead-lettered" in finra["status_reason"]
        letters = (await gateway.get("/v1/ops/dead-letters", projection="finra_otc"))["data"]
        first = letters[0]
        assert first["event_type"] == "CaptureStarted" and first["stream_id"] == str(capture_id)
        assert "colour" in first["error"] and first["attempts"] >= 2
        assert [d["event_type"] for d in letters] == ["CaptureStarted", "RowsCaptured", "StageCompleted"]
        # ... and the poison landed on the dead-letter stream, with its error.
        nc = await nats.connect(str(stack.settings.nats_url))
        try:
            stored = await nc.jetstream().get_last_msg("SPINE_DEAD_LETTERS", "spine.deadletters.finra_otc")
        finally:
            await nc.close()
        assert stored.headers is not None and "colour" in stored.headers["Spine-Error"]
        assert f'"position":{first["position"]}' in stored.data.decode()
        assert all(d["parked_behind"] == first["position"] for d in letters[1:])
        # Other projections applied the same events without trouble.
        others = {p["name"]: p for p in (await gateway.get("/v1/ops/projections"))["data"]["projectors"]}
        assert others["manifest"]["dead_letters"] == 0

        # The projector goes on: a real week ingested after the poison is served.
        ref, _, _ = copy_into_inbox(
            stack.settings.inbox, finra_data("real_finra_weekly", "finra_otc_weekly_otc_20251215.csv")
        )
        from contracts.commands import RunPipeline

        command = RunPipeline.new(PIPELINE, {"week_ending": "2025-11-14", "tier": "OTC"}, file=ref)
        await publish_raw(str(stack.settings.nats_url), command)
        run = await wait_for_execution(gateway, command.execution_id)
        assert run["status"] == "completed"
        weeks = (await gateway.get("/v1/data/weeks", tier="OTC"))["data"]
        assert [w["week_ending"] for w in weeks] == ["2025-11-14"]

        metrics = (await asyncio.to_thread(httpx.get, f"{stack.gateway_url}/metrics", headers=stack.auth_headers)).text
        assert 'spine_projection_dead_letters{projection="finra_otc"} 3.0' in metrics
        assert 'spine_projection_status{projection="finra_otc",status="FAILED"} 1.0' in metrics

        # The fix (a migration adding the column), then the retry.
        await fix_poison(stack)
        response = await asyncio.to_thread(
            httpx.post,
            f"{stack.gateway_url}/v1/ops/dead-letters/retry",
            json={"projection": "finra_otc"},
            headers=stack.auth_headers,
        )
        assert response.status_code == 202 and response.json()["data"]["retry_requested"] == 3

        async def finra_ok() -> bool:
            sample = (await gateway.get("/v1/ops/projections"))["data"]
            finra = next(p for p in sample["projectors"] if p["name"] == "finra_otc")
            return finra["status"] == "OK" and finra["dead_letters"] == 0

        await eventually(finra_ok, 60, "finra_otc OK after the retry", interval=0.2)
        poisoned = await gateway.get("/v1/data/venue-volume", week_ending="2025-10-03", tier="OTC")
        assert poisoned["meta"]["capture_id"] == str(capture_id) and poisoned["data"][0]["symbol"] == "ZZZZ"
        resolved = (await gateway.get("/v1/ops/dead-letters", projection="finra_otc", include_resolved=True))["data"]
        assert {d["status"] for d in resolved} == {"resolved"}
