"""Record golden events from a real run, and the read models they must replay into.

    uv run python -m tests.golden.record                  # record what the golden set lacks
    uv run python -m tests.golden.record --name 003_x     # ... under that name
    uv run python -m tests.golden.record --expectations   # recompute expected/*.json (events untouched)
    uv run python -m tests.golden.record --reconstruct-v1 # history: how 001_v1_shapes was made

Recording starts the whole stack on embedded servers in a temporary directory, runs a scenario that
records every event type (a calendar, two FINRA weeks with rejects through the chained workflow, a
skipped re-run, a forced re-run, a run that fails mid-capture), waits for every projector, and takes
the event store's rows as they are stored. It loads them into a fresh database, replays them into
every read model, checks that the result equals what the live projectors built, then writes
``events/<name>.json``, ``expected/<name>.json`` and the fields of any new class version to
``event_fields.json``. It records only when the code has an event class version the golden set
lacks, and never replaces a recording or an existing version's fields.

``--reconstruct-v1`` made the recording of the shapes from before the upcasters: the same kind
of run (ingest only: chaining and derived stages came with v2), each event of a class at version 2
rewritten without the fields ``upcast_v1_v2`` adds and without ``class_version``, re-encoded with
the event store's transcoder. It only works for upcasters that add fields.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

import asyncpg

from services.cli.client import GatewayClient
from services.dev.embedded import EmbeddedPostgres, free_port
from services.dev.stack import Stack
from services.settings import Settings
from tests.golden.catalog import EventClass, event_classes, load_fingerprints, save_fingerprints
from tests.golden.fixture import EVENTS_DIR, Recording, StoredRow, load_recordings, transcoder
from tests.golden.readmodels import (
    fresh_database,
    load_rows,
    read_model_specs,
    read_models_of,
    read_rows,
    replay_into_read_models,
    write_expected,
)
from tests.golden.scenario import run_scenario

__all__ = ["main", "missing_versions", "downcast"]


def missing_versions(recordings: list[Recording]) -> list[str]:
    """``Aggregate.Event vN`` of every current class version no recording holds."""
    classes, _ = event_classes()
    held = {(topic, v) for r in recordings for topic, versions in r.versions().items() for v in versions}
    return [f"{c.name} v{c.version}" for c in classes if (c.topic, c.version) not in held]


def downcast(row: StoredRow, event: EventClass, to_version: int) -> StoredRow:
    """``row`` as a class at ``to_version`` stored it: the fields its upcasters add removed."""
    added: dict[str, Any] = {}
    for v in range(to_version, event.version):
        event.upcaster(v)(added)
    state = transcoder().decode(row.state)
    for key in added:
        del state[key]
    state.pop("class_version", None)
    if to_version > 1:
        state["class_version"] = to_version
    return dataclasses.replace(row, state=transcoder().encode(state))


def _recorded_with(postgres: str) -> dict[str, str]:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False)
    return {
        "spine_commit": commit.stdout.strip() or "unknown",
        "eventsourcing": package_version("eventsourcing"),
        "postgres": postgres,
    }


async def _wait_caught_up(stack: Stack, timeout: float = 120.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    async with GatewayClient(stack.gateway_url, token=stack.operator_token) as gateway:
        while True:
            seen = (await gateway.get("/v1/ops/caught-up"))["data"]
            if seen["caught_up"]:
                return
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"the projectors did not catch up within {timeout:.0f}s: {seen}")
            await asyncio.sleep(0.2)


async def _live_read_models(settings: Settings) -> dict[str, Any]:
    conn = await asyncpg.connect(settings.database_url)
    try:
        models = await read_models_of(conn, read_model_specs())
        models["postgres"] = await conn.fetchval("SHOW server_version")
        return models
    finally:
        await conn.close()


@contextmanager
def _real_run(root: Path, *, chained: bool) -> Iterator[tuple[list[StoredRow], dict[str, Any], str]]:
    """Run the scenario on a new stack: the stored rows, the live read models and the PostgreSQL
    server's URL, while the stack runs (it stops on leaving, whatever happened)."""
    settings = Settings(
        data_dir=root / "spine", inbox_dir=root / "inbox", gateway_port=free_port(), database_url=None, nats_url=None
    )
    stack = Stack(settings, write_dev_state=False)
    stack.start()
    try:
        stack.settings = stack.settings.model_copy(update={"gateway_url": stack.gateway_url})
        run_scenario(stack.settings, root / "files", chained=chained)
        asyncio.run(_wait_caught_up(stack))
        assert stack.postgres is not None
        yield read_rows(stack.settings), asyncio.run(_live_read_models(stack.settings)), stack.postgres.url
    finally:
        stack.stop()


