"""A running stack with one small generated week, every stage computed: something to describe."""

from __future__ import annotations

from pathlib import Path

import httpx

from services.adapters.inbox import copy_into_inbox
from services.dev.stack import Stack
from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.generator import generate_lines
from spine_domains.finra_otc.tiers import Tier
from tests.polling import eventually_sync

__all__ = ["WEEK", "TIER", "PIPELINE", "auth_headers", "ingest_small_week"]

WEEK = "2025-11-14"
TIER = "NMS_TIER_1"
PIPELINE = "finra.otc_transparency.ingest_week"


def auth_headers(stack: Stack) -> dict[str, str]:
    """A bearer token when the stack has one (``<data_dir>/operator.token``), else no header."""
    token_file = stack.settings.data_dir / "operator.token"
    if token_file.is_file():
        return {"Authorization": f"Bearer {token_file.read_text().strip()}"}
    return {}


def ingest_small_week(stack: Stack, workdir: Path, rows: int = 300) -> dict[str, str]:
    """Ingest one generated week through every stage; returns the batch's ids."""
    source = workdir / f"finra_{WEEK}.psv"
    source.write_text(
        "\n".join(generate_lines(rows, week_ending=WeekEnding.parse(WEEK), tier=Tier.parse(TIER), seed=1)) + "\n"
    )
    ref, _, _ = copy_into_inbox(stack.settings.inbox, source)
    with httpx.Client(base_url=stack.gateway_url, headers=auth_headers(stack), timeout=30) as http:
        started = http.post(
            f"/v1/pipelines/{PIPELINE}/run",
            json={"params": {"week_ending": WEEK, "tier": TIER}, "file": ref, "through": "all"},
        )
        started.raise_for_status()
        execution_id = started.json()["data"]["execution_id"]

        def batch_done() -> bool:
            response = http.get(f"/v1/batches/{execution_id}")
            return response.status_code == 200 and bool(response.json()["data"]["done"])

        eventually_sync(batch_done, 180, "the week's stages to end")
        head = http.get("/v1/ops/caught-up").json()["data"]["position"]
        eventually_sync(
            lambda: bool(http.get("/v1/ops/caught-up", params={"position": head}).json()["data"]["caught_up"]),
            60,
            "projections to catch up",
        )
    return {"execution_id": execution_id}
