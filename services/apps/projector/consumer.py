"""Where a projector's durable consumer starts: just after the checkpoint's message; and
whether what it delivers reaches this instance whole.

The consumer is recreated on every (re)load rather than resumed, so redeliveries of what was
fetched before can never overtake newer events: order is the checkpoint's, not the consumer's.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from contracts.subjects import EVENTS_STREAM, HEADER_MSG_ID
from projections.checkpoint import Checkpoint

__all__ = ["Deliveries", "deliveries_contiguous", "reset_consumer", "start_sequence"]

log = logging.getLogger("spine.projector")


def deliveries_contiguous(expected: int, sequences: Sequence[int]) -> bool:
    """Whether the consumer sequences of fetched messages run on from ``expected`` without a hole.

    JetStream numbers every delivery of a consumer (redeliveries too) 1, 2, 3...; a pull
    consumer shared by two instances, or a delivery lost on the way, leaves a hole in what one
    instance sees. Applying past the hole would move the checkpoint over events never applied.
    """
    return all(seq == expected + i for i, seq in enumerate(sequences))


class Deliveries:
    """The deliveries one instance has seen since it (re)created its consumer."""

    def __init__(self, projection: str) -> None:
        self.projection = projection
        self.next = 1

    def restart(self) -> None:
        """A new consumer numbers its deliveries from 1."""
        self.next = 1

    def follow(self, msgs: Sequence[Msg]) -> bool:
        """Whether ``msgs`` run on from what was seen (counted when they do); a hole means
        starting again from the checkpoint."""
        sequences = [msg.metadata.sequence.consumer for msg in msgs]
        if deliveries_contiguous(self.next, sequences):
            self.next += len(sequences)
            return True
        log.warning(
            "projector %s: deliveries %s do not follow %d (delivered elsewhere or lost); restarting from the checkpoint",
            self.projection, sequences[:3], self.next - 1,
        )  # fmt: skip
        return False


async def reset_consumer(
    js: JetStreamContext, durable: str, subjects: list[str], description: str, checkpoint: Checkpoint, batch: int
) -> None:
    """(Re)create the durable consumer so it delivers from just after ``checkpoint``."""
    start_seq = await start_sequence(js, checkpoint)
    with contextlib.suppress(NotFoundError):
        await js.delete_consumer(EVENTS_STREAM, durable)
    config = ConsumerConfig(
        durable_name=durable,
        description=description,
        ack_policy=AckPolicy.EXPLICIT,
        ack_wait=60.0,
        max_ack_pending=batch * 4,
        filter_subjects=subjects,
        deliver_policy=DeliverPolicy.BY_START_SEQUENCE if start_seq > 1 else DeliverPolicy.ALL,
        opt_start_seq=start_seq if start_seq > 1 else None,
        # no num_replicas: the stream's (SPINE_STREAM_REPLICAS), followed when the stream changes
    )
    await js.add_consumer(EVENTS_STREAM, config)


async def start_sequence(js: JetStreamContext, cp: Checkpoint) -> int:
    """Stream sequence to start from: after the checkpoint's message if the stream still holds
    it under the same position; after a rebuild (no sequence known) the stream is searched for
    the checkpoint's position; otherwise from the start (skipping by position)."""
    if cp.position <= 0:
        return 1
    info = await js.stream_info(EVENTS_STREAM)
    candidates = [cp.stream_seq] if cp.stream_seq > 0 else []
    # The relay publishes every position once, in order: sequence = position + a constant.
    if info.state.last_seq:
        with contextlib.suppress(Exception):
            last = await js.get_msg(EVENTS_STREAM, seq=info.state.last_seq)
            offset = info.state.last_seq - int((last.headers or {}).get(HEADER_MSG_ID, 0))
            candidates.append(cp.position + offset)
    for seq in candidates:
        if not (info.state.first_seq <= seq <= info.state.last_seq):
            continue
        try:
            msg = await js.get_msg(EVENTS_STREAM, seq=seq)
        except NotFoundError:
            continue
        if int((msg.headers or {}).get(HEADER_MSG_ID, -1)) == cp.position:
            return seq + 1
    return 1
