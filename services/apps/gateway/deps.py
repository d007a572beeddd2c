"""Dependency aliases for routes.

Every dependency is ``async`` (FastAPI runs a plain ``def`` dependency in a thread pool: a thread
hop on every request for an attribute read) and takes the request itself rather than another
dependency: FastAPI resolves each level of the tree on every request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import asyncpg
from fastapi import Depends, Request
from nats.aio.client import Client

from services.apps.gateway.state import GatewayState
from services.settings import Settings
from spine_core.framework.registry import PipelineRegistry

__all__ = [
    "CommandContext",
    "CommandDep",
    "StateDep",
    "PoolDep",
    "NatsDep",
    "SettingsDep",
    "RegistryDep",
    "gateway_state",
    "gateway_registry",
]


def gateway_state(request: Request) -> GatewayState:
    state: GatewayState = request.app.state.spine
    return state


async def _state(request: Request) -> GatewayState:
    return gateway_state(request)


async def _pool(request: Request) -> asyncpg.Pool:
    return await gateway_state(request).pool()


async def _nats(request: Request) -> Client:
    return await gateway_state(request).nats()


async def _settings(request: Request) -> Settings:
    return gateway_state(request).settings


def gateway_registry(request: Request) -> PipelineRegistry:
    registry: PipelineRegistry = request.app.state.registry
    return registry


async def _registry(request: Request) -> PipelineRegistry:
    return gateway_registry(request)


@dataclass(frozen=True, slots=True)
class CommandContext:
    """What a command route needs, as one dependency: FastAPI solves each dependency again on every
    request (tens of microseconds apiece), and the run route is the one clients call at a rate."""

    state: GatewayState
    registry: PipelineRegistry
    nats: Client


async def _command_context(request: Request) -> CommandContext:
    state = gateway_state(request)
    return CommandContext(state, gateway_registry(request), await state.nats())


StateDep = Annotated[GatewayState, Depends(_state)]
PoolDep = Annotated[asyncpg.Pool, Depends(_pool)]
NatsDep = Annotated[Client, Depends(_nats)]
SettingsDep = Annotated[Settings, Depends(_settings)]
RegistryDep = Annotated[PipelineRegistry, Depends(_registry)]
CommandDep = Annotated[CommandContext, Depends(_command_context)]
