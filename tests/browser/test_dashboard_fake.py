"""The dashboard in a real browser against a fake ops API whose lag the test controls: the page
follows lag up and down live, colours statuses, draws the chart, lists dead letters, and keeps
updating (then reconnects) when the event stream goes away."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from tests.browser.dashboard_page import DashboardPage
from tests.browser.fake_ops import PROJECTORS, FakeOps, serve
from tests.polling import eventually

TIMEOUT = 20.0


@pytest.fixture
def fake() -> Iterator[tuple[FakeOps, str]]:
    ops = FakeOps(interval_s=0.25)
    with serve(ops.app()) as url:
        yield ops, url


@pytest.fixture
async def dashboard(fake: tuple[FakeOps, str], browser_context: Any) -> AsyncIterator[DashboardPage]:
    # ``fake`` first: its server stops last, after the page has closed its event stream.
    _, url = fake
    page = DashboardPage(await browser_context.new_page(), allowed_origin=url)
    await page.open(f"{url}/ops")
    await page.wait_for_projectors(PROJECTORS, timeout=TIMEOUT)
    yield page
    await page.page.close()
    assert page.page_errors == [], page.page_errors
    assert page.foreign_requests == [], page.foreign_requests


async def behind(dashboard: DashboardPage, name: str, expected: float) -> bool:
    return await dashboard.number(f"events-behind-{name}") == expected


async def test_lag_rises_and_falls_live(dashboard: DashboardPage, fake: tuple[FakeOps, str]) -> None:
    ops, _ = fake
    await dashboard.wait_for_connection("live", TIMEOUT)
    assert await dashboard.shown_projectors() == list(PROJECTORS)  # the server's order
    await dashboard.wait_caught_up("finra_otc", TIMEOUT)
    assert await dashboard.attr("overall-status", "data-status") == "OK"

    ops.set_behind("finra_otc", 42_000)
    await eventually(lambda: behind(dashboard, "finra_otc", 42_000), TIMEOUT, "finra_otc at 42,000 events behind")
    assert await dashboard.text("events-behind-finra_otc") == "42,000"
    assert await dashboard.status("finra_otc") == "LAGGING"
    assert "42,000 events behind" in await dashboard.text("status-reason-finra_otc")
    assert await dashboard.attr("status-finra_otc", "title") == await dashboard.text("status-reason-finra_otc")
    assert await dashboard.text("seconds-behind-finra_otc") == "42 s"
    assert await dashboard.text("eta-finra_otc") == "~49 s"
    assert await dashboard.attr("overall-status", "data-status") == "LAGGING"
    assert (await dashboard.text("legend-finra_otc")).split() == ["finra_otc", "42,000"]

    ops.set_behind("finra_otc", 0)
    await dashboard.wait_caught_up("finra_otc", TIMEOUT)
    assert await dashboard.text("eta-finra_otc") == "—"
    assert await dashboard.attr("overall-status", "data-status") == "OK"
    assert dashboard.console_errors == [], dashboard.console_errors


async def test_each_status_has_its_own_colour(dashboard: DashboardPage, fake: tuple[FakeOps, str]) -> None:
    ops, _ = fake
    wanted = {"manifest": "OK", "finra_otc": "LAGGING", "quality": "STALLED", "reference": "FAILED"}
    for name, status in wanted.items():
        ops.set_status(name, status)

    async def all_shown() -> bool:
        return all([await dashboard.status(n) == s for n, s in wanted.items()])

    await eventually(all_shown, TIMEOUT, f"statuses {wanted}")
    colours = {s: await dashboard.colour(f"status-{n}") for n, s in wanted.items()}
    assert len(set(colours.values())) == 4, colours
    red, green, _ = colours["OK"]
    assert green > red  # OK is green
    red, green, _ = colours["FAILED"]
    assert red > 2 * green  # FAILED is red
    assert await dashboard.attr("overall-status", "data-status") == "FAILED"
    assert await dashboard.attr("projector-row-reference", "class") == "is-failed"


async def test_the_chart_is_seeded_from_history_then_grows(dashboard: DashboardPage) -> None:
    seeded = await dashboard.chart()
    # ?history=600 brought 300 past samples for each of the five projectors.
    assert seeded["series"] == len(PROJECTORS) and seeded["points"] >= 300 * len(PROJECTORS), seeded
    assert seeded["painted"] > 1000, seeded

    async def grew() -> bool:
        return (await dashboard.chart())["points"] > seeded["points"]

    await eventually(grew, TIMEOUT, "the chart to draw the streamed samples")

    await dashboard.page.get_by_role("button", name="Seconds behind").click()
    assert (await dashboard.chart())["metric"] == "seconds_behind"
    await dashboard.page.get_by_test_id("legend-quality").click()
    assert await dashboard.attr("legend-quality", "aria-pressed") == "false"

    async def hidden() -> bool:
        return (await dashboard.chart())["series"] == len(PROJECTORS) - 1

    await eventually(hidden, TIMEOUT, "the quality series to be hidden")


async def test_dead_letters_panel(dashboard: DashboardPage, fake: tuple[FakeOps, str]) -> None:
    ops, _ = fake
    await dashboard.page.get_by_test_id("dead-letters-empty").wait_for(state="visible", timeout=TIMEOUT * 1000)
    assert "No dead-lettered events" in await dashboard.text("dead-letters-empty")
    ops.dead_letters.append(
        {
            "projection": "quality",
            "position": 1234,
            "event_type": "RowsCaptured",
            "error": "ValueError: row 17 of chunk 4 does not parse",
            "attempts": 5,
            "status": "dead",
            "first_failed_at": "2026-11-26T18:59:00+00:00",
            "last_failed_at": "2026-11-26T19:00:00+00:00",
        }
    )
    rows = dashboard.page.get_by_test_id("dead-letter-row")
    await rows.first.wait_for(state="visible", timeout=TIMEOUT * 1000)  # refreshed every few seconds
    assert await rows.count() == 1
    row = await rows.first.inner_text()
    assert "quality" in row and "RowsCaptured" in row and "row 17 of chunk 4" in row and "1,234" in row
    assert await dashboard.text("dead-letters-count") == "1"
    assert await dashboard.page.get_by_test_id("dead-letters-empty").is_hidden()


async def test_instances_panel_shows_who_is_active_and_a_takeover(
    dashboard: DashboardPage, fake: tuple[FakeOps, str]
) -> None:
    ops, _ = fake

    async def state(instance_id: str, expected: str) -> bool:
        return await dashboard.attr(f"instance-state-{instance_id}", "data-status") == expected

    await eventually(lambda: state("a1", "active"), TIMEOUT, "the relay's active instance shown")
    assert await dashboard.text("instance-state-a1") == "ACTIVE"
    assert await dashboard.text("instance-state-b2") == "STANDBY"
    row = await dashboard.text("instance-row-b2")
    assert "relay" in row and "b2" in row
    green = await dashboard.colour("instance-state-a1")
    assert green[1] > green[0], "active is drawn in green"
    assert "is-warning" not in (await dashboard.attr("instances-note", "class") or "")

    ops.set_instance_state("a1", "gone")  # the active relay dies: for a moment, none is active
    await eventually(lambda: state("a1", "gone"), TIMEOUT, "the dead instance shown gone")
    assert "No active instance: relay" in await dashboard.text("instances-note")
    red = await dashboard.colour("instance-state-a1")
    assert red[0] > 2 * red[1], "gone is drawn in red"

    ops.set_instance_state("b2", "active")  # the standby takes over
    await eventually(lambda: state("b2", "active"), TIMEOUT, "the standby shown active")
    assert "No active instance" not in await dashboard.text("instances-note")
    assert await dashboard.text("instance-since-b2") != "—"


async def test_keeps_updating_and_reconnects_when_the_stream_drops(
    dashboard: DashboardPage, fake: tuple[FakeOps, str]
) -> None:
    ops, _ = fake
    await dashboard.wait_for_connection("live", TIMEOUT)
    connections = ops.stream_connections
    ops.stream_up = False  # open streams end, new ones get a 503

    async def not_live() -> bool:
        return await dashboard.connection() in ("reconnecting", "polling")

    await eventually(not_live, TIMEOUT, "the indicator to leave 'live'")
    ops.set_behind("reference", 777)  # still shown: the page polls while the stream is down
    await eventually(lambda: behind(dashboard, "reference", 777), TIMEOUT, "reference at 777 while polling")
    await dashboard.wait_for_connection("polling", TIMEOUT)

    ops.stream_up = True
    await dashboard.wait_for_connection("live", 30.0)  # the retry backs off, up to 15 s
    assert ops.stream_connections > connections
    ops.set_behind("reference", 0)
    await dashboard.wait_caught_up("reference", TIMEOUT)
