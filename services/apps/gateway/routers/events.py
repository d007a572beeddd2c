"""The raw event stream, read from the event store (the source of truth) with paging."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from services.adapters.eventstore.app import SpineEventStore
from services.adapters.eventstore.positions import event_at
from services.adapters.eventstore.translate import to_envelope
from services.apps.gateway.deps import StateDep
from spine_core.errors import NotFound

router = APIRouter(prefix="/v1/events", tags=["events"])


def _store(state: Any) -> SpineEventStore:
    if getattr(state, "event_store", None) is None:
        state.event_store = SpineEventStore.connect(state.settings, pool_size=2)
    store: SpineEventStore = state.event_store
    return store


@router.get("", summary="Events after a position, oldest first (page with `after` = meta.next_after)")
async def events(
    state: StateDep,
    after: Annotated[int, Query(ge=0, description="position to read after (0: from the start)")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    type: Annotated[str | None, Query(description="only this event type, e.g. RunCompleted")] = None,
) -> dict[str, Any]:
    store = await asyncio.to_thread(_store, state)
    data: list[dict[str, Any]] = []
    position = after
    head = await asyncio.to_thread(store.head_position)
    while len(data) < limit and position < head:
        notes = await asyncio.to_thread(store.recorder.select_notifications, position + 1, 500)
        if not notes:
            break
        for note in notes:
            position = note.id
            envelope, _ = to_envelope(store.mapper, note)
            if type is None or envelope.type == type:
                data.append(envelope.model_dump(mode="json", by_alias=True))
                if len(data) >= limit:
                    break
    more = position < head
    return {
        "data": data,
        "meta": {"count": len(data), "after": after, "next_after": position if more else None, "head": head},
    }


@router.get("/{position}/block", summary="The row block of a RowsCaptured or RowsRejected event (COPY text)")
async def block(state: StateDep, position: int) -> Response:
    store = await asyncio.to_thread(_store, state)
    try:
        envelope, data = await asyncio.to_thread(event_at, store, position)
    except LookupError:
        raise NotFound(f"no event at position {position}") from None
    if data is None:
        raise NotFound(f"event {position} ({envelope.type}) carries no row block")
    return Response(content=data, media_type="text/tab-separated-values; charset=utf-8")
