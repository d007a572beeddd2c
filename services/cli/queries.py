"""`spine query <calc>|quality|rejects|manifest|calcs`: the read models, as tables or JSON."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Any

import typer

from projections.finra_otc.views import CALC_VIEWS, CalcView
from services.cli.client import GatewayClient
from services.cli.output import err, out, print_json, table
from services.settings import Settings

__all__ = ["register", "get_json", "show_body"]

WeekOpt = Annotated[str, typer.Option("--week-ending", help="the Friday that ends the week")]
TierOpt = Annotated[str, typer.Option(help="NMS_TIER_1, NMS_TIER_2 or OTC")]
DataDirOpt = Annotated[Path | None, typer.Option("--data-dir", help="the data directory of a running `spine dev`")]


def get_json(settings: Settings, path: str, **params: Any) -> dict[str, Any]:
    async def call() -> dict[str, Any]:
        assert settings.gateway_url
        async with GatewayClient(settings.gateway_url) as gateway:
            return await gateway.get(path, **params)

    return asyncio.run(call())


def show_body(body: dict[str, Any], title: str, as_json: bool) -> None:
    if as_json:
        print_json(body)
        return
    meta = body.get("meta", {})
    if meta.get("warning"):
        err.print(f"[bold yellow]warning:[/] {meta['warning']}", highlight=False)
    rows = body["data"]
    if not rows:
        out.print(f"{title}: no rows")
        return
    columns = list(rows[0])
    numeric = {
        c for c in columns if all(isinstance(r.get(c), int | float) and not isinstance(r.get(c), bool) for r in rows)
    }
    clocks = ", ".join(
        f"{k} {meta[k]}" for k in ("week_ending", "tier", "capture_id", "captured_at", "source_updated") if meta.get(k)
    )
    calc = meta.get("calc")
    calc_text = f", {calc['name']} {calc['version']}" if calc else ""
    context = f"{clocks}{calc_text}".lstrip(", ")
    head = f"{title} ({context})" if context else title
    out.print(table(head, columns, [[_fmt(r.get(c)) for c in columns] for r in rows], right=numeric))
    if meta.get("total") is not None and meta["total"] > len(rows):
        out.print(f"{len(rows)} of {meta['total']} rows (use --limit / --offset)")


def _fmt(value: Any) -> Any:
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".")
    if isinstance(value, dict | list):
        return str(value)
    return value


def _calc_command(view: CalcView, settings_of: Any, handle_errors: Any) -> Any:
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
            settings_of(data_dir),
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


def register(query_app: typer.Typer, settings_of: Any, handle_errors: Any) -> None:
    for view in CALC_VIEWS:
        query_app.command(view.cli)(_calc_command(view, settings_of, handle_errors))

    @query_app.command("quality")
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
            settings_of(data_dir), "/v1/quality", week_ending=week_ending, tier=tier, anomalies_only=anomalies
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

    @query_app.command("rejects")
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
            settings_of(data_dir), "/v1/rejects", week_ending=week_ending, tier=tier, reason=reason, limit=limit
        )
        if not as_json and body["meta"].get("reasons"):
            out.print("by reason: " + ", ".join(f"{k} {v}" for k, v in body["meta"]["reasons"].items()))
        show_body(body, "Rejects", as_json)

    @query_app.command("manifest")
    @handle_errors
    def manifest(
        week_ending: WeekOpt,
        tier: TierOpt,
        as_json: Annotated[bool, typer.Option("--json")] = False,
        data_dir: DataDirOpt = None,
    ) -> None:
        """Which stages of a week and tier completed, by which execution and capture."""
        body = get_json(settings_of(data_dir), "/v1/manifest", week_ending=week_ending, tier=tier)
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

    @query_app.command("calcs")
    @handle_errors
    def calcs(as_json: Annotated[bool, typer.Option("--json")] = False, data_dir: DataDirOpt = None) -> None:
        """The calc registry: versions, the current one, deprecated ones."""
        body = get_json(settings_of(data_dir), "/v1/calcs")
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
