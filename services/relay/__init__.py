"""The relay: publishes the event store's notification log to JetStream, in order, exactly once."""

from services.relay.relay import Relay

__all__ = ["Relay"]
