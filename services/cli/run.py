"""`spine run`: publish a RunPipeline, show its progress, print the result."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn, TransferSpeedColumn

import spine_domains
from contracts.commands import RunPipeline
from contracts.progress import RunProgressMessage
from services.cli.client import GatewayClient, submit_and_wait, summarize
from services.cli.output import err, out, print_json, table
from services.settings import Settings
from spine_core.framework.params import parse_key_values
from spine_core.framework.registry import REGISTRY

__all__ = ["run_pipeline", "build_params", "print_outcome"]


def build_params(
    pipeline: str, week_ending: str | None, tier: str | None, pairs: list[str], force: bool
) -> dict[str, Any]:
    """Collect parameters and check them against the pipeline before anything is sent."""
    spine_domains.load()
    target = REGISTRY.get(pipeline)
    params: dict[str, Any] = parse_key_values(pairs)
    if week_ending is not None:
        params["week_ending"] = week_ending
    if tier is not None:
        params["tier"] = tier
    if force:
        params["force"] = True
    target.parse_params(params)  # raises InvalidParameter with a clear message
    return params


async def run_pipeline(
    settings: Settings,
    pipeline: str,
    params: dict[str, Any],
    file: Path | None,
    *,
    lane: str = "normal",
    show_progress: bool = True,
    trigger_source: str = "cli",
) -> dict[str, Any]:
    assert settings.gateway_url
    started = time.monotonic()
    ref = None
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TextColumn("{task.fields[rows]}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not show_progress,
    )
    with progress:
        if file is not None:
            task = progress.add_task("upload", total=file.stat().st_size if file.exists() else None, rows="")
            async with GatewayClient(settings.gateway_url, timeout=600) as gateway:
                uploaded = await gateway.upload(file, on_bytes=lambda n: progress.advance(task, n))
            ref = uploaded["file"]
            progress.remove_task(task)
        run_task = progress.add_task("queued", total=None, rows="")

        def on_progress(msg: RunProgressMessage) -> None:
            rows = f"{msg.rows_accepted:,} rows, {msg.rows_rejected:,} rejected"
            progress.update(
                run_task, description=msg.phase, total=msg.bytes_total or None, completed=msg.bytes_done, rows=rows
            )

        def on_status(status: str) -> None:
            progress.update(run_task, description=status)

        command = RunPipeline.new(pipeline, params, file=ref, trigger_source=trigger_source, lane=lane)  # type: ignore[arg-type]
        execution = await submit_and_wait(settings, command, on_progress=on_progress, on_status=on_status)
    result = summarize(execution)
    result["duration_s"] = round(time.monotonic() - started, 3)
    return result


def print_outcome(result: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(result)
        return
    colour = {"completed": "green", "skipped": "yellow", "failed": "red"}.get(result["status"], "white")
    out.print(f"[bold {colour}]{result['status']}[/]  {result['pipeline']}  {result['partition_key']}", highlight=False)
    rows = [
        ["execution", result["execution_id"]],
        ["capture", result.get("capture_id") or "-"],
        ["rows accepted", result.get("rows_accepted")],
        ["rows rejected", result.get("rows_rejected")],
        ["duration", f"{result['duration_s']:.2f} s"],
    ]
    if result.get("reject_reasons"):
        rows.append(["reject reasons", ", ".join(f"{k}: {v}" for k, v in sorted(result["reject_reasons"].items()))])
    out.print(table("", ["", ""], rows))
    if result.get("skip_reason"):
        out.print(f"[yellow]skipped:[/] {result['skip_reason']}", highlight=False)
    if result.get("error"):
        error = result["error"]
        out.print(f"[red]error:[/] {error.get('message')}", highlight=False)
        if error.get("hint"):
            out.print(f"[yellow]hint:[/] {error['hint']}", highlight=False)


def run_sync(*args: Any, **kwargs: Any) -> dict[str, Any]:
    return asyncio.run(run_pipeline(*args, **kwargs))
