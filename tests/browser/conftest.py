"""Headless Debian Chromium driven by Playwright, and the real stack, for the ops dashboard's
browser tests."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest

from services.dev.stack import Stack
from tests.browser.chromium import CHROMIUM_FLAGS, MISSING, chromium_executable
from tests.browser.dashboard_page import DashboardPage
from tests.conftest import Servers, start_stack

VIEWPORT = {"width": 1440, "height": 1000}


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    executable = chromium_executable()
    if executable is None:
        pytest.skip(MISSING)
    async_api = pytest.importorskip("playwright.async_api", reason="playwright (a dev dependency) is not installed")
    async with async_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, headless=True, args=list(CHROMIUM_FLAGS))
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture
async def browser_context(browser: Any) -> AsyncIterator[Any]:
    # Dark, as an operator's wall screen usually is; the page follows prefers-color-scheme.
    context = await browser.new_context(viewport=VIEWPORT, color_scheme="dark", device_scale_factor=1)
    try:
        yield context
    finally:
        await context.close()


def start_ops_stack(servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> AbstractContextManager[Stack]:
    """The whole system as processes (as in tests/e2e), on a fresh database and its own NATS."""
    return start_stack(tmp_path_factory.mktemp("ops-stack"), servers, worker_ack_wait_s=30.0)


@pytest.fixture(scope="package")
def ops_stack(servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One stack for the package's modules, which read it and run their own weeks on it; a module
    that changes it for good (test_dashboard_dead_letters.py) starts one of its own."""
    with start_ops_stack(servers, tmp_path_factory) as stack:
        yield stack


@pytest.fixture
async def dashboard(browser_context: Any, ops_stack: Stack) -> AsyncIterator[DashboardPage]:
    """The ops dashboard of ``ops_stack``, open in a fresh page, with the stack's operator token
    already given (test_dashboard_auth.py enters it through the page's form; test_dashboard_fake.py
    overrides this with the dashboard of a fake server)."""
    raw = await browser_context.new_page()
    await raw.add_init_script(f"sessionStorage.setItem('spine.apiToken', {json.dumps(ops_stack.operator_token)})")
    page = DashboardPage(raw, allowed_origin=ops_stack.gateway_url)
    await page.open(f"{ops_stack.gateway_url}/ops")
    yield page
    await page.page.close()
