"""On the cluster of ``spine cluster up`` (3 NATS nodes, every stream on all three, two of every
service), kill -9 one NATS node during an ingest of 300,000 rows and restart it later: the run
completes and every read model equals a clean run's, and the bus holds each event once, in
order. Once with a node that does not lead the events stream, once with the one that does."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cluster.trials import Outcome, compare, run_trial, start_cluster_stack, write_source

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.heavy]

ROWS = 300_000


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_source(tmp_path_factory.mktemp("node-loss-source") / "week.psv", ROWS)


@pytest.fixture(scope="module")
def clean(source: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Outcome]:
    with start_cluster_stack(tmp_path_factory.mktemp("node-loss-clean")) as stack:
        outcome = asyncio.run(run_trial(stack, source, None, random.Random(0)))
    print(f"\nclean run: {ROWS:,} rows through aggregate in {outcome.seconds:.1f}s")
    yield outcome


@pytest.mark.parametrize("kind", ["nats-node", "nats-leader"])
def test_a_run_survives_the_loss_of_a_nats_node(kind: str, source: Path, clean: Outcome, tmp_path: Path) -> None:
    with start_cluster_stack(tmp_path) as stack:
        result = asyncio.run(run_trial(stack, source, kind, random.Random(f"node-loss-{kind}"), clean.seconds))
    print(f"\n{kind}: " + "; ".join(result.events) + f"; run done and caught up after {result.seconds:.1f}s "
          f"(clean run: {clean.seconds:.1f}s)")  # fmt: skip
    assert not compare(result, clean), f"after {result.events}: {compare(result, clean)}"
    assert result.content["finra_otc.venue_volume"][0] == ROWS
