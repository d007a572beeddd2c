"""The dashboard with authentication on: it asks for a token once, then reads and streams with it."""

from __future__ import annotations

from typing import Any

import pytest

from services.dev.stack import Stack
from tests.browser.chromium import needs_chromium
from tests.browser.dashboard_page import DashboardPage

pytestmark = [pytest.mark.e2e, needs_chromium]

PROJECTORS = ("manifest", "finra_otc", "quality", "reference", "process_manager")


async def test_the_page_asks_for_a_token_then_goes_live_with_it(browser_context: Any, ops_stack: Stack) -> None:
    page = DashboardPage(await browser_context.new_page(), allowed_origin=ops_stack.gateway_url)
    await page.open(f"{ops_stack.gateway_url}/ops")  # the page itself is public
    form = page.page.get_by_test_id("token-form")
    await form.wait_for(state="visible", timeout=15_000)  # its API calls answered 401
    assert await page.shown_projectors() == []
    await page.wait_for_connection("unauthorized", timeout=15)  # not "Gateway unreachable"

    await page.page.get_by_test_id("token-input").fill("spine_not-a-token")
    await page.page.get_by_test_id("token-submit").click()
    await form.wait_for(state="visible", timeout=15_000)
    assert "not accepted" in await page.text("token-note")

    await page.page.get_by_test_id("token-input").fill(str(ops_stack.operator_token))
    await page.page.get_by_test_id("token-submit").click()
    await page.wait_for_projectors(PROJECTORS, timeout=60)
    await page.wait_for_connection("live", timeout=30)  # the stream authenticated too: not "polling"
    assert await form.is_hidden()
    assert page.page_errors == [] and page.foreign_requests == []

    await page.page.reload()  # asked once: the tab keeps the token
    await page.wait_for_connection("live", timeout=30)
    assert await form.is_hidden()
    await page.page.close()
