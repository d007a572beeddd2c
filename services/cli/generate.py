"""`spine generate week|calendar`: sample input files, made by Spine's own generators."""

from __future__ import annotations

import json
from pathlib import Path

from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.generator import generate_lines
from spine_domains.finra_otc.tiers import Tier
from spine_domains.reference.exchange_calendar.rules import rule_calendar_document

__all__ = ["write_week_file", "write_calendar_file", "default_week_name", "default_calendar_name"]


def default_week_name(week: WeekEnding, tier: Tier, rows: int, seed: int, universe_seed: int | None = None) -> str:
    universe = "" if universe_seed is None else f"_u{universe_seed}"
    return f"finra_{tier.value.lower()}_{week}_{rows}r_s{seed}{universe}.psv"


def default_calendar_name(exchange: str, year: int) -> str:
    return f"holidays_{exchange.lower()}_{year}.json"


def _write_atomically(path: Path, lines: object) -> Path:
    """Write lines to ``path`` through a temporary file, so a stopped run leaves no half file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8", newline="\n") as handle:
        for line in lines:  # type: ignore[attr-defined]
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
