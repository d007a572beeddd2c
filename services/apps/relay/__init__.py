"""The relay: publishes the event store's notification log to JetStream, in order, exactly once."""

from services.apps.relay.relay import Relay

__all__ = ["Relay"]
