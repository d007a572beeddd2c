"""The embedded development stack: PostgreSQL and NATS from wheels, plus Spine's services."""
