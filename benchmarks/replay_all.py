"""Replay of every read model from the event store, as ``spine replay all`` does it: each
projection rebuilt beside the live one from every stored event, then swapped in while the
stack runs. The figure is the captured rows rebuilt per second of the whole replay (the rows of
every ``RowsCaptured`` event, read once by the data plane; the other projections' time counts
too). Lower bound: asyncpg's ``copy_records_to_table`` of rows already in memory, in the same run.

Needs a week in the event store: when no measurement before it loaded one, it runs the
generated week through all stages first.

    uv run python -m benchmarks.replay_all --rows 1000000
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import asyncpg

from benchmarks.bounds import copy_records_rate, read_records
from benchmarks.figures import Figure, Outcome, Target
from benchmarks.runs import run_once
from benchmarks.session import Session, run_alone
from projections.registry import PROJECTIONS
from services.adapters.eventstore.app import SpineEventStore
from services.adapters.replay import replay_many
from services.settings import Settings

__all__ = ["LABELS", "NAME", "main", "measure"]

NAME = "replay"
LABELS = (("replay_rows_per_s", "replay of every read model from the event store"),)
#: Records held in memory for the COPY bound (its rate does not depend on the count beyond this).
BOUND_ROWS = 200_000


async def replay_all(settings: Settings) -> list[dict[str, Any]]:
    app = await asyncio.to_thread(SpineEventStore.connect, settings, pool_size=2)
    conn = await asyncpg.connect(settings.database_url)
    results = []
    try:
        for result in await replay_many(conn, app, list(PROJECTIONS.values())):
            results.append(
                {"projection": result.projection, "events": result.events, "rows": result.rows_loaded,
                 "seconds": result.seconds}
            )  # fmt: skip
    finally:
        await conn.close()
        await asyncio.to_thread(app.close)
    return results


def measure(session: Session) -> Outcome:
    bench = session.bench
    if not session.week_loaded:
        asyncio.run(run_once(bench.stack, session.week_ref(), session.sizes.rows, "all", every_read_model=True))
        session.week_loaded = True
    started = time.perf_counter()
    results = asyncio.run(replay_all(bench.settings))
    seconds = time.perf_counter() - started
    rows = max((r["rows"] for r in results if r["projection"] == "finra_otc"), default=0)
    records = read_records(session.week_file(), min(session.sizes.rows, BOUND_ROWS))
    bound = asyncio.run(copy_records_rate(bench.database_url, records))
    del records
    print(
        f"replay all: {rows:,} rows in {seconds:.2f}s; "
        + ", ".join(f"{r['projection']} {r['events']:,} events {r['seconds']:.2f}s" for r in results)
    )
    key, label = LABELS[0]
    figure = Figure(
        key,
        label,
        rows / seconds if seconds else None,
        "rows/s",
        Target(">=", 1_000_000.0),
        bound["rows_per_s"],
        "asyncpg COPY of records",
        higher_is_better=True,
    )
    return Outcome([figure], {"rows": rows, "seconds": seconds, "projections": results, "copy_records": bound})


def main() -> None:
    run_alone(NAME, LABELS, measure, __doc__)


if __name__ == "__main__":
    main()
