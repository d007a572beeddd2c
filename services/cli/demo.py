"""`spine demo`: generated FINRA weeks through the whole stack, then a readable summary."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from services.cli.output import out
from services.cli.query import query_symbols, query_weeks, show_symbols, show_weeks
from services.cli.run import run_pipeline
from services.dev.state import read_state, resolve_settings
from services.settings import Settings, load_settings
from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.generator import generate_lines
from spine_domains.finra_otc.tiers import Tier

__all__ = ["run_demo", "DEMO_LAST_WEEK"]

PIPELINE = "finra.otc_transparency.ingest_week"
DEMO_LAST_WEEK = WeekEnding.parse("2025-11-14")


def write_week(path: Path, rows: int, week: WeekEnding, tier: Tier, seed: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        with tmp.open("w", encoding="ascii", newline="\n") as handle:
            for line in generate_lines(rows, week_ending=week, tier=tier, seed=seed):
                handle.write(line + "\n")
        tmp.replace(path)
    return path


async def ingest_demo_weeks(settings: Settings, weeks: int, rows: int, tier: Tier, seed: int) -> list[dict[str, Any]]:
    results = []
    for i in reversed(range(weeks)):
        week = DEMO_LAST_WEEK.shift(-i)
        path = write_week(
            settings.data_dir / "demo" / f"finra_{tier.value.lower()}_{week}_{rows}r_s{seed}.psv",
            rows,
            week,
            tier,
            seed + i,
        )
        result = await run_pipeline(
            settings, PIPELINE, {"week_ending": str(week), "tier": tier.value}, path, show_progress=True
        )
        note = result.get("skip_reason") or f"{result['rows_accepted']:,} rows, {result['rows_rejected']:,} rejected"
        out.print(f"  week {week} {tier.value}: [bold]{result['status']}[/] — {note}", highlight=False)
        results.append(result)
    return results


def run_demo(
    *, data_dir: Path | None, port: int, weeks: int, rows: int, tier: str, seed: int, keep_serving: bool
) -> None:
    from services.cli.main import _print_stack, _serve_until_signal
    from services.dev.stack import Stack

    canonical = Tier.parse(tier)
    base = load_settings(**({"data_dir": data_dir} if data_dir else {}), gateway_port=port)
    stack = None
    if read_state(base.data_dir) is None:
        out.print("starting Spine (embedded PostgreSQL and NATS JetStream)…")
        stack = Stack(base)
        stack.start()
        settings = resolve_settings(stack.settings.model_copy(update={"gateway_url": stack.gateway_url}))
    else:
        settings = resolve_settings(base)
        out.print(f"using the running Spine at {settings.gateway_url}")
    try:
        out.print(f"ingesting {weeks} generated week(s) of {rows:,} rows ({canonical.value}, seed {seed})")
        asyncio.run(ingest_demo_weeks(settings, weeks, rows, canonical, seed))
        show_weeks(asyncio.run(query_weeks(settings, canonical.value)), as_json=False)
        show_symbols(asyncio.run(query_symbols(settings, str(DEMO_LAST_WEEK), canonical.value, 10)), as_json=False)
    except BaseException:
        if stack is not None:
            stack.stop()
        raise
    if stack is None:
        return
    if keep_serving:
        _print_stack(stack)
        _serve_until_signal(stack)
    else:
        stack.stop()
