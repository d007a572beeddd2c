"""Randomised crash trials on the cluster of ``spine cluster up``: each trial, on a fresh
cluster, runs an ingest of 100,000 rows and does one thing to it at a random moment — kill -9 a
NATS node (the events stream's leader or another), the active relay, an active projector, the
active process manager or a worker, or crash PostgreSQL — all drawn by a seeded RNG, so trial i
is the same from run to run. Each is checked against a clean run: every read model's content
equals it, and the bus holds each event once, in order (0 duplicates, 0 gaps).

``SPINE_CRASH_TRIALS`` trials run (3 by default); all 20:

    SPINE_CRASH_TRIALS=20 uv run pytest tests/cluster/test_crash_trials.py -s -p no:cacheprovider

``SPINE_CRASH_SEED`` changes the draw (default 20261206).
"""

from __future__ import annotations

import asyncio
import os
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cluster.trials import KINDS, Outcome, compare, run_trial, start_cluster_stack, write_source

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.heavy]

ROWS = 100_000
# Read once, at collection: how many trials to parametrise (a test setting, not a service one).
TRIALS = int(os.environ.get("SPINE_CRASH_TRIALS", "3"))
SEED = int(os.environ.get("SPINE_CRASH_SEED", "20261206"))


def draw(trials: int, seed: int) -> list[str]:
    """The kind of each trial: as many different kinds as ``trials`` allows (every kind once from
    7 trials on), the rest at random, in a shuffled order."""
    rng = random.Random(seed)
    kinds = rng.sample(KINDS, min(trials, len(KINDS))) + [rng.choice(KINDS) for _ in range(trials - len(KINDS))]
    rng.shuffle(kinds)
    return kinds


PLAN = draw(TRIALS, SEED)


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_source(tmp_path_factory.mktemp("trials-source") / "week.psv", ROWS, seed=11)


@pytest.fixture(scope="module")
def clean(source: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Outcome]:
    with start_cluster_stack(tmp_path_factory.mktemp("trials-clean")) as stack:
        outcome = asyncio.run(run_trial(stack, source, None, random.Random(0)))
    print(f"\nclean run: {ROWS:,} rows in {outcome.seconds:.1f}s")
    yield outcome


@pytest.mark.parametrize(("trial", "kind"), list(enumerate(PLAN)), ids=[f"{i}-{k}" for i, k in enumerate(PLAN)])
def test_crash_trial(trial: int, kind: str, source: Path, clean: Outcome, tmp_path: Path) -> None:
    with start_cluster_stack(tmp_path) as stack:
        result = asyncio.run(run_trial(stack, source, kind, random.Random(f"{SEED}-{trial}"), clean.seconds))
    problems = compare(result, clean)
    print(
        f"\ntrial {trial} {kind}: {'; '.join(result.events)}; done after {result.seconds:.1f}s; "
        f"{'OK' if not problems else 'DIFFERS'} (events {len(result.in_store):,}, on the bus {result.messages:,})"
    )
    assert not problems, f"trial {trial} ({kind}, {result.events}): {problems}"
    assert result.content["finra_otc.venue_volume"][0] == ROWS


def test_the_draw_covers_every_kind_and_is_repeatable() -> None:
    assert sorted(set(draw(20, 1))) == sorted(KINDS) and len(draw(20, 1)) == 20
    assert draw(20, 1) == draw(20, 1)
    assert len(set(draw(3, 1))) == 3
