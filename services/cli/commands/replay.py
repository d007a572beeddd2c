"""`spine replay PROJECTION|all`: rebuild read models from the event store and swap them in.

Beside the database (a `spine dev`, SPINE_DATABASE_URL) the CLI replays itself; against a remote
Spine it asks the gateway to (``POST /v1/ops/replays``, scope ``operate``) and follows it there.
"""

from __future__ import annotations

import asyncio
import time
from typing import Annotated, Any

import asyncpg
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from projections.registry import PROJECTIONS, get_projection
from services.adapters.eventstore.app import SpineEventStore
from services.adapters.replay import replay_many
from services.cli.app import DataDir, JsonOut, handle_errors, require_running, settings_for
from services.cli.client import GatewayClient
from services.cli.output import err, out, print_json, table
from services.settings import Settings
from spine_core.errors import NotFound, SpineError, Unavailable

__all__ = ["replay_projections", "run_replay", "run_replay_in_gateway"]


def run_replay(settings: Settings, name: str, as_json: bool) -> list[dict[str, Any]]:
    if name == "all":
        names = list(PROJECTIONS)
    else:
        try:
            names = [get_projection(name).name]
        except KeyError:
            raise NotFound(
                f"unknown projection {name!r}", hint=f"choose one of: all, {', '.join(PROJECTIONS)}"
            ) from None

    async def main() -> list[dict[str, Any]]:
        app = await asyncio.to_thread(SpineEventStore.connect, settings, pool_size=2)
        conn = await asyncpg.connect(settings.database_url)
        results = []
        try:
            with _progress(as_json) as progress:
                tasks: dict[str, Any] = {}
                started: dict[str, float] = {}

                def on_progress(projection: str, position: int, head: int, events: int) -> None:
                    if projection not in tasks:
                        tasks[projection] = progress.add_task(projection, total=None, rate="")
                        started[projection] = time.monotonic()
                    elapsed = max(time.monotonic() - started[projection], 1e-6)
                    progress.update(tasks[projection], completed=position, total=head,
                                    rate=f"{events / elapsed:,.0f} events/s")  # fmt: skip

                replayed = await replay_many(conn, app, [PROJECTIONS[n] for n in names], on_progress=on_progress)
            for result in replayed:
                results.append(
                    {
                        "projection": result.projection,
                        "events": result.events,
                        "rows": result.rows_loaded,
                        "position": result.position,
                        "seconds": round(result.seconds, 3),
                        "events_per_s": round(result.events / result.seconds, 1) if result.seconds else None,
                        "rows_per_s": round(result.rows_loaded / result.seconds, 1) if result.seconds else None,
                    }
                )
        finally:
            await conn.close()
            app.close()
        return results

    results = asyncio.run(main())
    _print_results(results, as_json)
    return results


def _progress(as_json: bool) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=as_json,
    )


def run_replay_in_gateway(settings: Settings, name: str, as_json: bool) -> list[dict[str, Any]]:
    """Ask the gateway to replay ``name`` (or ``all``) and follow it to its end."""

    async def main() -> list[dict[str, Any]]:
        assert settings.gateway_url
        async with GatewayClient(settings.gateway_url, token=settings.api_token) as gateway:
            replay_id = (await gateway.post("/v1/ops/replays", {"projection": name}))["data"]["id"]
            with _progress(as_json) as progress:
                task = progress.add_task(name, total=None, rate="")
                while True:
                    replays = (await gateway.get("/v1/ops/replays"))["data"]
                    record = next((r for r in replays if r["id"] == replay_id), None)
                    if record is None:  # kept in the gateway's memory: a restart, or another replica
                        raise Unavailable(
                            f"the gateway no longer knows replay {replay_id}",
                            hint="was it restarted? `spine lag` shows whether the projections are live",
                        )
                    if now := record["progress"]:
                        progress.update(task, description=now["projection"], completed=now["position"],
                                        total=now["head"], rate=f"{now['events_per_s']:,.0f} events/s")  # fmt: skip
                    if record["status"] != "running":
                        break
                    await asyncio.sleep(0.5)
        if record["status"] == "failed":
            raise SpineError(f"the replay failed in the gateway: {record['error']}", hint="see the gateway's log")
        return record["results"]  # type: ignore[no-any-return]

    results = asyncio.run(main())
    _print_results(results, as_json)
    return results


def _print_results(results: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        print_json(results)
        return
    rows = [
        [
            r["projection"],
            r["events"],
            r["rows"],
            f"{r['seconds']:.2f}s",
            f"{r['events_per_s'] or 0:,.0f}",
            f"{r['rows_per_s'] or 0:,.0f}",
        ]
        for r in results
    ]
    out.print(
        table(
            "Replayed (rebuilt beside the live tables, then swapped in)",
            ["projection", "events", "rows read", "time", "events/s", "rows/s"],
            rows,
            right={"events", "rows"},
        )
    )


@handle_errors
def replay_projections(
    projection: Annotated[str, typer.Argument(help="manifest, finra_otc, quality, reference, or all")],
    as_json: JsonOut = False,
    data_dir: DataDir = None,
) -> None:
    """Rebuild read models from the event store (the source of truth) into new tables beside
    the live ones, then swap them in atomically: queries keep answering throughout. Without the
    database at hand (a remote Spine), the gateway does it (a token of scope `operate`)."""
    settings = settings_for(data_dir)
    if settings.database_url:
        run_replay(settings, projection, as_json)
    else:
        run_replay_in_gateway(require_running(settings), projection, as_json)
