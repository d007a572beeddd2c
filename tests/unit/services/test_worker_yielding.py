"""The backfill lane's wait for the normal lane and the read models: how long it holds a
command, and when it does not."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from services.apps.worker.yielding import yield_while_held


def _reasons(values: list[str | None]) -> tuple[list[str | None], Callable[[], Awaitable[str | None]]]:
    asked: list[str | None] = []
    source = iter(values)

    async def held() -> str | None:
        value = next(source, values[-1])
        asked.append(value)
        return value

    return asked, held


async def test_it_waits_while_there_is_a_reason_to() -> None:
    asked, held = _reasons(["a normal-lane run is in progress", "read models 300 events behind", None, "later"])
    await yield_while_held(held, poll_s=0.001)
    assert asked == ["a normal-lane run is in progress", "read models 300 events behind", None]


async def test_it_does_not_wait_without_a_reason() -> None:
    asked, held = _reasons([None])
    await yield_while_held(held, poll_s=1.0)
    assert asked == [None]


async def test_a_reason_that_never_goes_holds_a_command_only_so_long(caplog: pytest.LogCaptureFixture) -> None:
    asked, held = _reasons(["read models 10000 events behind"])
    await asyncio.wait_for(yield_while_held(held, max_wait_s=0.05, poll_s=0.01), timeout=10)  # a hang fails
    assert len(asked) >= 2, "asked again while it waited"
    assert "read models 10000 events behind after 0s; running the command anyway" in caplog.text


async def test_a_bus_that_cannot_say_does_not_hold_the_command(caplog: pytest.LogCaptureFixture) -> None:
    async def broken() -> str | None:
        raise ConnectionError("no servers available")

    await yield_while_held(broken, poll_s=1.0)
    assert "could not tell whether the read models lag" in caplog.text
