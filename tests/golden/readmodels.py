"""Put stored rows into a fresh event store, replay them through the current code into every read
model, and summarise what the read models hold (row count and checksum per table)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import asyncpg
import psycopg
from nats.aio.client import Client

import spine_domains
from contracts.subjects import HEADER_MSG_ID
from projections.base import ProjectionSpec
from projections.registry import PROJECTIONS
from services.adapters.db.migrate import migrate
from services.adapters.eventstore.app import EVENTS_TABLE, SpineEventStore
from services.adapters.replay import rebuild_projection, table_checksums
from services.apps.process_manager.applier import process_manager_spec
from services.settings import Settings
from tests.golden.fixture import StoredRow

__all__ = [
    "CommandRecorder",
    "ReadModels",
    "fresh_database",
    "load_rows",
    "read_rows",
    "read_model_specs",
    "read_models_of",
    "replay_into_read_models",
    "session_settings",
    "write_expected",
]

#: Read-model contents: ``{projection: {table: {"rows": n, "sha256": hex}}}`` plus the commands the
#: process manager issued (``"commands_issued"``: ``["<subject> <Nats-Msg-Id>", ...]``, in order).
ReadModels = dict[str, Any]

#: The text form of timestamps and floats depends on the session; checksums must not.
_SESSION = ("SET TimeZone = 'UTC'", "SET DateStyle = 'ISO, YMD'", "SET extra_float_digits = 1")


async def session_settings(conn: asyncpg.Connection) -> None:
    for statement in _SESSION:
        await conn.execute(statement)


class CommandRecorder:
    """Stands in for NATS under the process manager: records the commands it publishes."""

    def __init__(self) -> None:
        self.published: list[str] = []

    def jetstream(self) -> CommandRecorder:
        return self

    async def publish(self, subject: str, payload: bytes, **kwargs: Any) -> SimpleNamespace:
        headers = kwargs.get("headers") or {}
        self.published.append(f"{subject} {headers.get(HEADER_MSG_ID)}")
        return SimpleNamespace(duplicate=False, stream=kwargs.get("stream"), seq=len(self.published))


def fresh_database(server_url: str) -> str:
    """A new empty database on the server of ``server_url``; its URL."""
    name = f"golden_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + f"/{name}"


def load_rows(settings: Settings, rows: Sequence[StoredRow]) -> None:
    """Create the event store and insert ``rows`` as they were stored, positions included."""
    SpineEventStore.create(settings)
    assert settings.database_url
    table = f'"{settings.eventstore_schema}"."{EVENTS_TABLE}"'
    with psycopg.connect(settings.database_url) as conn, conn.cursor() as cur:
        cur.executemany(
            f"INSERT INTO {table} (notification_id, originator_id, originator_version, topic, state) "
            "VALUES (%s, %s, %s, %s, %s)",
            [(r.notification_id, r.originator_id, r.originator_version, r.topic, r.state) for r in rows],
        )
        # Later inserts (none here, but a running store) continue after the highest position.
        cur.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'notification_id'), max(notification_id)) FROM {table}"
        )


def read_rows(settings: Settings) -> list[StoredRow]:
    """Every row of the event store, in notification order."""
    assert settings.database_url
    table = f'"{settings.eventstore_schema}"."{EVENTS_TABLE}"'
    with psycopg.connect(settings.database_url) as conn:
        found = conn.execute(
            f"SELECT notification_id, originator_id, originator_version, topic, state FROM {table} ORDER BY notification_id"
        ).fetchall()
    return [StoredRow(r[0], r[1], r[2], r[3], bytes(r[4])) for r in found]


def read_model_specs(recorder: CommandRecorder | None = None) -> list[ProjectionSpec]:
    """Every projection, and the process manager (publishing into ``recorder``)."""
    pm = process_manager_spec(cast(Client, recorder or CommandRecorder()), spine_domains.build_registry())
    return [*PROJECTIONS.values(), pm]


async def read_models_of(conn: asyncpg.Connection, specs: Sequence[ProjectionSpec]) -> dict[str, Any]:
    await session_settings(conn)
    return {
        spec.name: {
            table: {"rows": count, "sha256": digest}
            for table, (count, digest) in (await table_checksums(conn, spec.schema)).items()
        }
        for spec in specs
    }


async def _replay(settings: Settings) -> ReadModels:
    assert settings.database_url
    recorder = CommandRecorder()
    specs = read_model_specs(recorder)
    await migrate(settings.database_url)
    app = await asyncio.to_thread(SpineEventStore.connect, settings, pool_size=2)
    conn = await asyncpg.connect(settings.database_url)
    try:
        await session_settings(conn)
        for spec in specs:
            await rebuild_projection(conn, app, spec, spec.schema)
        models = await read_models_of(conn, specs)
    finally:
        await conn.close()
        app.close()
    models["commands_issued"] = recorder.published
    return models


def replay_into_read_models(settings: Settings) -> ReadModels:
    """Rebuild every read model (and the process manager's table) from the event store."""
    return asyncio.run(_replay(settings))


def write_expected(path: Path, models: ReadModels) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(models, indent=2, sort_keys=True) + "\n")
