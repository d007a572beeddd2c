"""Where consumers stand on the bus: durable consumer names and the events stream's last position."""

from __future__ import annotations

from nats.aio.client import Client
from nats.js.errors import NotFoundError

from contracts.subjects import EVENTS_STREAM, HEADER_MSG_ID

__all__ = ["consumer_name", "consumer_pending", "last_published_position"]


def consumer_name(projection: str) -> str:
    """The durable JetStream consumer of a projector (or of the process manager)."""
    return f"projector-{projection}"


async def consumer_pending(nc: Client, projection: str) -> int | None:
    """Events on the projector's durable consumer not yet delivered or not yet acknowledged;
    None when that consumer does not exist."""
    try:
        info = await nc.jetstream().consumer_info(EVENTS_STREAM, consumer_name(projection))
    except NotFoundError:
        return None
    return int(info.num_pending or 0) + int(info.num_ack_pending or 0)


async def last_published_position(nc: Client) -> int:
    """The notification id of the last event in the stream (0 when empty)."""
    js = nc.jetstream()
    info = await js.stream_info(EVENTS_STREAM)
    if not info.state.last_seq:
        return 0
    try:
        msg = await js.get_msg(EVENTS_STREAM, seq=info.state.last_seq)
    except NotFoundError:
        return 0
    headers = msg.headers or {}
    return int(headers.get(HEADER_MSG_ID, 0))
