"""A stack with several instances of some services, and what the tests ask of it: which
instance is active (as ``GET /v1/ops/instances`` says), killing it, waiting for a successor."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from services.cli.client import ApiError, GatewayClient
from services.dev.stack import Stack
from spine_core.errors import SpineError
from tests.conftest import Servers, settings_for
from tests.polling import eventually

__all__ = [
    "Takeover",
    "active_of",
    "instances",
    "kill_active",
    "more_than_one_active",
    "start_cluster",
    "wait_for_pairs",
    "wait_for_takeover",
]

Services = tuple[tuple[str, str | None], ...]


@contextmanager
def start_cluster(root: Path, servers: Servers, services: Services, **overrides: Any) -> Iterator[Stack]:
    """Like ``tests.conftest.start_stack`` (a fresh database, a NATS server of its own), with
    ``services`` naming each instance to start: a service named twice runs twice."""
    with ExitStack() as cleanup:
        nats = servers.new_nats()
        cleanup.callback(nats.stop)
        settings = settings_for(root, database_url=servers.new_database(), nats_url=nats.url, **overrides)
        stack = Stack(settings, services=services, write_dev_state=False)
        stack.start()
        cleanup.callback(stack.stop)
        yield stack


async def instances(stack: Stack) -> list[dict[str, Any]]:
    async with GatewayClient(stack.gateway_url, token=stack.operator_token) as gateway:
        return list((await gateway.get("/v1/ops/instances"))["data"])


def active_of(items: list[dict[str, Any]], service: str) -> dict[str, Any] | None:
    found = [i for i in items if i["service"] == service and i["state"] == "active"]
    return found[0] if found else None


def more_than_one_active(items: list[dict[str, Any]]) -> list[str]:
    """The services with more than one active instance in one view (the guard of a lease)."""
    services = [i["service"] for i in items if i["state"] == "active"]
    return sorted({s for s in services if services.count(s) > 1})


async def wait_for_pairs(stack: Stack, services: tuple[str, ...], timeout: float = 60.0) -> list[dict[str, Any]]:
    """Wait until each of ``services`` has one active instance and one standby."""

    async def paired() -> list[dict[str, Any]]:
        items = await instances(stack)
        for service in services:
            states = sorted(i["state"] for i in items if i["service"] == service)
            if states != ["active", "standby"]:
                return []
        return items

    return await eventually(paired, timeout, f"an active and a standby instance of each of {services}")


class Takeover:
    """A kill of a service's active instance and what followed."""

    def __init__(self, service: str, victim: dict[str, Any], killed_at: float, killed_mono: float) -> None:
        self.service = service
        self.victim = victim
        self.killed_at = killed_at
        self.killed_mono = killed_mono
        self.successor: dict[str, Any] | None = None
        self.seen_after_s: float | None = None

    @property
    def seconds(self) -> float:
        """From the kill to the moment the successor took the lease (its ``active_since``)."""
        assert self.successor is not None and self.successor["active_since"]
        return datetime.fromisoformat(self.successor["active_since"]).timestamp() - self.killed_at


async def kill_active(stack: Stack, service: str) -> Takeover:
    """``kill -9`` the process of ``service``'s active instance."""
    victim = active_of(await instances(stack), service)
    assert victim is not None, f"{service} has no active instance to kill"
    child = stack.child_by_pid(victim["pid"])
    assert child is not None and child.process is not None, f"no child of the stack runs pid {victim['pid']}"
    killed_at, killed_mono = time.time(), time.monotonic()
    child.process.kill()
    child.process.wait(5)
    return Takeover(service, victim, killed_at, killed_mono)


async def wait_for_takeover(stack: Stack, takeover: Takeover, timeout: float = 60.0) -> Takeover:
    """Wait until another instance of the service is active and the killed one shows ``gone``."""

    async def taken_over() -> list[dict[str, Any]]:
        items = await instances(stack)
        successor = active_of(items, takeover.service)
        victim = [i for i in items if i["instance_id"] == takeover.victim["instance_id"]]
        if successor and successor["instance_id"] != takeover.victim["instance_id"] and victim[0]["state"] == "gone":
            takeover.successor = successor
            return items
        return []

    await eventually(
        taken_over, timeout, f"a standby of {takeover.service} to take over", retry_on=(SpineError, ApiError)
    )
    takeover.seen_after_s = time.monotonic() - takeover.killed_mono
    return takeover
