"""`spine backup` / `spine restore`: back up a populated stack's event store, drop the whole
database, restore the event store alone into a new one, replay, and every read model is what it
was; a missing, damaged or foreign backup file and a target that already holds events are refused
with messages that say so."""

from __future__ import annotations

import asyncio
import hashlib
import json
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import psycopg
import pytest
from typer.testing import CliRunner

from projections.registry import PROJECTIONS
from services.adapters.db.backup_archive import DUMP
from services.adapters.eventstore.app import SpineEventStore
from services.adapters.replay import table_checksums
from services.cli.client import GatewayClient
from services.cli.commands.generate import write_calendar_file, write_week_file
from services.cli.commands.run import run_pipeline
from services.cli.main import app
from services.settings import Settings
from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.tiers import Tier
from tests.conftest import Servers, start_stack
from tests.polling import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

runner = CliRunner()
WEEK = "2025-11-21"


@dataclass
class Original:
    database_url: str
    backup: Path
    read_models: dict[str, dict[str, tuple[int, str]]]
    events: str  # digest of every stored event: position, stream, version, topic, state
    data_dir: Path


def _spine(original: Original, *args: str) -> Any:
    return runner.invoke(app, [*args, "--data-dir", str(original.data_dir)])


def _said(result: Any) -> str:
    """The command's output with its line wrapping undone."""
    return " ".join(result.output.split())


async def _read_models(database_url: str) -> dict[str, dict[str, tuple[int, str]]]:
    conn = await asyncpg.connect(database_url)
    try:
        return {name: await table_checksums(conn, spec.schema) for name, spec in PROJECTIONS.items()}
    finally:
        await conn.close()


def _events_digest(database_url: str) -> str:
    digest = hashlib.sha256()
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT notification_id, originator_id, originator_version, topic, state FROM eventstore.spine_events "
            "ORDER BY notification_id"
        )
        for row in rows:
            digest.update(repr(row[:4]).encode() + bytes(row[4]))
    return digest.hexdigest()


def _admin(servers: Servers) -> str:
    return f"postgresql://postgres@127.0.0.1:{servers.postgres.port}/postgres"


async def _caught_up(settings: Settings, token: str | None) -> None:
    assert settings.gateway_url
    async with GatewayClient(settings.gateway_url, token=token) as gateway:

        async def check() -> bool:
            return bool((await gateway.get("/v1/ops/caught-up"))["data"]["caught_up"])

        await eventually(check, timeout=60, what="every projector to catch up")


