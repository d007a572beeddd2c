"""The event store application and the adapter the framework's runner writes through."""

from __future__ import annotations

from typing import TypeVar
from uuid import UUID

import psycopg
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Transcoder
from psycopg.conninfo import conninfo_to_dict

import spine_core.write  # noqa: F401  (defining the aggregates registers the topics stored events name)
from services.adapters.eventstore.recorder import RECORDER_TOPIC
from services.adapters.eventstore.transcoder import DateAsISO, FramedJSONTranscoder
from services.settings import Settings
from spine_core.errors import ConcurrencyConflict, Unavailable

__all__ = ["SpineEventStore", "StoreAdapter", "eventstore_env", "ensure_eventstore_schema", "EVENTS_TABLE"]

A = TypeVar("A", bound=Aggregate)

#: The library names its table ``<application name>_events``.
EVENTS_TABLE = "spine_events"


def eventstore_env(settings: Settings, *, pool_size: int = 4, create_tables: bool = False) -> dict[str, str]:
    """The ``eventsourcing`` configuration, derived from Spine's settings (never from os.environ)."""
    if not settings.database_url:
        raise Unavailable("no database configured", hint="run `spine dev` or set SPINE_DATABASE_URL")
    info = conninfo_to_dict(settings.database_url)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": str(info.get("dbname") or "spine"),
        "POSTGRES_HOST": str(info.get("host") or "127.0.0.1"),
        "POSTGRES_PORT": str(info.get("port") or "5432"),
        "POSTGRES_USER": str(info.get("user") or "postgres"),
        "POSTGRES_PASSWORD": str(info.get("password") or ""),
        "POSTGRES_SCHEMA": settings.eventstore_schema,
        "POSTGRES_POOL_SIZE": str(pool_size),
        "POSTGRES_MAX_OVERFLOW": "4",
        "POSTGRES_LOCK_TIMEOUT": "30",
        "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": "30",
        "POSTGRES_PRE_PING": "y",
        # The migration step creates the library's tables once; services only connect (several
        # processes creating them at once race on PostgreSQL's catalog).
        "CREATE_TABLE": "y" if create_tables else "n",
        "APPLICATION_RECORDER_TOPIC": RECORDER_TOPIC,
    }


def ensure_eventstore_schema(settings: Settings) -> None:
    """Create the event store's schema; the library then creates its own tables in it."""
    assert settings.database_url
    try:
        with psycopg.connect(settings.database_url, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{settings.eventstore_schema}"')
    except psycopg.OperationalError as exc:
        raise Unavailable(f"cannot reach PostgreSQL: {exc}".strip(), hint="is the database running?") from exc


def tune_state_storage(settings: Settings) -> None:
    """Store event states without pglz compression.

    Row-block events are hundreds of kilobytes; PostgreSQL compresses such values with pglz by
    default, which costs more CPU than parsing the rows did. Use lz4 where the server has it,
    else keep the values uncompressed (out of line). Only new rows are affected; checked first
    so a running system is not locked for nothing.
    """
    assert settings.database_url
    table = f'"{settings.eventstore_schema}"."{EVENTS_TABLE}"'
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        row = conn.execute(
            """SELECT a.attstorage, a.attcompression FROM pg_attribute a
               WHERE a.attrelid = %s::regclass AND a.attname = 'state'""",
            (table,),
        ).fetchone()
        if row is None or row[0] == "e" or row[1] == "l":
            return
        try:
            conn.execute(f"ALTER TABLE {table} ALTER COLUMN state SET COMPRESSION lz4")
        except psycopg.errors.FeatureNotSupported:
            conn.execute(f"ALTER TABLE {table} ALTER COLUMN state SET STORAGE EXTERNAL")


class SpineEventStore(Application):  # type: ignore[type-arg]
    name = "spine"

    def __init__(self, env: dict[str, str]) -> None:
        super().__init__(env=env)

    @classmethod
    def connect(cls, settings: Settings, *, pool_size: int = 4) -> SpineEventStore:
        """The event store on PostgreSQL, configured from Spine's settings (tables must exist:
        see :meth:`create`)."""
        return cls(eventstore_env(settings, pool_size=pool_size))

    @classmethod
    def create(cls, settings: Settings) -> None:
        """The migration step for the event store: schema, the library's tables, storage tuning."""
        ensure_eventstore_schema(settings)
        cls(eventstore_env(settings, pool_size=1, create_tables=True)).close()
        tune_state_storage(settings)

    @classmethod
    def in_memory(cls) -> SpineEventStore:
        """The same application on the library's in-memory persistence (unit tests)."""
        return cls({"PERSISTENCE_MODULE": "eventsourcing.popo"})

    def construct_transcoder(self) -> Transcoder:
        transcoder = FramedJSONTranscoder()
        self.register_transcodings(transcoder)
        return transcoder

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def head_position(self) -> int:
        return self.recorder.max_notification_id() or 0


class StoreAdapter:
    """Implements ``spine_core.write.ports.EventStore`` over the eventsourcing application."""

    def __init__(self, app: Application) -> None:  # type: ignore[type-arg]
        self.app = app

    def get(self, cls: type[A], aggregate_id: UUID) -> A | None:
        try:
            aggregate: Aggregate = self.app.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        if not isinstance(aggregate, cls):
            raise TypeError(f"aggregate {aggregate_id} is a {type(aggregate).__name__}, not a {cls.__name__}")
        return aggregate

    def save(self, *aggregates: Aggregate) -> int | None:
        try:
            recordings = self.app.save(*aggregates)
        except IntegrityError as exc:
            raise ConcurrencyConflict(f"another writer recorded events first: {exc}") from exc
        positions = [r.notification.id for r in recordings if r.notification is not None]
        return max(positions) if positions else None
