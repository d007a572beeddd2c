"""The raw event stream, read from the event store (the source of truth) with paging."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from contracts.events import EventEnvelope
from services.adapters.eventstore.app import SpineEventStore
from services.adapters.eventstore.positions import event_at
from services.adapters.eventstore.translate import to_envelope
from services.apps.gateway.deps import StateDep
from services.apps.gateway.models import PageLinks, problem_responses
from services.apps.gateway.models.inputs import MAX_POSITION
from services.apps.gateway.models.ops import EventList, EventsMeta
from services.apps.gateway.paging import next_link
from services.apps.gateway.state import GatewayState
from spine_core.errors import NotFound

router = APIRouter(prefix="/v1/events", tags=["events"])

BLOCK_MEDIA_TYPE = "text/tab-separated-values; charset=utf-8"


def event_store(state: GatewayState) -> SpineEventStore:
    if getattr(state, "event_store", None) is None:
        state.event_store = SpineEventStore.connect(state.settings, pool_size=2)
    store: SpineEventStore = state.event_store
    return store


@router.get(
    "",
    operation_id="listEvents",
    summary="Events after a position, oldest first (page with `after` = meta.next_after)",
    response_model_exclude_unset=True,
    responses=problem_responses(503),
)
async def events(
    request: Request,
    state: StateDep,
    after: Annotated[int, Query(ge=0, le=MAX_POSITION, description="position to read after (0: from the start)")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    type: Annotated[str | None, Query(description="only this event type, e.g. RunCompleted")] = None,
) -> EventList:
    store = await asyncio.to_thread(event_store, state)
    data: list[EventEnvelope] = []
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
                data.append(envelope)
                if len(data) >= limit:
                    break
    more = position < head
    meta = EventsMeta(count=len(data), after=after, next_after=position if more else None, head=head)
    links = PageLinks(next=None if meta.next_after is None else next_link(request, after=meta.next_after))
    return EventList(data=data, meta=meta, links=links)


@router.get(
    "/{position}/block",
    operation_id="getEventBlock",
    summary="The row block of a RowsCaptured or RowsRejected event (COPY text)",
    response_class=Response,
    responses={
        200: {
            "description": "the rows, in PostgreSQL's COPY text format",
            "content": {BLOCK_MEDIA_TYPE: {"schema": {"type": "string"}, "example": "AAPL\tNITE\t1200\t34\n"}},
        },
        **problem_responses(404, 503),
    },
)
async def block(state: StateDep, position: Annotated[int, Path(ge=1, le=MAX_POSITION)]) -> Response:
    store = await asyncio.to_thread(event_store, state)
    try:
        envelope, data = await asyncio.to_thread(event_at, store, position)
    except LookupError:
        raise NotFound(f"no event at position {position}") from None
    if data is None:
        raise NotFound(f"event {position} ({envelope.type}) carries no row block")
    return Response(content=data, media_type=BLOCK_MEDIA_TYPE)
