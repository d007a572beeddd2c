"""Replaying several projections pauses their live projectors together, once every rebuild is
ready (one pause handshake, not one per projection), and resumes them all with a reload."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from projections.registry import PROJECTIONS
from services.adapters.db import projector_state
from services.adapters.db.migrate import migrate
from services.adapters.eventstore.app import SpineEventStore
from services.adapters.replay import replay_many
from services.settings import Settings
from tests.conftest import Servers

pytestmark = [pytest.mark.integration]

NAMES = ("manifest", "quality")


async def _projector(url: str, name: str, asked_together: dict[str, set[str]], stop: asyncio.Event) -> None:
    """Stands in for a live projector: heartbeats, and on a pause request notes which projectors
    were asked to pause at that moment, then reports that it has paused."""
    conn = await asyncpg.connect(url)
    try:
        while not stop.is_set():
            control = await projector_state.read_control(conn, name)
            paused = bool(control and control[0])
            if paused and name not in asked_together:
                rows = await conn.fetch("SELECT projection FROM spine_meta.projector_control WHERE paused")
                asked_together[name] = {r["projection"] for r in rows}
            await projector_state.report_state(conn, name, "paused" if paused else "running", position=None)
            await asyncio.sleep(0.02)
    finally:
        await conn.close()


async def test_live_projectors_are_paused_together(servers: Servers) -> None:
    settings = Settings(database_url=servers.new_database())
    assert settings.database_url
    SpineEventStore.create(settings)
    await migrate(settings.database_url)
    conn = await asyncpg.connect(settings.database_url)
    app = SpineEventStore.connect(settings)
    stop, asked_together = asyncio.Event(), {}  # type: ignore[var-annotated]
    try:
        for name in NAMES:
            await projector_state.register_projector(conn, name)
            await projector_state.report_state(conn, name, "running", position=0)
        projectors = [asyncio.create_task(_projector(settings.database_url, n, asked_together, stop)) for n in NAMES]
        results = await replay_many(conn, app, [PROJECTIONS[n] for n in NAMES], pause_timeout_s=30)
        stop.set()
        await asyncio.gather(*projectors)
        control = await conn.fetch(
            "SELECT projection, paused, reload FROM spine_meta.projector_control WHERE projection = ANY($1::text[])",
            list(NAMES),
        )
    finally:
        stop.set()
        await conn.close()
        app.close()
    assert [r.projection for r in results] == list(NAMES)
    assert asked_together == {name: set(NAMES) for name in NAMES}
    assert {(r["projection"], r["paused"], r["reload"]) for r in control} == {(n, False, True) for n in NAMES}
