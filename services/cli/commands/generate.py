"""`spine generate week|calendar`: sample input files, made by Spine's own generators."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

import typer

from services.cli.app import handle_errors
from services.cli.output import fail, out
from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.generator import generate_lines
from spine_domains.finra_otc.tiers import Tier
from spine_domains.reference.exchange_calendar.rules import rule_calendar_document

__all__ = [
    "create_generate_app",
    "default_calendar_name",
    "default_week_name",
    "write_calendar_file",
    "write_week_file",
]


def default_week_name(week: WeekEnding, tier: Tier, rows: int, seed: int, universe_seed: int | None = None) -> str:
    universe = "" if universe_seed is None else f"_u{universe_seed}"
    return f"finra_{tier.value.lower()}_{week}_{rows}r_s{seed}{universe}.psv"


def default_calendar_name(exchange: str, year: int) -> str:
    return f"holidays_{exchange.lower()}_{year}.json"


def _write_atomically(path: Path, lines: Iterable[str]) -> Path:
    """Write lines to ``path`` through a temporary file, so a stopped run leaves no half file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8", newline="\n") as handle:
        for line in lines:
            handle.write(line + "\n")
    tmp.replace(path)
    return path


def write_week_file(
    path: Path, rows: int, week: WeekEnding, tier: Tier, seed: int, universe_seed: int | None = None
) -> Path:
    """A FINRA weekly file in the download layout: header and ``rows`` lines (deterministic by seeds)."""
    lines = generate_lines(rows, week_ending=week, tier=tier, seed=seed, universe_seed=universe_seed)
    return _write_atomically(path, lines)


def write_calendar_file(path: Path, exchange: str, year: int) -> Path:
    """A calendar file of the exchange's regular holidays, computed from its rules."""
    document = rule_calendar_document(exchange, year)
    return _write_atomically(path, json.dumps(document, indent=2).splitlines())


@handle_errors
def generate_week(
    week_ending: Annotated[str, typer.Option("--week-ending", help="the Friday that ends the week, YYYY-MM-DD")],
    tier: Annotated[str, typer.Option(help="NMS_TIER_1, NMS_TIER_2 or OTC")] = "NMS_TIER_1",
    rows: Annotated[int, typer.Option(min=1, max=20_000_000, help="data lines")] = 100_000,
    seed: Annotated[int, typer.Option(help="generator seed (same seeds, same file)")] = 0,
    universe_seed: Annotated[
        int | None,
        typer.Option(
            "--universe-seed",
            help="draws the symbols, names and venues: give a series of weeks one universe seed and each its own --seed",
        ),
    ] = None,
    out_path: Annotated[
        Path | None,
        typer.Option("--out", help="file to write [default: finra_<tier>_<week>_<rows>r_s<seed>[_u<universe>].psv]"),
    ] = None,
) -> None:
    """A realistic FINRA OTC weekly file in the download layout (pipe-delimited), made by
    Spine's seeded generator: symbols, ATS and non-ATS venues, volumes and trade counts.

    Then: `spine run finra.otc_transparency.ingest_week --tier NMS_TIER_1 --file FILE --through all`
    """
    week, canonical = WeekEnding.parse(week_ending), Tier.parse(tier)
    path = out_path or Path(default_week_name(week, canonical, rows, seed, universe_seed))
    started = time.monotonic()
    write_week_file(path, rows, week, canonical, seed, universe_seed)
    out.print(
        f"wrote {path} ({rows:,} rows, {path.stat().st_size / 1e6:.1f} MB) in {time.monotonic() - started:.1f}s",
        highlight=False,
    )


@handle_errors
def generate_calendar(
    year: Annotated[int, typer.Option(help="the calendar year")],
    exchange: Annotated[str, typer.Option(help="XNYS or XNAS (same holidays)")] = "XNYS",
    out_path: Annotated[
        Path | None, typer.Option("--out", help="file to write [default: holidays_<exchange>_<year>.json]")
    ] = None,
) -> None:
    """An exchange calendar file of the year's regular NYSE holidays, computed from the
    exchange's rules (observed days included). Unscheduled closures are not in it: for
    production, ingest the calendar the exchange publishes.

    Then: `spine run reference.exchange_calendar.ingest_year -p exchange=XNYS -p year=YEAR --file FILE`
    """
    path = out_path or Path(default_calendar_name(exchange, year))
    try:
        write_calendar_file(path, exchange, year)
    except ValueError as exc:
        fail(str(exc), "pass --year between 1998 and 2099 and --exchange XNYS or XNAS")
    out.print(f"wrote {path}", highlight=False)


def create_generate_app() -> typer.Typer:
    """The `spine generate` group."""
    generate_app = typer.Typer(
        help="Write sample input files: a generated FINRA week, an exchange calendar by rule.", no_args_is_help=True
    )
    generate_app.command("week")(generate_week)
    generate_app.command("calendar")(generate_calendar)
    return generate_app
