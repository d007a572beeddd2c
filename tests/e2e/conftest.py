"""The whole stack as separate processes, against the session's PostgreSQL and a fresh NATS."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from services.dev.embedded import EmbeddedNats, free_port
from services.dev.stack import Stack
from services.settings import Settings
from tests.conftest import Servers


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
