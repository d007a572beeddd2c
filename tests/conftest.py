"""Shared fixtures: real PostgreSQL and NATS servers (embedded, on loopback, in temp dirs)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from services.dev.embedded import EmbeddedNats, EmbeddedPostgres, free_port
from services.dev.stack import Stack
from services.settings import Settings


@dataclass
class Servers:
    postgres: EmbeddedPostgres
    root: Path

    def new_database(self) -> str:
        """A fresh database on the shared server: tests never see each other's data."""
        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{self.postgres.port}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql://postgres@127.0.0.1:{self.postgres.port}/{name}"

    def new_nats(self) -> EmbeddedNats:
        server = EmbeddedNats(self.root / f"nats-{uuid.uuid4().hex[:8]}")
        server.start()
        return server


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    root = tmp_path_factory.mktemp("servers")
    postgres = EmbeddedPostgres(root / "postgres" / "data")
    postgres.start()
    try:
        yield Servers(postgres, root)
    finally:
        postgres.stop()


@pytest.fixture
def nats_server(servers: Servers) -> Iterator[EmbeddedNats]:
    server = servers.new_nats()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def settings(servers: Servers, nats_server: EmbeddedNats, tmp_path: Path) -> Settings:
    """Settings for in-process services: a fresh database, a fresh NATS server, a temp inbox."""
    return Settings(
        database_url=servers.new_database(),
        nats_url=nats_server.url,
        data_dir=tmp_path / "spine",
        inbox_dir=tmp_path / "inbox",
        gateway_port=free_port(),
        worker_max_deliver=3,
        worker_ack_wait_s=5.0,
    )


@pytest.fixture(scope="module")
def module_nats(servers: Servers) -> Iterator[EmbeddedNats]:
    server = servers.new_nats()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def stack(
    request: pytest.FixtureRequest,
    servers: Servers,
    module_nats: EmbeddedNats,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Stack]:
    """A module may set ``STACK_SETTINGS = {...}`` to change the stack's settings."""
    root = tmp_path_factory.mktemp("stack")
    settings = Settings(
        database_url=servers.new_database(),
        nats_url=module_nats.url,
        data_dir=root / "spine",
        inbox_dir=root / "inbox",
        gateway_port=free_port(),
        worker_max_deliver=3,
        worker_ack_wait_s=10.0,
        **getattr(request.module, "STACK_SETTINGS", {}),
    )
    stack = Stack(settings, write_dev_state=False)
    stack.start()
    stack.settings = stack.settings.model_copy(update={"gateway_url": stack.gateway_url})
    try:
        yield stack
    finally:
        stack.stop()