def _replayed(server_url: str, rows: list[StoredRow]) -> dict[str, Any]:
    settings = Settings(database_url=fresh_database(server_url))
    load_rows(settings, rows)
    return replay_into_read_models(settings)


def _with_new_fingerprints(recording: Recording) -> tuple[dict[str, dict[str, list[str]]], list[str]]:
    """The fingerprints with the class versions first seen in ``recording`` added; refuses to change any."""
    classes, _ = event_classes()
    by_topic = {c.topic: c for c in classes}
    fingerprints = load_fingerprints()
    added = []
    for row in recording.rows:
        event = by_topic[row.topic]
        versions = fingerprints.setdefault(event.name, {})
        fields = row.fields()
        known = versions.get(str(row.class_version))
        if known is None:
            versions[str(row.class_version)] = fields
            added.append(f"{event.name} v{row.class_version}")
        elif sorted(known) != fields:
            raise SystemExit(
                f"{event.name} v{row.class_version} was recorded with fields {known}, this run stores {fields}: "
                "bump its class_version and write an upcaster instead of changing a recorded version; nothing written"
            )
    return fingerprints, added


def record(name: str | None, *, reconstruct_v1: bool) -> int:
    recordings = load_recordings()
    missing = missing_versions(recordings)
    if not reconstruct_v1 and not missing:
        print("the golden set holds every event class at its current version: nothing to record")
        return 0
    number = len(recordings) + 1
    name = name or (
        f"{number:03d}_v1_shapes" if reconstruct_v1 else f"{number:03d}_recorded_{datetime.now(UTC):%Y%m%d}"
    )
    if (EVENTS_DIR / f"{name}.json").exists():
        raise SystemExit(f"{EVENTS_DIR / name}.json exists; recordings are never replaced")
    print(f"recording {name}" + (f" for {', '.join(missing)}" if missing else ""))
    with (
        tempfile.TemporaryDirectory(prefix="spine-golden-") as tmp,
        _real_run(Path(tmp), chained=not reconstruct_v1) as (rows, live, server_url),
    ):
        if reconstruct_v1:
            by_topic = {c.topic: c for c in event_classes()[0]}
            rows = [downcast(r, by_topic[r.topic], 1) if by_topic[r.topic].version > 1 else r for r in rows]
        expected = _replayed(server_url, rows)
    postgres = live.pop("postgres")
    if not reconstruct_v1:
        differ = [p for p in live if live[p] != expected[p]]
        if differ:
            raise SystemExit(f"replayed read models differ from the live ones in {differ}; nothing written")
    recording = Recording(
        name=name,
        description=(
            "v1 shapes, reconstructed from a real ingest-only run without the fields the upcasters add"
            if reconstruct_v1
            else "a real run: calendar, two FINRA weeks (rejects) through the chained workflow, a skipped "
            "re-run, a forced re-run, a calendar run that fails mid-capture"
        ),
        recorded_at=datetime.now(UTC).isoformat(timespec="seconds"),
        recorded_with=_recorded_with(postgres),
        rows=rows,
    )
    fingerprints, added = _with_new_fingerprints(recording)
    path = recording.write()
    write_expected(recording.expected_path, expected)
    save_fingerprints(fingerprints)
    print(f"wrote {path} ({len(rows)} events), {recording.expected_path}")
    if added:
        print(f"new class versions in event_fields.json: {', '.join(added)}")
    return 0


def recompute_expectations() -> int:
    """Replay every recording into fresh read models and write what they hold (events untouched)."""
    with tempfile.TemporaryDirectory(prefix="spine-golden-") as tmp:
        postgres = EmbeddedPostgres(Path(tmp) / "postgres" / "data")
        postgres.start()
        try:
            for recording in load_recordings():
                write_expected(recording.expected_path, _replayed(postgres.url, recording.rows))
                print(f"wrote {recording.expected_path}")
        finally:
            postgres.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.golden.record", description=__doc__.split("\n\n")[0])
    parser.add_argument("--name", help="the new recording's name (default: NNN_recorded_<date>)")
    parser.add_argument("--expectations", action="store_true", help="recompute every expected/*.json")
    parser.add_argument("--reconstruct-v1", action="store_true", help="reconstruct the v1 shapes (history)")
    args = parser.parse_args(argv)
    if args.expectations:
        return recompute_expectations()
    return record(args.name, reconstruct_v1=args.reconstruct_v1)


if __name__ == "__main__":
    sys.exit(main())
