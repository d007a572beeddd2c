"""The ops dashboard against the real stack: a large ingest makes finra_otc fall behind, and the
page, open in headless Chromium, shows the lag rise, then fall back to 0 with status OK.

Screenshots land in ``artifacts/`` (git-ignored): ``ops-dashboard.png`` at the highest lag the
page showed, ``ops-dashboard-caught-up.png`` once every projector has caught up.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from services.cli.commands.run import run_pipeline
from services.dev.stack import Stack
from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.generator import generate_lines
from spine_domains.finra_otc.tiers import Tier
from tests.browser.chromium import needs_chromium
from tests.browser.dashboard_page import ARTIFACTS, DashboardPage
from tests.polling import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.slow, needs_chromium]

PIPELINE = "finra.otc_transparency.ingest_week"
PROJECTORS = ("manifest", "finra_otc", "quality", "reference", "process_manager")
ROWS = 300_000
WEEK, TIER = "2025-11-14", "OTC"
RUN_TIMEOUT = 900.0
CATCH_UP_TIMEOUT = 300.0
SCREENSHOT_EVERY_S = 1.0


def write_week(path: Path) -> Path:
    with path.open("w") as handle:
        for line in generate_lines(ROWS, week_ending=WeekEnding.parse(WEEK), tier=Tier.parse(TIER), seed=11):
            handle.write(line + "\n")
    return path


async def test_the_dashboard_shows_real_lag_rise_and_fall(
    ops_stack: Stack, dashboard: DashboardPage, tmp_path: Path
) -> None:
    source = await asyncio.to_thread(write_week, tmp_path / "otc-week-300k.psv")
    await dashboard.wait_for_projectors(PROJECTORS, timeout=60)
    await dashboard.wait_for_connection("live", timeout=30)
    await dashboard.wait_caught_up("finra_otc", timeout=60)

    run = asyncio.create_task(
        run_pipeline(
            ops_stack.settings,
            PIPELINE,
            {"week_ending": WEEK, "tier": TIER},
            source,
            show_progress=False,
            through="aggregate",
        )
    )
    # Read the page as an operator would, about ten times a second, until the run has ended
    # (run_pipeline returns once every projection has applied the run's last event).
    seen: list[float] = []
    statuses: set[str] = set()
    peak = 0.0
    shot_at = 0.0

    async def read_until_done() -> bool:
        nonlocal peak, shot_at
        if run.done():
            return True
        behind = await dashboard.number("events-behind-finra_otc")
        if behind is not None:
            seen.append(behind)
            statuses.add(await dashboard.status("finra_otc") or "")
            if behind > peak and time.monotonic() - shot_at >= SCREENSHOT_EVERY_S:
                peak = behind
                await dashboard.screenshot("ops-dashboard.png")  # the highest lag seen so far
                shot_at = time.monotonic()
        return False

    try:
        await eventually(read_until_done, RUN_TIMEOUT, "the run to end")
        result = run.result()
    finally:
        if not run.done():
            run.cancel()
    assert result["status"] == "completed", result
    assert result["rows_accepted"] == ROWS, result

    assert seen and max(seen) > 0, f"the page never showed finra_otc behind ({len(seen)} readings, statuses {statuses})"
    assert (ARTIFACTS / "ops-dashboard.png").is_file()
    chart = await dashboard.chart()
    assert chart["points"] > 0 and chart["series"] == len(PROJECTORS) and chart["painted"] > 0, chart

    # The run's results are queryable: the page must now come back to 0 and OK, for every projector.
    for name in PROJECTORS:
        await dashboard.wait_caught_up(name, timeout=CATCH_UP_TIMEOUT)

    async def all_ok() -> bool:
        return await dashboard.attr("overall-status", "data-status") == "OK"

    await eventually(all_ok, 30, "the overall status to be OK")
    assert await dashboard.connection() == "live"
    await dashboard.screenshot("ops-dashboard-caught-up.png")
    assert dashboard.page_errors == [], dashboard.page_errors
    assert dashboard.foreign_requests == [], dashboard.foreign_requests
