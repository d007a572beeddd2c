"""NATS JetStream: connections and the streams Spine uses."""

from services.adapters.bus.nats import connect_nats, ensure_streams

__all__ = ["connect_nats", "ensure_streams"]
