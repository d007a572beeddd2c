"""The gateway's readiness, a run's events from the event store, and its capabilities, on real
PostgreSQL and NATS (no projector runs here)."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest

from services.adapters.eventstore.app import SpineEventStore
from services.bootstrap import build_gateway, prepare_infrastructure
from services.settings import Settings
from tests.integration.helpers import coordinator, request, write_week

pytestmark = [pytest.mark.integration]


async def test_readiness_names_what_is_not_ready_without_a_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/ready", headers={"Authorization": ""})
    # No projector runs here: their consumers are missing, so the gateway is alive but not ready.
    assert response.status_code == 503, response.text
    body = response.json()
    assert body["status"] == "not_ready" and body["database"] == "ok" and body["nats"] == "ok"
    assert body["projectors"], "every monitored projector is listed"
    failed = [p for p in body["projectors"] if not p["ready"]]
    assert failed and all(p["status"] in ("STALLED", "FAILED") for p in failed)
    assert any(line.startswith(f"projector {failed[0]['name']} is ") for line in body["not_ready"])
    assert (await client.get("/health")).status_code == 200  # liveness is another question


async def test_an_executions_events_come_from_the_event_store_with_its_captures_paged(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    store = SpineEventStore.connect(settings)
    try:
        ref = write_week(settings.inbox, "a.psv", 3000, "2025-11-14")
        run = request("2025-11-14", ref)
        result = await asyncio.to_thread(coordinator(store, settings.inbox, batch_lines=500).handle, run)
        assert result.status == "completed"
    finally:
        store.close()
    url = f"/v1/executions/{run.execution_id}/events"
    first = await client.get(url)
    assert first.status_code == 200, first.text
    body = first.json()
    types = [e["type"] for e in body["data"]]
    assert types[0] == "RunRequested" and "RunStarted" in types and "RowsCaptured" in types
    assert types[-1] == "RunCompleted"
    assert body["meta"]["capture_id"] and body["meta"]["next_after"] is None
    positions = [e["position"] for e in body["data"]]
    assert positions == sorted(positions) and body["meta"]["count"] == len(positions)
    assert {e["stream_id"] for e in body["data"]} == {str(run.execution_id), body["meta"]["capture_id"]}

    paged: list[int] = []
    after = 0
    while True:
        page = (await client.get(url, params={"limit": 2, "after": after})).json()
        paged += [e["position"] for e in page["data"]]
        if page["meta"]["next_after"] is None:
            break
        after = page["meta"]["next_after"]
    assert paged == positions

    unknown = await client.get(f"/v1/executions/{uuid.uuid4()}/events")
    assert unknown.status_code == 404 and unknown.headers["content-type"] == "application/problem+json"


async def test_capabilities_say_what_this_gateway_does(client: httpx.AsyncClient, settings: Settings) -> None:
    response = await client.get("/v1/capabilities")
    assert response.status_code == 200, response.text
    flags = response.json()["data"]
    assert flags["tier"] == "full" and flags["event_store"] and flags["replay"] and flags["execution_events"]
    assert flags["auth_enabled"] is True and flags["public_reads"] is settings.public_reads
    assert flags["lanes"] == ["normal", "backfill", "slow"]
    assert flags["calc_versions"]["venue_share"]["current"] in flags["calc_versions"]["venue_share"]["versions"]
    assert flags["keyset_paging"] and flags["point_in_time"]
    assert (await client.get("/v1/capabilities", headers={"Authorization": ""})).status_code == 401


async def test_capabilities_follow_the_settings(settings: Settings) -> None:
    changed = settings.model_copy(update={"public_reads": True})
    await prepare_infrastructure(changed)
    app = build_gateway(changed)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as http:
        flags = (await http.get("/v1/capabilities")).json()["data"]
    assert flags["public_reads"] is True and flags["auth_enabled"] is True
