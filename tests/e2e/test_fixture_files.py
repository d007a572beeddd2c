"""Every line of every data-quality fixture ends up accepted or rejected with a reason (or the
run fails with a clear message) — checked in the read models, through the whole stack."""

from __future__ import annotations

import re

import asyncpg
import pytest

from contracts.commands import RunPipeline
from services.adapters.inbox import copy_into_inbox
from services.cli.client import GatewayClient
from services.dev.stack import Stack
from tests.e2e.helpers import PIPELINE, publish_raw, wait_for_execution
from tests.shared_data import finra_data

pytestmark = [pytest.mark.e2e]

_NAME = re.compile(r"^(?P<tier>nms_tier_1|nms_tier_2|otc)_week_(?P<week>\d{4}-\d{2}-\d{2})\.psv$")


async def test_every_fixture_line_is_accounted_for(stack: Stack) -> None:
    folder = finra_data("fixtures_finra_otc")
    files = sorted(folder.glob("*.psv"))
    assert len(files) == 12
    conn = await asyncpg.connect(stack.settings.database_url)
    seen_reasons: set[str] = set()
    try:
        async with GatewayClient(stack.gateway_url, token=stack.operator_token) as gateway:
            for path in files:
                match = _NAME.match(path.name)
                assert match, path.name
                ref, _, _ = copy_into_inbox(stack.settings.inbox, path)
                command = RunPipeline.new(PIPELINE, {"week_ending": match["week"], "tier": match["tier"]}, file=ref)
                await publish_raw(stack.settings.nats_url, command)
                run = await wait_for_execution(gateway, command.execution_id)
                lines = path.read_text().splitlines()
                if run["status"] == "failed":
                    # A failed run must say what is wrong; it must never be a crash.
                    assert run["error"]["code"] in ("source_unreadable", "invalid_parameter"), run
                    assert run["error"]["message"]
                    continue
                assert run["status"] == "completed", run
                capture = run["capture_id"]
                accepted = await conn.fetchval(
                    "SELECT count(*) FROM finra_otc.venue_volume WHERE capture_id = $1", capture
                )
                rejects = await conn.fetch(
                    "SELECT line_no, reason, detail, raw FROM quality.core_rejects WHERE capture_id = $1", capture
                )
                details = run["details"]
                assert accepted == run["rows_accepted"]
                assert len(rejects) == run["rows_rejected"]
                assert accepted + len(rejects) + details["header_lines"] + details["comment_lines"] == len(lines), (
                    path.name
                )
                for reject in rejects:
                    assert reject["reason"] and reject["detail"]
                    assert reject["raw"] == lines[reject["line_no"] - 1], "the raw line is kept exactly"
                    seen_reasons.add(reject["reason"])
    finally:
        await conn.close()
    # The fixtures' scenarios show up as their reasons.
    assert {"DUPLICATE_KEY", "WRONG_FIELD_COUNT", "NEGATIVE_VALUE", "MISSING_FIELD", "INVALID_DATE"} <= seen_reasons
