"""`spine run` (submit a RunPipeline, show its progress, print the result) and `spine pipelines`."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn, TransferSpeedColumn

import spine_domains
from contracts.commands import RunPipeline
from contracts.progress import RunProgressMessage
from services.cli.app import DataDir, JsonOut, handle_errors, running_settings
from services.cli.client import GatewayClient, summarize
from services.cli.output import EXIT_FAILED, err, fail, out, print_json, table
from services.cli.submit import Route, submit_and_wait
from services.settings import Settings
from spine_core.framework.describe import check_through, describe
from spine_core.framework.params import parse_key_values
from spine_core.framework.registry import PipelineRegistry

__all__ = ["build_params", "pipelines", "print_outcome", "run", "run_pipeline", "run_sync"]


@handle_errors
def run(
    pipeline: Annotated[
        str, typer.Argument(help="pipeline name, e.g. finra.otc_transparency.ingest_week (see `spine pipelines`)")
    ],
    week_ending: Annotated[
        str | None, typer.Option("--week-ending", help="the Friday that ends the week, YYYY-MM-DD")
    ] = None,
    tier: Annotated[
        str | None, typer.Option(help="NMS_TIER_1, NMS_TIER_2 or OTC ('NMS Tier 1', 'tier1', 'T1' work too)")
    ] = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="a local source file; it is uploaded to the gateway")
    ] = None,
    param: Annotated[
        list[str] | None, typer.Option("-p", "--param", help="pipeline parameter key=value (repeatable)")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="capture again even if this partition was captured")] = False,
    lane: Annotated[str, typer.Option(help="normal, backfill or slow")] = "normal",
    through: Annotated[
        str | None,
        typer.Option(
            help="also run the following stages up to this one: a stage (normalize, venue_share, rolling, ...) or 'all'"
        ),
    ] = None,
    as_json: JsonOut = False,
    data_dir: DataDir = None,
) -> None:
    """Run a pipeline: submit the command, follow its progress, print the result.

    The command goes on NATS when the CLI can reach it (with a live progress bar), else through
    the gateway (status changes). Exit code 1 when the run or one of its stages failed.

    Examples:
    `spine run finra.otc_transparency.ingest_week --week-ending 2025-11-14 --tier OTC --file week.csv`
    `spine run finra.otc_transparency.ingest_week --tier OTC --file week.csv --through all -p window=4`
    (the week is inferred from the file's publication date when --week-ending is left out)
    """
    if lane not in ("normal", "backfill", "slow"):
        fail(f"unknown lane {lane!r}", "use normal, backfill or slow")
    if file is not None and not file.is_file():
        fail(f"file {file} does not exist or is not a regular file", "check the path")
    registry = spine_domains.build_registry()
    params, stage_params = build_params(registry, pipeline, week_ending, tier, list(param or []), force, through)
    settings = running_settings(data_dir)
    result = run_sync(
        settings,
        pipeline,
        params,
        file,
        lane=lane,
        show_progress=not as_json,
        through=through,
        stage_params=stage_params,
    )
    print_outcome(result, as_json)
    if result["status"] == "failed" or result.get("failed_stages"):
        raise typer.Exit(EXIT_FAILED)


@handle_errors
def pipelines(as_json: JsonOut = False) -> None:
    """List the pipelines and their parameters."""
    data = [describe(p) for p in spine_domains.build_registry().all()]
    if as_json:
        print_json(data)
        return
    for p in data:
        params = ", ".join(f"{x['name']}{'*' if x['required'] else ''} ({x['type']})" for x in p["params"])
        out.print(f"[bold]{p['name']}[/]  {p['description']}\n  params: {params}  (* required)", highlight=False)


def build_params(
    registry: PipelineRegistry,
    pipeline: str,
    week_ending: str | None,
    tier: str | None,
    pairs: list[str],
    force: bool,
    through: str | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Collect parameters and check them before anything is sent.

    Returns (params of the pipeline, params of the following stages): with ``--through``, a
    ``-p`` value the pipeline does not take goes to the stages that do (e.g. ``window`` for
    rolling); a value no stage in scope takes is an error.
    """
    target = registry.get(pipeline)
    values: dict[str, Any] = parse_key_values(pairs)
    if week_ending is not None:
        values["week_ending"] = week_ending
    if tier is not None:
        values["tier"] = tier
    if force:
        values["force"] = True
    own = {s.name for s in target.param_specs()}
    params = {k: v for k, v in values.items() if k in own}
    stage_params: dict[str, Any] = {}
    if through is not None:
        check_through(registry, target.name, through)
        workflow = registry.workflow_of(target.name)
        assert workflow is not None
        scope = workflow.scope(through)
        taken = {s.name for name in scope for s in registry.get(name).param_specs()} - {"force"}
        stage_params = {k: v for k, v in values.items() if k not in own and k in taken}
        for name in scope - {target.name}:  # the stages will parse them: check now, not minutes later
            stage = registry.get(name)
            known = {s.name for s in stage.param_specs()}
            subset = {k: v for k, v in {**stage_params, **params}.items() if k in known}
            for spec in stage.param_specs():
                if spec.name in subset:
                    spec.parse(subset[spec.name])
    leftover = {k: v for k, v in values.items() if k not in params and k not in stage_params}
    target.parse_params({**params, **leftover})  # raises InvalidParameter naming the unknown ones
    return params, stage_params


async def run_pipeline(
    settings: Settings,
    pipeline: str,
    params: dict[str, Any],
    file: Path | None,
    *,
    lane: str = "normal",
    show_progress: bool = True,
    trigger_source: str = "cli",
    through: str | None = None,
    stage_params: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Upload the file if any, submit the command, follow it to its end and summarize it."""
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
            async with GatewayClient(settings.gateway_url, timeout=600, token=settings.api_token) as gateway:
                uploaded = await gateway.upload(file, on_bytes=lambda n: progress.advance(task, n))
            ref = uploaded["file"]
            progress.remove_task(task)
        run_task = progress.add_task("queued", total=None, rows="")

        def on_progress(msg: RunProgressMessage) -> None:
            rows = f"{msg.rows_accepted:,} rows, {msg.rows_rejected:,} rejected"
            progress.update(
                run_task, description=msg.phase, total=msg.bytes_total or None, completed=msg.bytes_done, rows=rows
            )

        via_gateway = False

        def on_route(route: Route, warning: str | None) -> None:
            nonlocal via_gateway
            via_gateway = route == "gateway"
            if warning and show_progress:
                progress.console.print(f"[yellow]warning:[/] {warning}", highlight=False)
            if via_gateway and show_progress:
                progress.console.print("submitting through the gateway: following the run's status", style="dim")

        def on_status(status: str) -> None:
            progress.update(run_task, description=status)
            if via_gateway and show_progress:  # no progress stream without NATS: each change on its own line
                progress.console.print(f"{time.monotonic() - started:7.1f}s  {status}", highlight=False)

        command = RunPipeline.new(
            pipeline,
            params,
            file=ref,
            trigger_source=trigger_source,  # type: ignore[arg-type]
            lane=lane,  # type: ignore[arg-type]
            through=through,
            stage_params=stage_params,
        )
        execution = await submit_and_wait(
            settings, command, on_progress=on_progress, on_status=on_status, on_route=on_route
        )
    result = summarize(execution)
    result["duration_s"] = round(time.monotonic() - started, 3)
    return result


def print_outcome(result: dict[str, Any], as_json: bool) -> None:
    """The run's outcome: status, counts, stages, skip reason or error with its hint."""
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
    if result.get("stages"):
        stage_rows = [
            [
                s["pipeline"].rsplit(".", 1)[-1],
                s["status"],
                s["partition_key"],
                s.get("rows"),
                (s.get("error") or {}).get("message"),
            ]
            for s in result["stages"]
        ]
        out.print(table("Stages", ["stage", "status", "partition", "rows", "error"], stage_rows, right={"rows"}))
    if result.get("skip_reason"):
        out.print(f"[yellow]skipped:[/] {result['skip_reason']}", highlight=False)
    if result.get("error"):
        error = result["error"]
        out.print(f"[red]error:[/] {error.get('message')}", highlight=False)
        if error.get("hint"):
            out.print(f"[yellow]hint:[/] {error['hint']}", highlight=False)


def run_sync(*args: Any, **kwargs: Any) -> dict[str, Any]:
    """:func:`run_pipeline` from synchronous code."""
    return asyncio.run(run_pipeline(*args, **kwargs))
