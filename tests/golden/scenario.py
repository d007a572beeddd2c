"""The runs a golden recording is made of: between them they record every event type.

* a calendar ingest (``reference``), completed;
* two small FINRA weeks, the first with two bad lines (``RowsRejected``), the second with a non-ATS
  firm row; chained (``through``) when ``chained``: the first through ``aggregate``, the second
  through every stage, so every derived stage and calc reads its inputs;
* the second week's file again (``RunSkipped``), then forced (a second capture of the partition);
* a calendar file that is not JSON: the run fails mid-capture (``CaptureAbandoned``, ``RunFailed``,
  ``PartitionReleased``);
* when ``chained``, a backfill of a third week from an uploaded folder (the backfill plan, and the
  week's ingest on the backfill lane).

The inputs are generated from fixed seeds, so every recording is made of the same files.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

from services.cli.client import GatewayClient
from services.cli.commands.generate import write_calendar_file, write_week_file
from services.cli.commands.run import run_pipeline
from services.settings import Settings
from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.tiers import Tier

__all__ = ["run_scenario"]

INGEST = "finra.otc_transparency.ingest_week"
CALENDAR = "reference.exchange_calendar.ingest_year"
BACKFILL = "finra.otc_transparency.backfill_range"
WEEKS = ("2025-11-21", "2025-11-28")
BACKFILL_WEEK = "2025-12-05"
BAD_LINES = ("NMS Tier 1|BADV|Bad Volume Inc|XXXX XXXX ATS|XXXX|not-a-number|3|2025-12-15", "garbage without fields")


def _run(settings: Settings, pipeline: str, params: dict[str, Any], file: Path | None, **kwargs: Any) -> dict[str, Any]:
    return asyncio.run(run_pipeline(settings, pipeline, params, file, show_progress=False, **kwargs))


def _week_file(path: Path, week: str, seed: int) -> Path:
    return write_week_file(path, 12, WeekEnding.parse(week), Tier.NMS_TIER_1, seed, 7)


def _non_ats_line(path: Path) -> str:
    """A non-ATS firm row (a participant name, no MPID) for the file's first symbol."""
    first = path.read_text(encoding="utf-8").splitlines()[1].split("|")
    tier, symbol, name, last_update = first[0], first[1], first[2], first[-1]
    return f"{tier}|{symbol}|{name}|De Minimis Firms||5000|25|{last_update}"


async def _upload_folder(settings: Settings, paths: list[Path]) -> str:
    assert settings.gateway_url
    folder = f"golden-backfill-{uuid.uuid4().hex[:8]}"
    async with GatewayClient(settings.gateway_url, token=settings.api_token) as gateway:
        for path in paths:
            await gateway.upload(path, folder=folder)
    return folder


def _expect(result: dict[str, Any], status: str) -> None:
    if result["status"] != status or (status == "completed" and result.get("failed_stages")):
        raise RuntimeError(f"expected {status}: {result}")


def run_scenario(settings: Settings, files: Path, *, chained: bool) -> None:
    files.mkdir(parents=True, exist_ok=True)
    calendar = write_calendar_file(files / "holidays_xnys_2025.json", "XNYS", 2025)
    _expect(_run(settings, CALENDAR, {"exchange": "XNYS", "year": 2025}, calendar), "completed")

    weeks = []
    for i, week in enumerate(WEEKS):
        path = _week_file(files / f"week_{week}.psv", week, i)
        extra = BAD_LINES if i == 0 else (_non_ats_line(path),)
        with path.open("a", encoding="utf-8") as handle:
            handle.write("".join(line + "\n" for line in extra))
        weeks.append(path)
        through = ("aggregate" if i == 0 else "all") if chained else None
        params = {"week_ending": week, "tier": "NMS_TIER_1"}
        _expect(_run(settings, INGEST, params, path, through=through), "completed")

    again = {"week_ending": WEEKS[1], "tier": "NMS_TIER_1"}
    _expect(_run(settings, INGEST, again, weeks[1]), "skipped")
    _expect(_run(settings, INGEST, {**again, "force": True}, weeks[1]), "completed")

    broken = files / "holidays_xnys_2026.json"
    broken.write_text('{"exchange_code": "XNYS", "year": 2026, "holidays": [', encoding="utf-8")
    _expect(_run(settings, CALENDAR, {"exchange": "XNYS", "year": 2026}, broken), "failed")

    if chained:
        folder = files / "backfill"
        folder.mkdir()
        inbox_folder = asyncio.run(
            _upload_folder(settings, [_week_file(folder / f"week_{BACKFILL_WEEK}.psv", BACKFILL_WEEK, 2)])
        )
        params = {"tier": "NMS_TIER_1", "weeks": BACKFILL_WEEK, "source_dir": inbox_folder, "through": "ingest"}
        _expect(_run(settings, BACKFILL, params, None, lane="backfill"), "completed")
