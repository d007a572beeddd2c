"""Each service as a long-running process: ``spine service worker|relay|projector NAME|gateway``.

Every function builds its service from a :class:`Settings` (no work at import time), runs it
until ``stop`` is set, and shuts it down cleanly. The relay, each projector and the process
manager may run as several instances: each connects and prepares, then works only while it
holds its service's lease (:func:`services.adapters.db.standby.run_with_lease`); the others
stand by, ready to take over.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from services.settings import Settings

if TYPE_CHECKING:
    import asyncpg
    from fastapi import FastAPI
    from nats.aio.client import Client

    from services.adapters.db.lease import Lease
    from services.adapters.db.standby import Work
    from services.apps.ops.monitor import OpsMonitor

__all__ = ["LEASED", "SERVICES", "lease_name", "run_service", "prepare_infrastructure", "build_gateway"]

log = logging.getLogger("spine.service")


async def prepare_infrastructure(settings: Settings) -> None:
    """Migrations and streams: the step that runs before any service serves."""
    from services.adapters.bus.nats import connect_nats, ensure_streams
    from services.adapters.db.migrate import migrate
    from services.adapters.eventstore.app import SpineEventStore

    assert settings.database_url
    await asyncio.to_thread(SpineEventStore.create, settings)
    await migrate(settings.database_url)
    nc = await connect_nats(settings, "spine-setup", reconnect=False)
    try:
        await ensure_streams(nc, settings.stream_replicas)
    finally:
        await nc.close()


#: The services that run one active instance at a time, by the name their lease goes by.
LEASED = ("relay", "projector", "process-manager")


def lease_name(kind: str, arg: str | None = None) -> str:
    """The name of a leased service's lease (and of its instances in ``GET /v1/ops/instances``)."""
    return f"{kind}:{arg}" if arg else kind


async def _with_lease(settings: Settings, service: str, stop: asyncio.Event, work: Work) -> None:
    from services.adapters.db.lease import Lease, LeaseTiming
    from services.adapters.db.standby import run_with_lease

    assert settings.database_url
    timing = LeaseTiming(interval_s=settings.lease_interval_s, timeout_s=settings.lease_timeout_s)
    await run_with_lease(Lease(settings.database_url, service, timing), stop, work)


async def _worker(settings: Settings, stop: asyncio.Event, _: str | None) -> None:
    import spine_domains
    from services.adapters.bus.nats import connect_nats, ensure_streams
    from services.apps.worker.app import Worker

    registry = spine_domains.build_registry()
    nc = await connect_nats(settings, "spine-worker-setup", reconnect=False)
    await ensure_streams(nc, settings.stream_replicas)
    await nc.close()
    worker = await asyncio.to_thread(Worker, settings, registry)
    await worker.start()
    log.info("worker consuming commands")
    try:
        await stop.wait()
    finally:
        await worker.stop()


async def _relay(settings: Settings, stop: asyncio.Event, _: str | None) -> None:
    from services.adapters.bus.nats import connect_nats, ensure_streams
    from services.adapters.eventstore.app import SpineEventStore
    from services.apps.relay.relay import Relay

    assert settings.database_url
    app = await asyncio.to_thread(SpineEventStore.connect, settings, pool_size=2)
    nc = await connect_nats(settings, "spine-relay")
    database_url = settings.database_url

    async def work(lease: Lease, active: asyncio.Event) -> None:
        await Relay(app, nc, database_url, batch=settings.relay_batch, fence=lease).run(active)

    try:
        await ensure_streams(nc, settings.stream_replicas)
        await _with_lease(settings, lease_name("relay"), stop, work)
    finally:
        await nc.close()
        app.close()


async def _projector(settings: Settings, stop: asyncio.Event, name: str | None) -> None:
    from projections.registry import get_projection
    from services.adapters.bus.nats import connect_nats, ensure_streams
    from services.adapters.db.migrate import migrate_projection
    from services.adapters.db.pool import create_pool
    from services.adapters.eventstore.app import SpineEventStore
    from services.adapters.eventstore.positions import position_reader
    from services.apps.projector.runtime import ProjectorRunner

    if not name:
        raise SystemExit("spine service projector needs a projection name")
    spec = get_projection(name)
    pool = await create_pool(settings.database_url, max_size=2)
    nc = await connect_nats(settings, f"spine-projector-{name}")
    app = await asyncio.to_thread(SpineEventStore.connect, settings, pool_size=1)
    try:
        async with pool.acquire() as conn:
            await migrate_projection(conn, spec)
        await ensure_streams(nc, settings.stream_replicas)

        async def work(lease: Lease, active: asyncio.Event) -> None:
            runner = ProjectorRunner(
                spec,
                pool,
                nc,
                batch=settings.projector_batch,
                max_attempts=settings.projector_max_attempts,
                event_reader=position_reader(app),
                fence=lease,
            )
            await runner.run(active)

        await _with_lease(settings, lease_name("projector", name), stop, work)
    finally:
        await nc.close()
        await pool.close()
        app.close()


