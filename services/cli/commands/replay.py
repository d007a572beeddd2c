"""`spine replay PROJECTION|all`: rebuild read models from the event store and swap them in."""

from __future__ import annotations

import asyncio
import time
from typing import Annotated, Any

import asyncpg
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from projections.registry import PROJECTIONS, get_projection
from services.adapters.eventstore.app import SpineEventStore
from services.adapters.replay import replay
from services.cli.app import DataDir, JsonOut, handle_errors, settings_for
from services.cli.output import EXIT_UNAVAILABLE, err, fail, out, print_json, table
from services.settings import Settings
from spine_core.errors import NotFound

__all__ = ["replay_projections", "run_replay"]


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
            for projection in names:
                with Progress(
                    TextColumn(f"[bold]{projection}"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    TextColumn("{task.fields[rate]}"),
                    TimeElapsedColumn(),
                    TimeRemainingColumn(),
                    console=err,
                    transient=True,
                    disable=as_json,
                ) as progress:
                    task = progress.add_task(projection, total=None, rate="")
                    started = time.monotonic()

                    def on_progress(
                        position: int, head: int, events: int, task: Any = task, started: float = started
                    ) -> None:
                        elapsed = max(time.monotonic() - started, 1e-6)
                        progress.update(task, completed=position, total=head, rate=f"{events / elapsed:,.0f} events/s")

                    result = await replay(conn, app, PROJECTIONS[projection], on_progress=on_progress)
                results.append(
                    {
                        "projection": projection,
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
    if as_json:
        print_json(results)
    else:
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
    return results


@handle_errors
def replay_projections(
    projection: Annotated[str, typer.Argument(help="manifest, finra_otc, quality, reference, or all")],
    as_json: JsonOut = False,
    data_dir: DataDir = None,
) -> None:
    """Rebuild read models from the event store (the source of truth) into new tables beside
    the live ones, then swap them in atomically: queries keep answering throughout."""
    settings = settings_for(data_dir)
    if not settings.database_url:
        fail("no database configured", "start `spine dev` or set SPINE_DATABASE_URL", EXIT_UNAVAILABLE)
    run_replay(settings, projection, as_json)
