"""The gateway application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.apps.gateway.errors import install_error_handlers
from services.apps.gateway.monitoring import MonitorFactory
from services.apps.gateway.routers import (
    calcs,
    dashboard,
    data,
    events,
    executions,
    health,
    inbox,
    metrics,
    ops,
    partitions,
    pipelines,
)
from services.apps.gateway.state import GatewayState
from services.settings import Settings
from spine_core.framework.registry import PipelineRegistry

__all__ = ["create_app"]


def create_app(settings: Settings, registry: PipelineRegistry, *, monitor_factory: MonitorFactory) -> FastAPI:
    """The gateway, serving ``registry``'s pipelines with ``settings``; ``monitor_factory`` builds
    its lag monitor.

    Nothing connects until the first request (or the lifespan's start of the monitor).
    ``services.bootstrap.build_gateway`` wires the real registry and monitor in.
    """
    state = GatewayState(settings, monitor_factory)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        state.start_monitor()
        try:
            yield
        finally:
            await state.close()

    app = FastAPI(
        title="Spine gateway",
        version="1",
        description="Commands, executions and read models of Spine, the event-sourced analytics pipeline platform.",
        lifespan=lifespan,
    )
    app.state.spine = state
    app.state.registry = registry
    install_error_handlers(app)
    routers = (health, pipelines, executions, data, calcs, partitions, inbox, ops, events, metrics, dashboard)
    for router in (module.router for module in routers):
        app.include_router(router)
    return app
