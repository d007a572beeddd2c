"""CSV downloads through a running stack: a large week streams from a cursor with its header
row and every row, while the gateway's memory stays flat; the calcs and the Accept header too."""

from __future__ import annotations

import csv
import threading
import time
from pathlib import Path

import httpx
import pytest

from projections.finra_otc.views import VENUE_ROW_COLUMNS
from services.adapters.inbox import copy_into_inbox
from services.dev.stack import Stack
from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.generator import generate_lines
from spine_domains.finra_otc.tiers import Tier
from tests.contract.populate import auth_headers, ingest_small_week
from tests.polling import eventually_sync

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

#: A week of this module's own: the stack is shared (tests/e2e/conftest.py).
BIG_WEEK, BIG_TIER, BIG_ROWS = "2025-10-24", "OTC", 250_000
#: How much the gateway's resident memory may grow while it streams the whole week.
RSS_BOUND_MB = 60


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def _ingest_big_week(stack: Stack, http: httpx.Client, workdir: Path) -> None:
    source = workdir / "big.psv"
    lines = generate_lines(BIG_ROWS, week_ending=WeekEnding.parse(BIG_WEEK), tier=Tier.parse(BIG_TIER), seed=7)
    with source.open("w") as handle:
        for line in lines:
            handle.write(line + "\n")
    ref, _, _ = copy_into_inbox(stack.settings.inbox, source)
    started = http.post(
        "/v1/pipelines/finra.otc_transparency.ingest_week/run",
        json={"params": {"week_ending": BIG_WEEK, "tier": BIG_TIER}, "file": ref},
    )
    started.raise_for_status()
    poll = started.json()["data"]["poll"]
    eventually_sync(lambda: http.get(poll).json()["data"]["status"] == "completed", 600, "the big week's ingest")
    head = http.get("/v1/ops/caught-up").json()["data"]["position"]
    eventually_sync(
        lambda: bool(http.get("/v1/ops/caught-up", params={"position": head}).json()["data"]["caught_up"]),
        600,
        "projections to catch up with the big week",
    )


def test_a_large_week_streams_as_csv_in_flat_memory(stack: Stack, tmp_path: Path) -> None:
    with httpx.Client(base_url=stack.gateway_url, headers=auth_headers(stack), timeout=120) as http:
        _ingest_big_week(stack, http, tmp_path)
        page = http.get("/v1/data/venue-volume", params={"week_ending": BIG_WEEK, "tier": BIG_TIER, "limit": 1})
        total = page.json()["meta"]["total"]
        assert total >= 200_000

        process = stack.children["gateway"].process
        assert process is not None
        before = _rss_kb(process.pid)
        peak = before
        done = threading.Event()

        def watch() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, _rss_kb(process.pid))
                time.sleep(0.05)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        params = {"week_ending": BIG_WEEK, "tier": BIG_TIER, "format": "csv"}
        try:
            with http.stream("GET", "/v1/data/venue-volume", params=params) as response:
                assert response.status_code == 200, response.read()
                assert response.headers["content-type"].startswith("text/csv")
                disposition = response.headers["content-disposition"]
                assert disposition.startswith(f'attachment; filename="venue-volume_{BIG_WEEK}_{BIG_TIER}_')
                reader = csv.reader(response.iter_lines())
                header = next(reader)
                rows = 0
                last_line = 0
                for row in reader:
                    rows += 1
                    line_no = int(row[0])
                    assert line_no > last_line  # file order
                    last_line = line_no
        finally:
            done.set()
            watcher.join()
    growth_mb = (peak - before) / 1024
    print(f"CSV: {rows} rows; gateway RSS {before / 1024:.1f} MB before, peak growth {growth_mb:.1f} MB")
    assert header == list(VENUE_ROW_COLUMNS)
    assert rows == total
    assert growth_mb < RSS_BOUND_MB


def test_calcs_symbols_and_weeks_download_as_csv_by_accept_header(stack: Stack, tmp_path: Path) -> None:
    ingest_small_week(stack, tmp_path)
    week = {"week_ending": "2025-11-14", "tier": "NMS_TIER_1"}
    with httpx.Client(base_url=stack.gateway_url, headers=auth_headers(stack), timeout=60) as http:
        as_json = http.get("/v1/data/venue-shares", params=week).json()
        shares = http.get("/v1/data/venue-shares", params=week, headers={"Accept": "text/csv"})
        assert shares.status_code == 200 and shares.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(shares.text.splitlines()))
        assert rows[0] == as_json["meta"]["columns"]
        assert len(rows) - 1 == as_json["meta"]["total"]

        symbols = http.get("/v1/data/symbols", params={**week, "format": "csv", "limit": 5})
        header = next(csv.reader(symbols.text.splitlines()))
        assert header == ["symbol", "issue_name", "total_shares", "total_trades", "venues"]
        assert len(symbols.text.splitlines()) == 6

        weeks = http.get("/v1/data/weeks", params={"format": "csv"})
        assert weeks.status_code == 200 and weeks.text.startswith("week_ending,tier,capture_id")
        # format=json wins over the Accept header; an unknown week is still a problem, not a CSV.
        assert http.get("/v1/data/weeks", params={"format": "json"}, headers={"Accept": "text/csv"}).json()["data"]
        missing = http.get("/v1/data/symbols", params={"week_ending": "2020-01-03", "tier": "OTC", "format": "csv"})
        assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
