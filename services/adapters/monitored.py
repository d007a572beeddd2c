"""The projections an operator watches, and the stored-event topics each one reads.

Both the lag monitor (to count what each projector has not applied) and the gateway's ops
endpoints (to check that everything has caught up, or to name a projection to retry) need
this list: it lives here, below the apps, so neither has to import the other.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import asyncpg

from projections.registry import PROJECTIONS
from services.adapters.replay import topics_of
from spine_core.framework.chaining import CHAIN_EVENT_TYPES

__all__ = ["MonitoredProjection", "monitored_projections", "event_store_head", "events_behind"]


@dataclass(frozen=True, slots=True)
class MonitoredProjection:
    """One projector (or the process manager): its name, its schema and the topics it applies."""

    name: str
    schema: str
    topics: list[str]


def monitored_projections() -> list[MonitoredProjection]:
    """Every registered projection, then the process manager (it keeps a checkpoint like one)."""
    specs: list[tuple[str, str, frozenset[str]]] = [(s.name, s.schema, s.event_types) for s in PROJECTIONS.values()]
    specs.append(("process_manager", "process_manager", CHAIN_EVENT_TYPES))
    return [MonitoredProjection(name, schema, topics_of(types)) for name, schema, types in specs]


def _events_table(eventstore_schema: str) -> str:
    return f'"{eventstore_schema}".spine_events'


async def event_store_head(conn: asyncpg.Connection, eventstore_schema: str) -> int:
    """The position of the newest stored event (0 when the store is empty)."""
    return int(await conn.fetchval(f"SELECT coalesce(max(notification_id), 0) FROM {_events_table(eventstore_schema)}"))


async def events_behind(
    conn: asyncpg.Connection, eventstore_schema: str, projections: Iterable[MonitoredProjection], position: int
) -> dict[str, int]:
    """Per projector, the events of its topics up to ``position`` it has not applied (none: absent)."""
    table = _events_table(eventstore_schema)
    behind: dict[str, int] = {}
    for proj in projections:
        checkpoint = await conn.fetchval(
            f'SELECT position FROM "{proj.schema}".projection_checkpoint WHERE projection = $1', proj.name
        )
        count = await conn.fetchval(
            f"""SELECT count(*) FROM {table}
                WHERE notification_id > $1 AND notification_id <= $2 AND topic = ANY($3::text[])""",
            checkpoint or 0,
            position,
            proj.topics,
        )
        if count:
            behind[proj.name] = int(count)
    return behind
