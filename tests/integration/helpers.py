"""Building blocks for integration tests on real servers."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import spine_domains
from services.adapters.eventstore.app import SpineEventStore, StoreAdapter
from services.adapters.inbox import InboxSources
from spine_core.context import ExecutionContext
from spine_core.framework.coordinator import RunCoordinator
from spine_core.framework.messages import RunRequest
from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.generator import generate_lines
from spine_domains.finra_otc.tiers import Tier

PIPELINE = "finra.otc_transparency.ingest_week"


def write_week(inbox: Path, name: str, rows: int, week: str, tier: str = "OTC", seed: int = 1) -> str:
    inbox.mkdir(parents=True, exist_ok=True)
    with (inbox / name).open("w") as handle:
        for line in generate_lines(rows, week_ending=WeekEnding.parse(week), tier=Tier.parse(tier), seed=seed):
            handle.write(line + "\n")
    return name


def request(week: str, ref: str, tier: str = "OTC", **params: Any) -> RunRequest:
    execution_id = uuid.uuid4()
    return RunRequest(
        execution_id=execution_id,
        pipeline=PIPELINE,
        params={"week_ending": week, "tier": tier, **params},
        context=ExecutionContext(execution_id, execution_id),
        idempotency_key=str(execution_id),
        source_ref=ref,
    )


def coordinator(app: SpineEventStore, inbox: Path, **kwargs: Any) -> RunCoordinator:
    return RunCoordinator(StoreAdapter(app), spine_domains.build_registry(), InboxSources(inbox), **kwargs)
