"""The gateway application factory."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from services.apps.gateway.auth import Authenticator, Plane, require
from services.apps.gateway.consistency import document_min_position
from services.apps.gateway.errors import install_error_handlers
from services.apps.gateway.monitoring import MonitorFactory
from services.apps.gateway.routers import (
    asyncapi,
    calcs,
    capabilities,
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
    auth = Authenticator(settings)  # a malformed SPINE_API_TOKENS or tokens file stops the start here
    auth.log_start()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        state.start_monitor()
        # What start-up built (modules, the app, its routes and models: most of the heap) lives as
        # long as the process: frozen, the collector's full passes skip it instead of walking it
        # again every few thousand requests. Garbage is collected first so none is kept forever;
        # unfrozen at shutdown, for a process (a test) that builds another gateway.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            gc.unfreeze()
            await state.close()

    app = FastAPI(
        title="Spine gateway",
        version="1",
        description="Commands, executions and read models of Spine, the event-sourced analytics pipeline platform.",
        lifespan=lifespan,
    )
    app.state.spine = state
    app.state.registry = registry
    app.state.auth = auth
    install_error_handlers(app)
    document_min_position(app)
    # Who may call what is decided here, per router (see auth.py for the per-route scopes);
    # /health, /health/ready, /docs, /openapi.json, the bus contract (/asyncapi.json, /asyncapi) and the
    # dashboard's page and assets are public.
    guarded = {
        Plane.DATA: (pipelines, executions, data, calcs, partitions, inbox, capabilities),
        Plane.OPS: (ops, events),
        Plane.METRICS: (metrics,),
    }
    for module in (health, dashboard, asyncapi):
        app.include_router(module.router)
    for plane, modules in guarded.items():
        for module in modules:
            app.include_router(module.router, dependencies=[Depends(require(plane))])
    return app
