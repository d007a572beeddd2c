"""The event store: the ``eventsourcing`` library on PostgreSQL, and its translation to the wire."""

from services.adapters.eventstore.app import SpineEventStore, StoreAdapter, eventstore_env
from services.adapters.eventstore.translate import to_envelope

__all__ = ["SpineEventStore", "StoreAdapter", "eventstore_env", "to_envelope"]