@pytest.fixture(scope="module")
def original(servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Original]:
    """A stack that ran a calendar and a week through a few stages, backed up, then stopped and
    its database dropped."""
    root = tmp_path_factory.mktemp("backup")
    files = root / "files"
    files.mkdir()
    with start_stack(root / "stack", servers) as stack:
        settings = stack.settings
        calendar = write_calendar_file(files / "holidays_xnys_2025.json", "XNYS", 2025)
        week = write_week_file(files / f"week_{WEEK}.psv", 40, WeekEnding.parse(WEEK), Tier.NMS_TIER_1, 3, 5)
        for pipeline, params, file, through in (
            ("reference.exchange_calendar.ingest_year", {"exchange": "XNYS", "year": 2025}, calendar, None),
            ("finra.otc_transparency.ingest_week", {"week_ending": WEEK, "tier": "NMS_TIER_1"}, week, "venue_share"),
        ):
            result = asyncio.run(run_pipeline(settings, pipeline, params, file, show_progress=False, through=through))
            assert result["status"] == "completed" and not result.get("failed_stages"), result
        asyncio.run(_caught_up(settings, stack.operator_token))
        assert settings.database_url
        original = Original(
            database_url=settings.database_url,
            backup=root / "spine.backup",
            read_models=asyncio.run(_read_models(settings.database_url)),
            events=_events_digest(settings.database_url),
            data_dir=root / "no-dev",
        )
        backed_up = _spine(original, "backup", "--out", str(original.backup), "--database-url", settings.database_url)
        assert backed_up.exit_code == 0, backed_up.output
        assert "backed up" in _said(backed_up)
    name = original.database_url.rsplit("/", 1)[1]
    with psycopg.connect(_admin(servers), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    yield original


def test_restored_event_store_replays_into_the_same_read_models(servers: Servers, original: Original) -> None:
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(original.database_url).close()  # the original is gone
    target = servers.new_database()

    restored = _spine(original, "restore", str(original.backup), "--database-url", target)

    assert restored.exit_code == 0, restored.output
    assert "restored" in _said(restored) and "Read models rebuilt" in _said(restored)
    assert _events_digest(target) == original.events
    rebuilt = asyncio.run(_read_models(target))
    assert set(rebuilt) == set(original.read_models)
    for name, tables in original.read_models.items():
        assert any(count for count, _ in tables.values()), f"{name} had no rows to compare"
        assert rebuilt[name] == tables, f"{name}: rebuilt {rebuilt[name]} != original {tables}"


def test_a_restored_event_store_takes_new_events_after_the_restored_ones(servers: Servers, original: Original) -> None:
    target = servers.new_database()
    SpineEventStore.create(Settings(database_url=target))  # an empty store, as a freshly migrated stack has

    restored = _spine(original, "restore", str(original.backup), "--database-url", target, "--no-rebuild", "--json")

    assert restored.exit_code == 0, restored.output
    with psycopg.connect(target) as conn:
        head = conn.execute("SELECT max(notification_id) FROM eventstore.spine_events").fetchone()
        added = conn.execute(
            "INSERT INTO eventstore.spine_events (originator_id, originator_version, topic, state) "
            "VALUES (gen_random_uuid(), 1, 'probe', '{}') RETURNING notification_id"
        ).fetchone()
        conn.rollback()
    assert head is not None and added is not None and added[0] == head[0] + 1


def test_a_target_that_holds_events_is_refused_and_left_as_it_was(servers: Servers, original: Original) -> None:
    target = servers.new_database()
    first = _spine(original, "restore", str(original.backup), "--database-url", target, "--no-rebuild")
    assert first.exit_code == 0, first.output

    again = _spine(original, "restore", str(original.backup), "--database-url", target)

    assert again.exit_code == 1
    assert "already holds" in _said(again) and "only into an empty event store" in _said(again)
    assert "nothing was changed: restore into a new database" in _said(again)
    assert _events_digest(target) == original.events


def test_a_missing_backup_file_is_named(original: Original, tmp_path: Path) -> None:
    result = _spine(original, "restore", str(tmp_path / "nope.backup"), "--database-url", original.database_url)
    assert result.exit_code == 2
    assert "nope.backup not found" in _said(result)


def test_a_damaged_backup_fails_its_checksum_before_the_database_is_touched(
    servers: Servers, original: Original, tmp_path: Path
) -> None:
    with tarfile.open(original.backup) as archive:
        member = archive.getmember(DUMP)
    data = bytearray(original.backup.read_bytes())
    data[member.offset_data + member.size // 2] ^= 0xFF  # one bit pattern inside the dump
    damaged = tmp_path / "damaged.backup"
    damaged.write_bytes(bytes(data))
    target = servers.new_database()

    result = _spine(original, "restore", str(damaged), "--database-url", target)

    assert result.exit_code == 2
    assert "not a usable Spine backup: checksum mismatch" in _said(result)
    with psycopg.connect(target) as conn:
        assert conn.execute("SELECT to_regclass('eventstore.spine_events')").fetchone() == (None,)


def test_a_file_that_is_not_a_backup_is_refused(original: Original, tmp_path: Path) -> None:
    other = tmp_path / "notes.txt"
    other.write_text("not a backup\n")
    truncated = tmp_path / "truncated.backup"
    truncated.write_bytes(original.backup.read_bytes()[:3000])

    for path in (other, truncated):
        result = _spine(original, "restore", str(path), "--database-url", original.database_url)
        assert result.exit_code == 2, result.output
        assert "is not a usable Spine backup" in _said(result), result.output


def test_the_backup_file_is_a_tar_of_a_manifest_and_the_dump(original: Original) -> None:
    with tarfile.open(original.backup) as archive:
        assert archive.getnames() == ["manifest.json", DUMP]
        member = archive.extractfile("manifest.json")
        assert member is not None
        manifest = json.loads(member.read())
    assert manifest["format"] == "spine-backup" and manifest["schema"] == "eventstore"
    assert manifest["tables"][0]["table"] == "spine_events" and manifest["tables"][0]["rows"] > 0
    assert manifest["event_versions"]["RunRequested"] >= 2
