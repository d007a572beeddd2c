"""Shared fixtures: real PostgreSQL and NATS servers (embedded, on loopback, in temp dirs)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from services.adapters.auth import Scope, add_token
from services.dev.embedded import EmbeddedNats, EmbeddedPostgres, free_port
from services.dev.stack import DEFAULT_SERVICES, Stack
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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave the ``heavy`` tests out of a run that selects nothing (``uv run pytest``, the CI
    run): they take longer than the suite's budget. Any ``-k``, any ``-m`` or a path that names
    their file or folder runs them like every other test (so ``uv run pytest -k standby_takeover``
    runs, never skips, them)."""
    if config.option.keyword or config.option.markexpr:
        return
    root = Path(str(config.rootpath)).resolve()
    everything = {root, root / "tests"}
    given = (Path(str(config.invocation_params.dir), arg.split("::", 1)[0]) for arg in config.invocation_params.args)
    named = [path.resolve() for path in given if path.exists() and path.resolve() not in everything]

    def chosen(item: pytest.Item) -> bool:
        path = Path(str(item.path)).resolve()
        return any(path == arg or arg in path.parents for arg in named)

    heavy = [item for item in items if item.get_closest_marker("heavy") and not chosen(item)]
    if heavy:
        config.hook.pytest_deselected(items=heavy)
        left_out = set(heavy)
        items[:] = [item for item in items if item not in left_out]


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


def settings_for(root: Path, **overrides: Any) -> Settings:
    """Settings for a test's services: their own directories under ``root``, a free gateway port;
    ``overrides`` set the servers and anything a suite needs to differ."""
    fields: dict[str, Any] = {
        "data_dir": root / "spine",
        # The suites put their files straight into the inbox directory (copy_into_inbox); the
        # tests of the file store on the bus ask for `file_store="objects"`, the default.
        "file_store": "inbox",
        "inbox_dir": root / "inbox",
        "gateway_port": free_port(),
        "worker_max_deliver": 3,
        "worker_ack_wait_s": 10.0,
        # One process per service, as a deployment runs them: the chaos and takeover tests kill
        # them one by one (tests/e2e/test_grouped_services.py runs `spine dev`'s default, grouped).
        "dev_processes": "per-service",
        **overrides,
    }
    return Settings(**fields)


def api_headers(settings: Settings, *scopes: Scope, name: str | None = None) -> dict[str, str]:
    """A new token of ``scopes`` (default: ``operate``) in the tokens file of ``settings``, as the
    header that sends it: what in-process gateway tests authenticate with."""
    chosen = frozenset(scopes or (Scope.OPERATE,))
    token, _ = add_token(settings.tokens_file, name or f"test-{uuid.uuid4().hex[:8]}", chosen)
    return {"Authorization": f"Bearer {token}"}


@contextmanager
def start_stack(
    root: Path,
    servers: Servers | None,
    *,
    services: tuple[tuple[str, str | None], ...] = DEFAULT_SERVICES,
    **overrides: Any,
) -> Iterator[Stack]:
    """The whole system as processes (``services.dev.stack.Stack``), stopped on leaving;
    ``services`` chooses which services run (all of them unless a test needs fewer).

    With ``servers``: a fresh database on the shared PostgreSQL and a NATS server of its own, so
    stacks never see each other's data. Without: the stack starts embedded servers of its own
    (what the chaos tests kill and restart). ``overrides`` change the settings (see
    :func:`settings_for`); the returned stack's settings carry its gateway URL.
    """
    with ExitStack() as cleanup:
        if servers is not None:
            nats = servers.new_nats()
            cleanup.callback(nats.stop)
            overrides = {"database_url": servers.new_database(), "nats_url": nats.url, **overrides}
        stack = Stack(settings_for(root, **overrides), services=services, write_dev_state=False)
        stack.start()  # stops what it started if it fails
        cleanup.callback(stack.stop)
        stack.settings = stack.settings.model_copy(update={"gateway_url": stack.gateway_url})
        yield stack


@pytest.fixture
def settings(servers: Servers, nats_server: EmbeddedNats, tmp_path: Path) -> Settings:
    """Settings for in-process services: a fresh database, a fresh NATS server, a temp inbox."""
    return settings_for(tmp_path, database_url=servers.new_database(), nats_url=nats_server.url, worker_ack_wait_s=5.0)


@pytest.fixture(scope="module")
def stack(
    request: pytest.FixtureRequest, servers: Servers, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """A stack per test module; a module may set ``STACK_SETTINGS = {...}`` to change its settings."""
    with start_stack(
        tmp_path_factory.mktemp("stack"), servers, **getattr(request.module, "STACK_SETTINGS", {})
    ) as running:
        yield running
