"""The dashboard shows a poison event: the projector turns FAILED (red) and the dead letter is
listed; after the fix and a retry, both clear."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest

from services.dev.stack import Stack
from tests.browser.chromium import needs_chromium
from tests.browser.conftest import start_ops_stack
from tests.browser.dashboard_page import DashboardPage
from tests.conftest import Servers
from tests.e2e.helpers import fix_poison, poison_capture
from tests.polling import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.slow, needs_chromium]

PROJECTORS = ("manifest", "finra_otc", "quality", "reference", "process_manager")


@pytest.fixture(scope="module")
def ops_stack(servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack of this module's own: the poison and its fix (a migration) change it for good."""
    with start_ops_stack(servers, tmp_path_factory) as stack:
        yield stack


async def test_a_dead_letter_shows_on_the_dashboard_until_retried(ops_stack: Stack, dashboard: DashboardPage) -> None:
    await dashboard.wait_for_projectors(PROJECTORS, timeout=60)
    await asyncio.to_thread(poison_capture, ops_stack)

    async def failed() -> bool:
        return await dashboard.status("finra_otc") == "FAILED"

    await eventually(failed, 120, "finra_otc shown FAILED")
    red, green, _ = await dashboard.colour("status-finra_otc")
    assert red > green, "FAILED is drawn in red"

    async def listed() -> bool:
        return await dashboard.page.locator('[data-testid="dead-letter-row"]').count() >= 3

    await eventually(listed, 30, "the dead letters listed on the page")
    table = await dashboard.text("dead-letters-table")
    assert "CaptureStarted" in table and "finra_otc" in table
    await dashboard.screenshot("ops-dashboard-dead-letter.png")

    await fix_poison(ops_stack)
    response = await asyncio.to_thread(
        httpx.post,
        f"{ops_stack.gateway_url}/v1/ops/dead-letters/retry",
        json={"projection": "finra_otc"},
        headers=ops_stack.auth_headers,
    )
    assert response.status_code == 202

    async def recovered() -> bool:
        return await dashboard.status("finra_otc") == "OK"

    await eventually(recovered, 120, "finra_otc back to OK after the retry")

    async def cleared() -> bool:
        return await dashboard.page.locator('[data-testid="dead-letter-row"]').count() == 0

    await eventually(cleared, 30, "the dead letters cleared from the page")
