"""Work that does not stop when its lease is lost is cancelled after a grace period, so the
instance stands by again (a projector blocked on a connection a PostgreSQL crash dropped
otherwise waited forever)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import pytest

from services.adapters.db.lease import LeaseTiming
from services.adapters.db.standby import _work_while_held


@dataclass
class _Me:
    instance_id: str = "test-instance"


@dataclass
class _LostLease:
    """A lease confirmed once, then lost (its heartbeat fails)."""

    service: str = "projector:test"
    timing: LeaseTiming = field(default_factory=lambda: LeaseTiming(interval_s=0.05, timeout_s=0.2))
    me: _Me = field(default_factory=_Me)
    generation: int | None = 1
    beats: int = 0
    dropped: int = 0

    async def beat(self) -> None:
        self.beats += 1
        if self.beats > 1:
            raise ConnectionResetError("the lease connection is closed")

    async def drop(self, release: bool = False) -> None:
        self.dropped += 1


async def test_work_blind_to_its_stop_event_is_cancelled_after_the_grace(caplog: pytest.LogCaptureFixture) -> None:
    lease = _LostLease()
    cancelled = asyncio.Event()

    async def stuck(_lease: Any, _working: asyncio.Event) -> None:
        try:
            await asyncio.Event().wait()  # never set: like an await nothing will ever answer
        except asyncio.CancelledError:
            cancelled.set()
            raise

    interrupted = await asyncio.wait_for(_work_while_held(lease, asyncio.Event(), stuck), timeout=10)  # type: ignore[arg-type]
    assert cancelled.is_set()
    assert interrupted is False
    assert lease.dropped == 1, "the instance stands by again"
    assert "did not stop within" in caplog.text


async def test_work_that_stops_when_told_is_not_cancelled() -> None:
    lease = _LostLease()
    stopped_by_itself = asyncio.Event()

    async def polite(_lease: Any, working: asyncio.Event) -> None:
        await working.wait()
        stopped_by_itself.set()

    assert await asyncio.wait_for(_work_while_held(lease, asyncio.Event(), polite), timeout=10) is False  # type: ignore[arg-type]
    assert stopped_by_itself.is_set()
    assert lease.dropped == 1


async def test_an_unreachable_server_still_interrupts_the_work() -> None:
    lease = _LostLease()

    async def refused(_lease: Any, _working: asyncio.Event) -> None:
        raise ConnectionRefusedError("PostgreSQL restarting")

    assert await asyncio.wait_for(_work_while_held(lease, asyncio.Event(), refused), timeout=10) is True  # type: ignore[arg-type]
