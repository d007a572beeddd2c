"""Adapters to infrastructure: the bus (NATS), PostgreSQL, the event store, file storage,
command publishing and projection rebuilds. Adapters never import an app."""
