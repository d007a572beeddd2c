"""Read your writes as a client does it, on the whole stack: run with ``wait``, take the answer's
``position``, read with ``min_position`` and get the rows at once; with a projector stopped, its
reads answer 503 with Retry-After after the bounded wait while the others still serve."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from services.adapters.inbox import copy_into_inbox
from services.dev.stack import Stack
from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.generator import generate_lines
from spine_domains.finra_otc.tiers import Tier
from tests.e2e.helpers import PIPELINE
from tests.polling import eventually

pytestmark = [pytest.mark.e2e]

RUN = f"/v1/pipelines/{PIPELINE}/run"
TIER = "NMS_TIER_1"


def _upload(stack: Stack, tmp_path: Path, week: str) -> str:
    source = tmp_path / f"finra_{week}.psv"
    lines = generate_lines(300, week_ending=WeekEnding.parse(week), tier=Tier.parse(TIER), seed=7)
    source.write_text("\n".join(lines) + "\n")
    ref, _, _ = copy_into_inbox(stack.settings.inbox, source)
    return ref


def _client(stack: Stack) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=stack.gateway_url, headers=stack.auth_headers, timeout=120)


def _week(week: str, **more: Any) -> dict[str, Any]:
    return {"week_ending": week, "tier": TIER, **more}


async def test_a_run_with_wait_gives_the_position_its_results_are_read_at(stack: Stack, tmp_path: Path) -> None:
    week = "2025-10-31"  # weeks of this module's own: the stack is shared (tests/e2e/conftest.py)
    body = {"params": {"week_ending": week, "tier": TIER}, "file": _upload(stack, tmp_path, week)}
    async with _client(stack) as http:
        answer = await http.post(RUN, params={"wait": 60}, json={**body, "through": "venue_share"})
        assert answer.status_code == 200, answer.text
        ended = answer.json()["data"]
        assert ended["status"] == "completed" and ended["batch"]["done"] and not ended["batch"]["failed"]
        assert answer.headers["location"] == ended["poll"]
        position = ended["position"]
        assert position == ended["batch"]["position"] >= ended["execution"]["position"]

        # No polling: the first read with the position has every row of every stage.
        symbols = await http.get("/v1/data/symbols", params=_week(week, min_position=position))
        assert symbols.status_code == 200, symbols.text
        assert symbols.json()["data"]
        shares = await http.get("/v1/data/venue-shares", params=_week(week, min_position=position))
        assert shares.status_code == 200 and shares.json()["data"], shares.text
        batch = await http.get(f"/v1/batches/{ended['execution']['batch_id']}", params={"min_position": position})
        assert batch.status_code == 200 and batch.json()["data"]["position"] == position
        polled = await http.get(ended["poll"], params={"min_position": position})
        assert polled.json()["data"]["position"] == ended["execution"]["position"]

        queued = await http.post(RUN, json=body)  # without wait: the position comes later, on the poll URL
        assert queued.status_code == 202 and queued.json()["data"]["position"] is None

        beyond = await http.get("/v1/data/weeks", params={"min_position": position + 10**9})
        assert beyond.status_code == 400 and beyond.json()["code"] == "position_not_recorded"


async def test_reads_of_a_stopped_projectors_read_model_answer_503_with_retry_after(
    stack: Stack, tmp_path: Path
) -> None:
    week = "2025-11-07"
    ref = _upload(stack, tmp_path, week)
    stack.kill("projector:finra_otc")
    try:
        async with _client(stack) as http:
            answer = await http.post(RUN, params={"wait": 60}, json={"params": _week(week), "file": ref})
            assert answer.status_code == 200, answer.text  # the run and the manifest do not need finra_otc
            position = answer.json()["data"]["position"]

            behind = await http.get("/v1/data/symbols", params=_week(week, min_position=position))
            assert behind.status_code == 503, behind.text
            assert behind.headers["retry-after"] == "1"
            problem = behind.json()
            assert problem["code"] == "not_yet_applied" and problem["details"]["behind"].keys() == {"finra_otc"}
            assert problem["details"]["waited_s"] == stack.settings.read_wait_seconds
            execution = await http.get(answer.json()["data"]["poll"], params={"min_position": position})
            assert execution.status_code == 200  # the manifest's reads still serve
    finally:
        stack.restart("projector:finra_otc")

    async with _client(stack) as http:

        async def read() -> httpx.Response:
            return await http.get("/v1/data/symbols", params=_week(week, min_position=position))

        served = await eventually(
            read, 90, "the restarted projector to apply the run", until=lambda r: r.status_code == 200
        )
        assert served.json()["data"]
