"""`spine query weeks|symbols|<calc>|quality|rejects|manifest|calcs`: read models through the gateway."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from projections.finra_otc.views import CALC_VIEWS, CalcView
from services.cli.app import DataDir, JsonOut, handle_errors, running_settings
from services.cli.output import out, print_json, table
from services.cli.read_models import get_json, query_symbols, query_weeks, show_body, show_symbols, show_weeks

__all__ = ["create_query_app"]

WeekOpt = Annotated[str, typer.Option("--week-ending", help="the Friday that ends the week")]
TierOpt = Annotated[str, typer.Option(help="NMS_TIER_1, NMS_TIER_2 or OTC")]
DataDirOpt = Annotated[Path | None, typer.Option("--data-dir", help="the data directory of a running `spine dev`")]


def create_query_app() -> typer.Typer:
    """The `spine query` group: weeks and symbols, one command per calc view, then the rest."""
    query_app = typer.Typer(help="Query read models through the gateway.", no_args_is_help=True)
    query_app.command("weeks")(weeks)
    query_app.command("symbols")(symbols)
    for view in CALC_VIEWS:
        query_app.command(view.cli)(_calc_command(view))
    query_app.command("quality")(quality)
    query_app.command("rejects")(rejects)
    query_app.command("manifest")(manifest)
    query_app.command("calcs")(calcs)
    return query_app


@handle_errors
def weeks(
    tier: Annotated[str | None, typer.Option(help="only this tier")] = None,
    as_json: JsonOut = False,
    data_dir: DataDir = None,
) -> None:
    """Weeks with data, latest capture first."""
    settings = running_settings(data_dir)
    show_weeks(asyncio.run(query_weeks(settings, tier)), as_json)


@handle_errors
def symbols(
    week_ending: Annotated[str, typer.Option("--week-ending", help="the Friday that ends the week")],
    tier: Annotated[str, typer.Option(help="NMS_TIER_1, NMS_TIER_2 or OTC")],
    top: Annotated[int, typer.Option(min=1, max=100_000, help="how many symbols")] = 10,
    capture_id: Annotated[str | None, typer.Option("--capture-id", help="a specific capture (default: latest)")] = None,
    as_json: JsonOut = False,
    data_dir: DataDir = None,
) -> None:
    """Top symbols of a week by total off-exchange volume."""
    settings = running_settings(data_dir)
    show_symbols(asyncio.run(query_symbols(settings, week_ending, tier, top, capture_id)), as_json)


def _calc_command(view: CalcView) -> Callable[..., None]:
    """The command of one calc view: its rows for a week and tier, filtered and paged."""

    @handle_errors
    def command(
        week_ending: WeekOpt,
        tier: TierOpt,
        symbol: Annotated[str | None, typer.Option(help="only this symbol")] = None,
        limit: Annotated[int, typer.Option(min=1, max=100_000, help="rows")] = 20,
        offset: Annotated[int, typer.Option(min=0)] = 0,
        window: Annotated[int | None, typer.Option(min=1, max=52, help="weeks (rolling only)")] = None,
        calc_version: Annotated[str | None, typer.Option("--calc-version", help="e.g. v1 (default: current)")] = None,
        capture_id: Annotated[str | None, typer.Option("--capture-id", help="a specific capture")] = None,
        as_of: Annotated[
            str | None, typer.Option("--as-of", help="latest capture at or before this time (ISO)")
        ] = None,
        as_json: Annotated[bool, typer.Option("--json")] = False,
        data_dir: DataDirOpt = None,
    ) -> None:
        body = get_json(
            running_settings(data_dir),
            f"/v1/data/{view.path}",
            week_ending=week_ending,
            tier=tier,
            symbol=symbol,
            limit=limit,
            offset=offset,
            window=window,
            calc_version=calc_version,
            capture_id=capture_id,
            as_of=as_of,
        )
        show_body(body, view.summary, as_json)

    command.__doc__ = f"{view.summary} (GET /v1/data/{view.path})."
    return command


@handle_errors
def quality(
    week_ending: WeekOpt,
    tier: TierOpt,
    anomalies: Annotated[bool, typer.Option("--anomalies", help="only checks that did not pass")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    data_dir: DataDirOpt = None,
) -> None:
    """Quality checks and anomalies of every stage of a week and tier."""
    body = get_json(
        running_settings(data_dir), "/v1/quality", week_ending=week_ending, tier=tier, anomalies_only=anomalies
    )
    if not as_json:
        body = {
            **body,
            "data": [
                {"stage": r["pipeline"].rsplit(".", 1)[-1], "check": r["check"], "status": r["status"],
                 "severity": r["severity"], "message": r["message"]}
                for r in body["data"]
            ],
        }  # fmt: skip
    show_body(body, f"Quality of {body['meta']['partition']} ({body['meta']['anomalies']} anomalies)", as_json)


@handle_errors
def rejects(
    week_ending: WeekOpt,
    tier: TierOpt,
    reason: Annotated[str | None, typer.Option(help="only this reason code")] = None,
    limit: Annotated[int, typer.Option(min=1, max=50_000)] = 50,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    data_dir: DataDirOpt = None,
) -> None:
    """Rejected input lines of a week and tier, with reason, line number and the raw line."""
    body = get_json(
        running_settings(data_dir), "/v1/rejects", week_ending=week_ending, tier=tier, reason=reason, limit=limit
    )
    if not as_json and body["meta"].get("reasons"):
        out.print("by reason: " + ", ".join(f"{k} {v}" for k, v in body["meta"]["reasons"].items()))
    show_body(body, "Rejects", as_json)


@handle_errors
def manifest(
    week_ending: WeekOpt,
    tier: TierOpt,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    data_dir: DataDirOpt = None,
) -> None:
    """Which stages of a week and tier completed, by which execution and capture."""
    body = get_json(running_settings(data_dir), "/v1/manifest", week_ending=week_ending, tier=tier)
    if as_json:
        print_json(body)
        return
    rows = [
        [r["pipeline"].rsplit(".", 1)[-1], r["partition_key"].split("/", 2)[-1] if r["partition_key"].count("/") > 1 else "",
         r["rows_accepted"], r["captures"], r["capture_id"], r["execution_id"], r["completed_at"]]
        for r in body["data"]
    ]  # fmt: skip
    out.print(
        table(
            f"Manifest of {body['meta']['partition']}",
            ["stage", "version/window", "rows", "captures", "capture", "execution", "completed"],
            rows,
            right={"rows", "captures"},
        )
    )
    missing = [p.rsplit(".", 1)[-1] for p in body["meta"]["stages_missing"]]
    if missing:
        out.print(f"not reached: {', '.join(missing)}")


@handle_errors
def calcs(as_json: Annotated[bool, typer.Option("--json")] = False, data_dir: DataDirOpt = None) -> None:
    """The calc registry: versions, the current one, deprecated ones."""
    body = get_json(running_settings(data_dir), "/v1/calcs")
    if as_json:
        print_json(body)
        return
    rows = [
        [
            c["calc"],
            c["current"],
            ", ".join(v["version"] + (" (deprecated)" if v["deprecated"] else "") for v in c["versions"]),
        ]
        for c in body["data"]
    ]
    out.print(table("Calcs", ["calc", "current", "versions"], rows))
