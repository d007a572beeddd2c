"""Waiting for a condition in tests: poll it until a deadline, never ``sleep(n)`` and hope.

A failure says what was awaited and the last value (or error) seen, so a timeout in CI can be read
without running the test again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

__all__ = ["eventually", "eventually_sync"]

T = TypeVar("T")

INTERVAL_S = 0.1


class _Attempts:
    """The deadline and the last thing seen, shared by the async and the sync loop."""

    def __init__(self, timeout: float, what: str, retry_on: tuple[type[BaseException], ...]) -> None:
        self.timeout = timeout
        self.what = what
        self.retry_on = retry_on
        self.deadline = time.monotonic() + timeout
        self.last: str = "nothing (the check never ran)"

    def saw(self, value: object) -> None:
        self.last = f"last value: {value!r}"

    def failed(self, exc: BaseException) -> None:
        if not isinstance(exc, self.retry_on):
            raise exc
        self.last = f"last error: {exc!r}"

    def check_deadline(self) -> None:
        if time.monotonic() > self.deadline:
            raise AssertionError(f"timed out after {self.timeout:g}s waiting for {self.what}; {self.last}")


async def eventually(
    check: Callable[[], Awaitable[T]],
    timeout: float = 30.0,
    what: str = "the condition",
    *,
    until: Callable[[T], object] | None = None,
    interval: float = INTERVAL_S,
    retry_on: tuple[type[BaseException], ...] = (),
) -> T:
    """Await ``check()`` every ``interval`` seconds until its value is truthy (or satisfies
    ``until``, when given) and return that value; raise ``AssertionError`` naming ``what`` and the
    last value seen once ``timeout`` seconds have passed.

    Exceptions of the types in ``retry_on`` count as "not yet" (e.g. a server that is restarting);
    any other exception fails the wait at once.
    """
    attempts = _Attempts(timeout, what, retry_on)
    while True:
        try:
            value = await check()
        except Exception as exc:
            attempts.failed(exc)
        else:
            if until(value) if until is not None else value:
                return value
            attempts.saw(value)
        attempts.check_deadline()
        await asyncio.sleep(interval)


def eventually_sync(
    check: Callable[[], T],
    timeout: float = 30.0,
    what: str = "the condition",
    *,
    interval: float = INTERVAL_S,
    retry_on: tuple[type[BaseException], ...] = (),
) -> T:
    """:func:`eventually` for code that runs outside an event loop (e.g. a server started in a thread)."""
    attempts = _Attempts(timeout, what, retry_on)
    while True:
        try:
            value = check()
        except Exception as exc:
            attempts.failed(exc)
        else:
            if value:
                return value
            attempts.saw(value)
        attempts.check_deadline()
        time.sleep(interval)
