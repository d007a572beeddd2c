"""`spine backfill`: upload a folder, plan weeks to files, run each week through the workflow."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

import spine_domains
from services.cli.app import DataDir, JsonOut, handle_errors, running_settings
from services.cli.client import GatewayClient
from services.cli.commands.run import build_params, run_pipeline
from services.cli.output import EXIT_FAILED, err, fail, out, print_json, table
from services.settings import Settings
from spine_core.framework.registry import PipelineRegistry

__all__ = ["BACKFILL", "backfill", "run_backfill"]

BACKFILL = "finra.otc_transparency.backfill_range"


async def _upload_folder(settings: Settings, directory: Path, folder: str) -> int:
    files = sorted(p for p in directory.iterdir() if p.is_file() and not p.name.startswith("."))
    assert settings.gateway_url
    with Progress(
        TextColumn("upload"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err, transient=True
    ) as bar:
        task = bar.add_task("upload", total=len(files))
        async with GatewayClient(settings.gateway_url, timeout=600, token=settings.api_token) as gateway:
            for path in files:
                await gateway.upload(path, folder=folder)
                bar.advance(task)
    return len(files)


def run_backfill(
    settings: Settings,
    registry: PipelineRegistry,
    tier: str,
    weeks: str,
    directory: Path,
    through: str,
    as_json: bool,
) -> int:
    """Upload the folder, plan and run the weeks, print a report; the exit code (0 when all went well)."""
    pairs = [f"weeks={weeks}", "source_dir=.", f"through={through}"]
    params, _ = build_params(registry, BACKFILL, None, tier, pairs, False)
    folder = f"backfill-{uuid.uuid4().hex[:12]}"
    count = asyncio.run(_upload_folder(settings, directory, folder))
    if not as_json:
        out.print(
            f"uploaded {count} file(s) from {directory}; planning and running weeks {weeks} ({tier}) through {through}"
        )
    params["source_dir"] = folder
    result: dict[str, Any] = asyncio.run(
        run_pipeline(settings, BACKFILL, params, None, lane="backfill", show_progress=not as_json)
    )
    weeks_report = result.get("weeks") or []
    details = result.get("details") or {}
    missing = details.get("missing") or []
    if as_json:
        print_json(result)
    else:
        rows = [
            [w["week_ending"], "done" if w["done"] and not w["failed"] else ("failed" if w["failed"] else "pending"),
             len(w["stages"]), ", ".join(p.rsplit(".", 1)[-1] for p in w["failed"]) or "-"]
            for w in weeks_report
        ]  # fmt: skip
        out.print(
            table(f"Backfill {weeks} ({tier})", ["week", "result", "stages", "failed stages"], rows, right={"stages"})
        )
        for week in missing:
            out.print(f"[yellow]no file for week {week}[/]", highlight=False)
    failed = result["status"] == "failed" or bool(result.get("failed_stages")) or bool(missing)
    return EXIT_FAILED if failed else 0


@handle_errors
def backfill(
    tier: Annotated[str, typer.Option(help="NMS_TIER_1, NMS_TIER_2 or OTC")],
    weeks: Annotated[str, typer.Option(help="Fridays: 2025-11-28..2026-01-02 or a comma list")],
    directory: Annotated[
        Path,
        typer.Option("--dir", help="a local folder of weekly files (names carry the week or its publication date)"),
    ],
    through: Annotated[str, typer.Option(help="how far each week goes: a stage or 'all'")] = "all",
    as_json: JsonOut = False,
    data_dir: DataDir = None,
) -> None:
    """Ingest a range of weeks from a folder of files, each through the workflow, on the backfill lane.

    The files are uploaded, a backfill plan matches weeks to files, and every planned week runs
    through the stages; missing files and failed stages are reported per week.
    """
    if not directory.is_dir():
        fail(f"{directory} is not a directory", "pass the folder holding the weekly files")
    settings = running_settings(data_dir)
    code = run_backfill(settings, spine_domains.build_registry(), tier, weeks, directory, through, as_json)
    if code:
        raise typer.Exit(code)
