"""One populated stack for the fitness suite: calendars, six fixture weeks and two real FINRA
weeks, each run through every stage of the weekly workflow."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from services.cli.commands.run import run_pipeline
from services.dev.stack import Stack
from services.settings import Settings
from tests.conftest import Servers, start_stack
from tests.shared_data import finra_data

INGEST = "finra.otc_transparency.ingest_week"
CALENDAR = "reference.exchange_calendar.ingest_year"
FIXTURE_WEEKS = ("2025-11-28", "2025-12-05", "2025-12-12", "2025-12-19", "2025-12-26", "2026-01-02")
REAL_WEEKS = {"2025-11-14": "finra_otc_weekly_otc_20251215.csv", "2025-11-21": "finra_otc_weekly_otc_20251222.csv"}


@dataclass
class Populated:
    stack: Stack
    runs: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def settings(self) -> Settings:
        return self.stack.settings

    def run(self, pipeline: str, params: dict[str, Any], file: Path | None = None, **kwargs: Any) -> dict[str, Any]:
        return asyncio.run(run_pipeline(self.settings, pipeline, params, file, show_progress=False, **kwargs))


@pytest.fixture(scope="package")
def populated(servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Populated]:
    calendar_dir = finra_data("calendar")
    fixtures = finra_data("fixtures_otc")
    real = finra_data("real_finra_weekly")
    with start_stack(tmp_path_factory.mktemp("fitness"), servers) as stack:
        populated = Populated(stack)
        for year in (2025, 2026):
            result = populated.run(
                CALENDAR, {"exchange": "XNYS", "year": year}, calendar_dir / f"holidays_xnys_{year}.json"
            )
            assert result["status"] == "completed", result
        # Fixture weeks in order, each through every stage: the last week's rolling sees them all.
        for week in FIXTURE_WEEKS:
            result = populated.run(
                INGEST, {"week_ending": week, "tier": "NMS_TIER_1"}, fixtures / f"week_{week}.psv", through="all"
            )
            assert result["status"] == "completed" and not result["failed_stages"], result
            populated.runs[f"fixture {week}"] = result
        # Real FINRA downloads: no week given, it is inferred from the publication date.
        for week, name in REAL_WEEKS.items():
            result = populated.run(INGEST, {"tier": "OTC"}, real / name, through="all")
            assert result["status"] == "completed" and not result["failed_stages"], result
            assert result["partition_key"] == f"week_ending={week}/tier=OTC"
            populated.runs[f"real {week}"] = result
        yield populated
