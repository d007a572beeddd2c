"""Fixtures of the in-process integration tests: the gateway app on a fresh database and NATS server."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from services.bootstrap import build_gateway, prepare_infrastructure
from services.settings import Settings
from tests.conftest import api_headers


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway app in process (migrated, its lifespan running), called with the operator token."""
    await prepare_infrastructure(settings)
    settings.inbox.mkdir(parents=True, exist_ok=True)
    app = build_gateway(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gateway", headers=api_headers(settings)
        ) as http,
    ):
        yield http
