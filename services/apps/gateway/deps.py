"""Dependency aliases for routes.

Every dependency is ``async``: FastAPI runs a plain ``def`` dependency in a thread pool, a thread
hop on every request for what is an attribute read.
"""

from __future__ import annotations

from typing import Annotated

import asyncpg
from fastapi import Depends, Request
from nats.aio.client import Client

from services.apps.gateway.state import GatewayState
from services.settings import Settings
from spine_core.framework.registry import PipelineRegistry

__all__ = ["StateDep", "PoolDep", "NatsDep", "SettingsDep", "RegistryDep"]


async def _state(request: Request) -> GatewayState:
    state: GatewayState = request.app.state.spine
    return state


async def _pool(state: Annotated[GatewayState, Depends(_state)]) -> asyncpg.Pool:
    return await state.pool()


async def _nats(state: Annotated[GatewayState, Depends(_state)]) -> Client:
    return await state.nats()


async def _settings(state: Annotated[GatewayState, Depends(_state)]) -> Settings:
    return state.settings


async def _registry(request: Request) -> PipelineRegistry:
    registry: PipelineRegistry = request.app.state.registry
    return registry


StateDep = Annotated[GatewayState, Depends(_state)]
PoolDep = Annotated[asyncpg.Pool, Depends(_pool)]
NatsDep = Annotated[Client, Depends(_nats)]
SettingsDep = Annotated[Settings, Depends(_settings)]
RegistryDep = Annotated[PipelineRegistry, Depends(_registry)]
