"""NATS JetStream: connections, the streams Spine uses, and who may do what on them."""

from services.adapters.bus.nats import connect_nats, ensure_streams, mask_url, nats_options

__all__ = ["connect_nats", "ensure_streams", "mask_url", "nats_options"]
