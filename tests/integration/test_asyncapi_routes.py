"""The gateway publishes the bus contract: ``/asyncapi.json`` is the document ``spine docs
asyncapi`` writes, ``/asyncapi`` a self-contained page of it, both without a token."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from contracts.events import EVENT_TYPES
from services.adapters.bus.asyncapi import asyncapi_json
from services.bootstrap import build_gateway, prepare_infrastructure
from services.settings import Settings

pytestmark = [pytest.mark.integration]


@pytest.fixture
async def anonymous(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    await prepare_infrastructure(settings)
    app = build_gateway(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as http,
    ):
        yield http


async def test_the_document_is_served_as_written(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.get("/asyncapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.text == asyncapi_json()
    assert response.json()["asyncapi"] == "3.0.0"


async def test_the_page_lists_channels_and_messages_and_fetches_nothing(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.get("/asyncapi")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    page = response.text
    for event_type, (stream, _) in EVENT_TYPES.items():
        assert f"spine.events.{stream}.{event_type}" in page
        assert f'id="message-{event_type}"' in page
    for fragment in ("spine.commands.normal.{execution_id}", "spine.progress.{execution_id}", "idempotency_key",
                     "spine.deadletters.{projection}", "userPassword", "data.rows_accepted"):  # fmt: skip
        assert fragment in page
    assert not re.search(r"(src|href)=\"?(https?:)?//", page), "the page must not load anything from elsewhere"
    assert "<script" not in page


async def test_both_are_in_the_openapi_document_with_their_operation_ids(anonymous: httpx.AsyncClient) -> None:
    paths = (await anonymous.get("/openapi.json")).json()["paths"]
    assert paths["/asyncapi.json"]["get"]["operationId"] == "getAsyncApi"
    assert paths["/asyncapi"]["get"]["operationId"] == "getAsyncApiPage"
    assert "security" not in paths["/asyncapi.json"]["get"]
