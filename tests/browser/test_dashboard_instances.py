"""The dashboard's Instances panel against a real stack with a standby relay: every leased
service shows its active instance; ``kill -9`` of the active relay turns it ``gone`` on the page
and the standby ``active``."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from services.dev.stack import DEFAULT_SERVICES, Stack
from tests.browser.chromium import needs_chromium
from tests.browser.dashboard_page import DashboardPage
from tests.cluster.cluster import instances, kill_active, start_cluster, wait_for_pairs, wait_for_takeover
from tests.conftest import Servers
from tests.polling import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.slow, needs_chromium]

LEASED = (
    "relay",
    "projector:manifest",
    "projector:finra_otc",
    "projector:quality",
    "projector:reference",
    "process-manager",
)


@pytest.fixture(scope="module")
def relay_pair(servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    services = (*DEFAULT_SERVICES, ("relay", None))
    with start_cluster(tmp_path_factory.mktemp("instances-stack"), servers, services) as stack:
        yield stack


@pytest.fixture
async def page(browser_context: Any, relay_pair: Stack) -> AsyncIterator[DashboardPage]:
    raw = await browser_context.new_page()
    await raw.add_init_script(f"sessionStorage.setItem('spine.apiToken', {json.dumps(relay_pair.operator_token)})")
    page = DashboardPage(raw, allowed_origin=relay_pair.gateway_url)
    await page.open(f"{relay_pair.gateway_url}/ops")
    yield page
    await page.page.close()
    assert page.page_errors == [], page.page_errors


async def _shown(page: DashboardPage) -> dict[str, list[str]]:
    rows = await page.page.locator("#instance-rows tr").evaluate_all(
        "rows => rows.map(r => [r.dataset.service, r.dataset.state])"
    )
    shown: dict[str, list[str]] = {}
    for service, state in rows:
        shown.setdefault(str(service), []).append(str(state))
    return {service: sorted(states) for service, states in shown.items()}


async def test_the_page_shows_each_instance_and_a_takeover(page: DashboardPage, relay_pair: Stack) -> None:
    await wait_for_pairs(relay_pair, ("relay",))

    async def all_shown() -> bool:
        shown = await _shown(page)
        return shown.get("relay") == ["active", "standby"] and all(shown.get(s) == ["active"] for s in LEASED[1:])

    await eventually(all_shown, 30, "every leased service shown with its active instance")
    takeover = await wait_for_takeover(relay_pair, await kill_active(relay_pair, "relay"))
    assert takeover.successor is not None
    victim, successor = takeover.victim["instance_id"], takeover.successor["instance_id"]

    async def shown_taken_over() -> bool:
        return (
            await page.attr(f"instance-state-{victim}", "data-status") == "gone"
            and await page.attr(f"instance-state-{successor}", "data-status") == "active"
        )

    await eventually(shown_taken_over, 30, "the killed relay shown gone and its standby active")
    assert (await _shown(page))["relay"] == ["active", "gone"]
    assert "No active instance" not in await page.text("instances-note")
    assert {i["state"] for i in await instances(relay_pair) if i["service"] == "relay"} == {"active", "gone"}
    await page.screenshot("ops-dashboard-instances.png")
