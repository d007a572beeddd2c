"""Dependency aliases for routes."""

from __future__ import annotations

from typing import Annotated

import asyncpg
from fastapi import Depends, Request
from nats.aio.client import Client

from services.apps.gateway.state import GatewayState
from services.settings import Settings
from spine_core.framework.registry import PipelineRegistry

__all__ = ["StateDep", "PoolDep", "NatsDep", "SettingsDep", "RegistryDep"]


def _state(request: Request) -> GatewayState:
    state: GatewayState = request.app.state.spine
    return state


async def _pool(state: Annotated[GatewayState, Depends(_state)]) -> asyncpg.Pool:
    return await state.pool()


async def _nats(state: Annotated[GatewayState, Depends(_state)]) -> Client:
    return await state.nats()


def _settings(state: Annotated[GatewayState, Depends(_state)]) -> Settings:
    return state.settings


def _registry(request: Request) -> PipelineRegistry:
    registry: PipelineRegistry = request.app.state.registry
    return registry


StateDep = Annotated[GatewayState, Depends(_state)]
PoolDep = Annotated[asyncpg.Pool, Depends(_pool)]
NatsDep = Annotated[Client, Depends(_nats)]
SettingsDep = Annotated[Settings, Depends(_settings)]
RegistryDep = Annotated[PipelineRegistry, Depends(_registry)]
