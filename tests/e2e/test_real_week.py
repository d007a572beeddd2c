"""A real FINRA weekly file travels the whole way: bus -> worker -> event store -> relay ->
projectors -> gateway, and idempotency holds (skip, duplicate command, forced new capture)."""

from __future__ import annotations

import csv

import pytest

from contracts.commands import RunPipeline
from services.adapters.inbox import copy_into_inbox
from services.cli.client import GatewayClient
from services.dev.stack import Stack
from tests.e2e.helpers import PIPELINE, all_venue_rows, publish_raw, wait_for_execution
from tests.shared_data import finra_data

pytestmark = [pytest.mark.e2e]

WEEK, TIER = "2025-11-14", "OTC"


def file_rows(path) -> dict[tuple[str, str], tuple[int, int, str, str, str]]:
    """The file read independently of Spine's parser: (symbol, mpid) -> values."""
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle, delimiter="|", quoting=csv.QUOTE_NONE)
        return {
            (r["issueSymbolIdentifier"], r["MPID"]): (
                int(r["totalWeeklyShareQuantity"]),
                int(r["totalWeeklyTradeCount"]),
                r["issueName"],
                r["marketParticipantName"],
                r["lastUpdateDate"],
            )
            for r in reader
        }


async def test_real_week_end_to_end(stack: Stack) -> None:
    path = finra_data("real_finra_weekly", "finra_otc_weekly_otc_20251215.csv")
    expected = file_rows(path)
    assert len(expected) == 5328
    settings = stack.settings
    ref, _, _ = copy_into_inbox(settings.inbox, path)
    params = {"week_ending": WEEK, "tier": TIER}

    async with GatewayClient(stack.gateway_url, token=stack.operator_token) as gateway:
        # 1. A RunPipeline published on the bus is captured and every row is served.
        first = RunPipeline.new(PIPELINE, params, file=ref)
        await publish_raw(settings.nats_url, first)
        run1 = await wait_for_execution(gateway, first.execution_id)
        assert run1["status"] == "completed", run1
        assert run1["rows_accepted"] == 5328 and run1["rows_rejected"] == 0
        capture1 = run1["capture_id"]

        meta, rows = await all_venue_rows(gateway, WEEK, TIER)
        assert meta["capture_id"] == capture1 and meta["latest_capture"] is True
        assert meta["total"] == len(rows) == 5328
        served = {
            (r["symbol"], r["mpid"]): (
                r["total_shares"],
                r["total_trades"],
                r["issue_name"],
                r["participant_name"],
                r["last_update_date"],
            )
            for r in rows
        }
        assert served == expected

        symbols = await gateway.get("/v1/data/symbols", week_ending=WEEK, tier="otc", limit=100_000)
        assert symbols["meta"]["capture_id"] == capture1
        assert sum(s["venues"] for s in symbols["data"]) == 5328
        assert sum(s["total_shares"] for s in symbols["data"]) == sum(v[0] for v in expected.values())
        volumes = [s["total_shares"] for s in symbols["data"]]
        assert volumes == sorted(volumes, reverse=True)

        # 2. The same command again (same idempotency key) is one run, not two.
        assert await publish_raw(settings.nats_url, first) is True  # JetStream's duplicate window
        again = await gateway.execution(first.execution_id)
        assert again is not None and again["capture_id"] == capture1

        # 3. A new command for the same partition is skipped, naming the existing capture.
        second = RunPipeline.new(PIPELINE, params, file=ref)
        await publish_raw(settings.nats_url, second)
        run2 = await wait_for_execution(gateway, second.execution_id)
        assert run2["status"] == "skipped"
        assert run2["capture_id"] == capture1 and capture1 in run2["skip_reason"]

        # 4. With force, a second capture is made; the gateway serves the newer one by default.
        forced = RunPipeline.new(PIPELINE, {**params, "force": True}, file=ref)
        await publish_raw(settings.nats_url, forced)
        run3 = await wait_for_execution(gateway, forced.execution_id)
        assert run3["status"] == "completed" and run3["capture_id"] != capture1
        meta3, rows3 = await all_venue_rows(gateway, WEEK, TIER)
        assert meta3["capture_id"] == run3["capture_id"] and meta3["total"] == len(rows3) == 5328
        # ... and the first capture is still there, on request (nothing was overwritten).
        meta_old, rows_old = await all_venue_rows(gateway, WEEK, TIER, capture_id=capture1)
        assert meta_old["capture_id"] == capture1 and meta_old["latest_capture"] is False
        assert len(rows_old) == 5328

        weeks = await gateway.get("/v1/data/weeks", tier="OTC")
        week = next(w for w in weeks["data"] if w["week_ending"] == WEEK)
        assert week["captures"] == 2 and week["capture_id"] == run3["capture_id"]


def test_cli_run_and_query_as_a_user_would(stack: Stack, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`spine run --file ... --json` then `spine query ...`, as processes, against the running stack."""
    import json
    import os
    import subprocess
    import sys

    path = finra_data("real_finra_weekly", "finra_otc_weekly_otc_20251222.csv")
    env = {
        **os.environ,
        "SPINE_GATEWAY_URL": stack.gateway_url,
        "SPINE_API_TOKEN": str(stack.operator_token),
        "SPINE_NATS_URL": str(stack.settings.nats_url),
        "SPINE_DATA_DIR": str(tmp_path),
    }
    spine = [sys.executable, "-m", "services.cli"]
    run = subprocess.run(
        [*spine, "run", "finra.otc_transparency.ingest_week", "--week-ending", "2025-11-21", "--tier", "OTCE",
         "--file", str(path), "--json"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["status"] == "completed" and result["rows_accepted"] == 5192 and result["rows_rejected"] == 0
    assert result["capture_id"] and result["execution_id"]

    top = subprocess.run(
        [*spine, "query", "symbols", "--week-ending", "2025-11-21", "--tier", "otc", "--top", "3", "--json"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert top.returncode == 0, top.stderr
    body = json.loads(top.stdout)
    assert body["meta"]["capture_id"] == result["capture_id"] and len(body["data"]) == 3

    bad = subprocess.run(
        [*spine, "run", "finra.otc_transparency.ingest_week", "--week-ending", "2025-11-22", "--tier", "OTC"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert bad.returncode == 2 and "nearest Friday is 2025-11-21" in bad.stderr