async def _process_manager(settings: Settings, stop: asyncio.Event, _: str | None) -> None:
    import spine_domains
    from services.adapters.bus.nats import connect_nats, ensure_streams
    from services.adapters.db.migrate import migrate_projection
    from services.adapters.db.pool import create_pool
    from services.apps.process_manager.applier import process_manager_spec
    from services.apps.projector.runtime import ProjectorRunner

    registry = spine_domains.build_registry()
    pool = await create_pool(settings.database_url, max_size=2)
    nc = await connect_nats(settings, "spine-process-manager")
    try:
        spec = process_manager_spec(nc, registry)
        async with pool.acquire() as conn:
            await migrate_projection(conn, spec)
        await ensure_streams(nc, settings.stream_replicas)

        async def work(lease: Lease, active: asyncio.Event) -> None:
            await ProjectorRunner(
                spec,
                pool,
                nc,
                batch=settings.projector_batch,
                max_attempts=settings.projector_max_attempts,
                fence=lease,
            ).run(active)

        await _with_lease(settings, lease_name("process-manager"), stop, work)
    finally:
        await nc.close()
        await pool.close()


def build_gateway(settings: Settings) -> FastAPI:
    """The gateway app with the projection-lag monitor wired in (the apps never import each other)."""
    import spine_domains
    from services.apps.gateway.app import create_app
    from services.apps.ops.monitor import OpsMonitor

    def monitor(
        settings: Settings, pool: Callable[[], Awaitable[asyncpg.Pool]], nats: Callable[[], Awaitable[Client]]
    ) -> OpsMonitor:
        return OpsMonitor(pool, nats, settings.eventstore_schema)

    return create_app(settings, spine_domains.build_registry(), monitor_factory=monitor)


async def _gateway(
    settings: Settings, stop: asyncio.Event, _: str | None, sockets: list[socket.socket] | None = None
) -> None:
    import uvicorn

    config = uvicorn.Config(
        build_gateway(settings),
        host=settings.gateway_host,
        port=settings.gateway_port,
        log_config=None,
        access_log=False,
    )
    server = uvicorn.Server(config)  # it handles SIGINT/SIGTERM itself, then re-raises them to us
    serve = asyncio.create_task(server.serve(sockets=sockets))
    stopper = asyncio.create_task(stop.wait())
    await asyncio.wait({serve, stopper}, return_when=asyncio.FIRST_COMPLETED)
    server.should_exit = True
    await serve
    stopper.cancel()


async def _group(settings: Settings, stop: asyncio.Event, members: str | None) -> None:
    """Several services in one process, each as it runs alone (its own connections, its own
    lease): ``members`` is a comma-separated list such as ``relay,projector:manifest``. A member
    that fails ends the process, as it would end its own; whoever supervises restarts them all."""
    from services.groups import parse_group

    async def member(kind: str, arg: str | None) -> None:
        await SERVICES[kind](settings, stop, arg)

    parsed = parse_group(members)
    async with asyncio.TaskGroup() as group:
        for kind, arg in parsed:
            group.create_task(member(kind, arg), name=lease_name(kind, arg))


SERVICES: dict[str, Callable[[Settings, asyncio.Event, str | None], Awaitable[None]]] = {
    "worker": _worker,
    "relay": _relay,
    "projector": _projector,
    "gateway": _gateway,
    "process-manager": _process_manager,
    "group": _group,
}


def run_service(name: str, settings: Settings, arg: str | None = None) -> None:
    """Run one service in this process until SIGINT or SIGTERM (the gateway with
    ``settings.gateway_workers`` > 1: that many processes on one listening socket)."""
    if name == "gateway" and settings.gateway_workers > 1:
        from services.gateway_workers import serve_workers

        serve_workers(settings, _gateway_worker)
        return
    _run_until_signal(name, lambda stop: SERVICES[name](settings, stop, arg))


def _gateway_worker(settings: Settings, sock: socket.socket, number: int) -> None:
    """One of several gateway processes (started by spawn): serve on the socket its parent bound."""
    from services.logging import configure_logging

    configure_logging(settings.log_level, settings.log_format, f"gateway-{number}")
    _run_until_signal("gateway", lambda stop: _gateway(settings, stop, None, [sock]))


def _run_until_signal(name: str, serve: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        await serve(stop)

    with asyncio.Runner(loop_factory=_loop_factory(name)) as runner:
        runner.run(main())


def _loop_factory(name: str) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop for the gateway when it is installed (a third less CPU per request than asyncio's
    loop, with httptools parsing HTTP); the other services keep asyncio's own loop."""
    if name != "gateway":
        return None
    try:
        import uvloop
    except ImportError:  # e.g. on Windows
        return None
    return uvloop.new_event_loop
