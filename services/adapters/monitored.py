"""The projections an operator watches, and the stored-event topics each one reads.

Both the lag monitor (to count what each projector has not applied) and the gateway's ops
endpoints (to check that everything has caught up, or to name a projection to retry) need
this list: it lives here, below the apps, so neither has to import the other.
"""

from __future__ import annotations

from dataclasses import dataclass

from projections.registry import PROJECTIONS
from services.adapters.replay import topics_of
from spine_core.framework.chaining import CHAIN_EVENT_TYPES

__all__ = ["MonitoredProjection", "monitored_projections"]


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
