"""Workflows as users drive them: --through over the API, a backfill from a folder with the
CLI, a revised file becoming a new capture (point in time), and FINRA API records."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.adapters.inbox import copy_into_inbox
from services.cli.client import GatewayClient
from services.dev.stack import Stack
from tests.e2e.helpers import PIPELINE, all_venue_rows, wait_for_execution
from tests.polling import eventually
from tests.shared_data import finra_data

pytestmark = [pytest.mark.e2e]


def _cli(stack: Stack, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "SPINE_GATEWAY_URL": stack.gateway_url,
        "SPINE_API_TOKEN": str(stack.operator_token),
        "SPINE_NATS_URL": str(stack.settings.nats_url),
        "SPINE_DATA_DIR": str(tmp),
    }
    return subprocess.run(
        [sys.executable, "-m", "services.cli", *args], env=env, capture_output=True, text=True, timeout=300
    )


async def test_through_over_the_api_runs_the_path_to_the_stage(stack: Stack) -> None:
    ref, _, _ = copy_into_inbox(stack.settings.inbox, finra_data("fixtures_otc", "week_2025-12-26.psv"))
    async with httpx.AsyncClient(base_url=stack.gateway_url, headers=stack.auth_headers) as http:
        response = await http.post(
            f"/v1/pipelines/{PIPELINE}/run",
            json={"params": {"week_ending": "2025-12-26", "tier": "NMS_TIER_1"}, "file": ref, "through": "venue_share"},
        )
        assert response.status_code == 202, response.text
        execution_id = response.json()["data"]["execution_id"]
        bad = await http.post(
            f"/v1/pipelines/{PIPELINE}/run", json={"params": {"week_ending": "2025-12-26"}, "through": "nowhere"}
        )
        assert bad.status_code == 400 and "venue_share" in bad.json()["hint"]
    async with GatewayClient(stack.gateway_url, token=stack.operator_token) as gateway:
        await wait_for_execution(gateway, execution_id)

        async def read_batch() -> dict[str, Any]:
            return (await gateway.get(f"/v1/batches/{execution_id}"))["data"]

        batch = await eventually(read_batch, 60, "every stage of the batch to be done", until=lambda b: b["done"])
        stages = batch["weeks"][0]["stages"]
        assert set(stages) == {
            PIPELINE,
            "finra.otc_transparency.normalize_week",
            "finra.otc_transparency.compute_venue_share",
        }
        assert set(stages.values()) == {"completed"}
        shares = await gateway.get("/v1/data/venue-shares", week_ending="2025-12-26", tier="NMS_TIER_1")
        assert abs(sum(r["share"] for r in shares["data"]) - 1) < 1e-4


def test_backfill_from_a_folder_reports_each_week(stack: Stack, tmp_path: Path) -> None:
    folder = tmp_path / "weeks"
    folder.mkdir()
    for week in ("2025-11-28", "2025-12-05"):
        shutil.copy(finra_data("fixtures_otc", f"week_{week}.psv"), folder)
    result = _cli(
        stack,
        tmp_path,
        "backfill",
        "--tier",
        "NMS_TIER_1",
        "--weeks",
        "2025-11-28..2025-12-12",
        "--dir",
        str(folder),
        "--through",
        "aggregate",
        "--json",
    )
    assert result.returncode == 1, result.stderr  # one week has no file: reported, not hidden
    report = json.loads(result.stdout)
    weeks = {w["week_ending"]: w for w in report["weeks"]}
    assert set(weeks) == {"2025-11-28", "2025-12-05"}
    for week in weeks.values():
        assert week["done"] and not week["failed"]
        assert set(week["stages"]) == {
            PIPELINE,
            "finra.otc_transparency.normalize_week",
            "finra.otc_transparency.aggregate_week",
        }
    assert report["details"]["missing"] == ["2025-12-12"]
    rows = httpx.get(
        f"{stack.gateway_url}/v1/data/symbol-summary",
        params={"week_ending": "2025-12-05", "tier": "NMS_TIER_1"},
        headers=stack.auth_headers,
    ).json()
    assert rows["meta"]["count"] > 0


async def test_a_revised_file_is_a_new_capture_and_both_stay_queryable(stack: Stack, tmp_path: Path) -> None:
    original = finra_data("real_finra_weekly", "finra_otc_weekly_otc_20251222.csv")
    lines = original.read_text().splitlines()
    fields = lines[1].split("|")
    fields[5] = str(int(fields[5]) + 1000)  # FINRA corrected the row ...
    fields[7] = "2025-12-29"  # ... and re-published it
    revised = tmp_path / "finra_otc_weekly_otc_20251222_revised.csv"
    revised.write_text("\n".join([lines[0], "|".join(fields), *lines[2:]]) + "\n")

    first = _cli(stack, tmp_path, "run", PIPELINE, "--tier", "OTC", "--file", str(original), "--json")
    assert first.returncode == 0, first.stderr
    first_run = json.loads(first.stdout)
    between = datetime.now().astimezone()
    second = _cli(stack, tmp_path, "run", PIPELINE, "--tier", "OTC", "--file", str(revised), "--json")
    assert second.returncode == 0, second.stderr
    second_run = json.loads(second.stdout)
    assert second_run["status"] == "completed" and second_run["capture_id"] != first_run["capture_id"]

    symbol, mpid = fields[1], fields[4]
    async with GatewayClient(stack.gateway_url, token=stack.operator_token) as gateway:
        meta, rows = await all_venue_rows(gateway, "2025-11-21", "OTC")
        latest = next(r for r in rows if r["symbol"] == symbol and r["mpid"] == mpid)
        assert meta["capture_id"] == second_run["capture_id"] and latest["total_shares"] == int(fields[5])
        assert meta["source_updated"] == "2025-12-29"
        old = await gateway.get(
            "/v1/data/venue-volume",
            week_ending="2025-11-21",
            tier="OTC",
            symbol=symbol,
            capture_id=first_run["capture_id"],
        )
        assert old["data"][0]["total_shares"] == int(fields[5]) - 1000
        as_of = await gateway.get(
            "/v1/data/venue-volume", week_ending="2025-11-21", tier="OTC", symbol=symbol, as_of=between.isoformat()
        )
        assert as_of["meta"]["capture_id"] == first_run["capture_id"]
        early = (datetime.now().astimezone() - timedelta(days=3650)).isoformat()
        with pytest.raises(Exception, match="as of"):
            await gateway.get("/v1/data/venue-volume", week_ending="2025-11-21", tier="OTC", as_of=early)
    # The same revised bytes again: nothing new to capture.
    again = json.loads(_cli(stack, tmp_path, "run", PIPELINE, "--tier", "OTC", "--file", str(revised), "--json").stdout)
    assert again["status"] == "skipped" and again["capture_id"] == second_run["capture_id"]


def test_finra_api_records_are_ingested_with_their_summary_type(stack: Stack, tmp_path: Path) -> None:
    sample = finra_data("real", "openbb_aapl_T1_ATS_W_SMBL_excerpt.json")
    result = _cli(
        stack, tmp_path, "run", PIPELINE, "--week-ending", "2022-06-03", "--tier", "T1", "--file", str(sample),
        "-p", "summary_type=ATS_W_SMBL", "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    run = json.loads(result.stdout)
    assert (run["rows_accepted"], run["rows_rejected"]) == (1, 29)
    assert run["reject_reasons"] == {"WEEK_MISMATCH": 29}
    rows = httpx.get(
        f"{stack.gateway_url}/v1/data/venue-volume",
        params={"week_ending": "2022-06-03", "tier": "NMS_TIER_1"},
        headers=stack.auth_headers,
    ).json()
    (row,) = rows["data"]
    assert row["symbol"] == "AAPL" and row["summary_type_code"] == "ATS_W_SMBL" and row["mpid"] is None
    assert row["total_shares"] == 17317752
    rejects = httpx.get(
        f"{stack.gateway_url}/v1/rejects",
        params={"week_ending": "2022-06-03", "tier": "T1"},
        headers=stack.auth_headers,
    ).json()
    assert rejects["meta"]["reasons"] == {"WEEK_MISMATCH": 29}


def test_spine_commands_beside_the_stack_send_its_operator_token_unless_told_otherwise(stack: Stack) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if k != "SPINE_API_TOKEN"},
        "SPINE_GATEWAY_URL": stack.gateway_url,
        "SPINE_NATS_URL": str(stack.settings.nats_url),
        "SPINE_DATA_DIR": str(stack.data_dir),  # where the stack left operator.token
    }
    spine = [sys.executable, "-m", "services.cli"]
    picked_up = subprocess.run([*spine, "query", "weeks"], env=env, capture_output=True, text=True, timeout=120)
    assert picked_up.returncode == 0, picked_up.stderr
    flag = subprocess.run(
        [*spine, "--token", "spine_not-a-token", "query", "weeks"], env=env, capture_output=True, text=True, timeout=120
    )
    assert flag.returncode == 4 and "the bearer token is not valid" in flag.stderr
    anonymous = httpx.get(f"{stack.gateway_url}/v1/data/weeks")
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == 'Bearer realm="spine"'
    assert stack.operator_token_path.stat().st_mode & 0o777 == 0o600
