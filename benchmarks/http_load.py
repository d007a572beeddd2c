"""A small HTTP/1.1 load generator for the gateway benchmarks: keep-alive connections over
asyncio streams, one request at a time per connection.

Written by hand rather than with httpx or wrk: httpx costs more CPU per request than the
gateway does on this machine (the client would be what is measured), and wrk neither offers a
fixed request rate nor is always installed. :func:`sequential` measures one client's latency;
:func:`fixed_rate` offers requests on a fixed schedule (open loop) and measures each latency
from the moment the request was due, so a server that falls behind shows it in the latency
instead of silently slowing the client down (coordinated omission).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")

__all__ = ["Connection", "Outcome", "Request", "percentile", "sequential", "fixed_rate", "closed_loop", "run_load"]


class Connection:
    """One keep-alive HTTP/1.1 connection that sends requests (GET, or POST with a JSON body) and
    reads whole answers."""

    def __init__(self, host: str, port: int, headers: dict[str, str] | None = None) -> None:
        self.host, self.port = host, port
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        self._head = f"Host: {host}:{port}\r\n{extra}\r\n"
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self._reader, self._writer = await asyncio.open_connection(self.host, self.port)

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            try:
                await self._writer.wait_closed()
            except OSError:
                pass
            self._writer = None

    async def get(self, path: str) -> tuple[int, bytes]:
        return await self.request("GET", path)

    async def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        """Send one request (``body`` as JSON) and read its answer: (status, body)."""
        if self._writer is None:
            await self.open()
        assert self._reader is not None and self._writer is not None
        if body is None:
            self._writer.write(f"{method} {path} HTTP/1.1\r\n{self._head}".encode())
        else:
            framing = f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            self._writer.write(f"{method} {path} HTTP/1.1\r\n{framing}{self._head}".encode() + body)
        status_line = await self._reader.readline()
        if not status_line:
            await self.close()
            raise ConnectionError("the server closed the connection")
        status = int(status_line.split(b" ", 2)[1])
        length, chunked, close = 0, False, False
        while True:
            line = await self._reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.partition(b":")
            key = name.strip().lower()
            if key == b"content-length":
                length = int(value)
            elif key == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif key == b"connection" and b"close" in value.lower():
                close = True
        if chunked:
            parts = []
            while True:
                size = int((await self._reader.readline()).split(b";")[0], 16)
                if size == 0:
                    await self._reader.readline()
                    break
                parts.append(await self._reader.readexactly(size))
                await self._reader.readline()
            body = b"".join(parts)
        else:
            body = await self._reader.readexactly(length)
        if close:
            await self.close()
        return status, body


#: A request of :func:`closed_loop`: method, path and body (None for none).
Request = tuple[str, str, bytes | None]


def percentile(values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (0-100) by nearest rank; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1))
    return ordered[rank]


@dataclass
class Outcome:
    latencies_s: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    offered: int = 0

    @property
    def completed(self) -> int:
        return len(self.latencies_s)

    def summary(self) -> dict[str, float | int]:
        return {
            "requests": self.completed,
            "errors": len(self.errors),
            "seconds": round(self.seconds, 3),
            "requests_per_s": round(self.completed / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": round(percentile(self.latencies_s, 50) * 1000, 3),
            "p99_ms": round(percentile(self.latencies_s, 99) * 1000, 3),
            "max_ms": round(max(self.latencies_s, default=0.0) * 1000, 3),
        }


async def sequential(conn: Connection, paths: Sequence[str], count: int, max_seconds: float) -> Outcome:
    """``count`` requests one after the other (cycling through ``paths``), at most ``max_seconds``."""
    out = Outcome()
    started = time.perf_counter()
    for i in range(count):
        if time.perf_counter() - started > max_seconds:
            break
        sent = time.perf_counter()
        status, body = await conn.get(paths[i % len(paths)])
        if status != 200:
            out.errors.append(f"HTTP {status}: {body[:200]!r}")
            continue
        out.latencies_s.append(time.perf_counter() - sent)
    out.seconds = time.perf_counter() - started
    out.offered = count
    return out


async def fixed_rate(
    host: str,
    port: int,
    headers: dict[str, str],
    paths: Sequence[str],
    rate: float,
    seconds: float,
    connections: int = 64,
    grace: float = 5.0,
) -> Outcome:
    """Offer ``rate`` requests/s for ``seconds`` (cycling through ``paths``) over up to
    ``connections`` keep-alive connections; requests still waiting ``grace`` seconds after the
    last one was due are abandoned (counted as errors). Latency runs from when a request was due."""
    total = int(rate * seconds)
    due: asyncio.Queue[tuple[int, float]] = asyncio.Queue()
    out = Outcome(offered=total)
    started = time.perf_counter()
    last_done = started

    async def client() -> None:
        nonlocal last_done
        conn = Connection(host, port, headers)
        try:
            while True:
                i, when = await due.get()
                try:
                    status, body = await conn.get(paths[i % len(paths)])
                except (ConnectionError, OSError, asyncio.IncompleteReadError) as exc:
                    out.errors.append(repr(exc))
                    await conn.close()
                    continue
                finally:
                    due.task_done()
                done = time.perf_counter()
                if status == 200:
                    out.latencies_s.append(done - when)
                    last_done = done
                else:
                    out.errors.append(f"HTTP {status}: {body[:200]!r}")
        finally:
            await conn.close()

    clients = [asyncio.create_task(client()) for _ in range(connections)]
    try:
        sent = 0
        while sent < total:
            now = time.perf_counter()
            while sent < total and started + sent / rate <= now:
                due.put_nowait((sent, started + sent / rate))
                sent += 1
            await asyncio.sleep(0.0005)
        try:
            await asyncio.wait_for(due.join(), timeout=grace)
        except TimeoutError:
            out.errors.append(f"{total - out.completed - len(out.errors)} requests still pending after {grace}s")
    finally:
        for task in clients:
            task.cancel()
        await asyncio.gather(*clients, return_exceptions=True)
    out.seconds = max(last_done, started + seconds) - started
    return out


async def closed_loop(
    host: str,
    port: int,
    headers: dict[str, str],
    request: Request,
    count: int,
    max_seconds: float,
    connections: int = 64,
    ok: frozenset[int] = frozenset({200}),
) -> Outcome:
    """As many requests as ``connections`` keep-alive connections complete, each sending the next
    as soon as its answer arrived (closed loop: the throughput the server sustains), until
    ``count`` were sent or ``max_seconds`` passed. An answer whose status is not in ``ok`` is an error."""
    method, path, body = request
    out = Outcome(offered=count)
    conns = [Connection(host, port, headers) for _ in range(connections)]
    await asyncio.gather(*(c.open() for c in conns))  # connecting is not what is measured
    sent = 0
    started = time.perf_counter()
    deadline = started + max_seconds

    async def client(conn: Connection) -> None:
        nonlocal sent
        try:
            while sent < count and time.perf_counter() < deadline:
                sent += 1
                begun = time.perf_counter()
                try:
                    status, answer = await conn.request(method, path, body)
                except (ConnectionError, OSError, asyncio.IncompleteReadError) as exc:
                    out.errors.append(repr(exc))
                    await conn.close()
                    continue
                if status in ok:
                    out.latencies_s.append(time.perf_counter() - begun)
                else:
                    out.errors.append(f"HTTP {status}: {answer[:200]!r}")
        finally:
            await conn.close()

    await asyncio.gather(*(client(c) for c in conns))
    out.seconds = time.perf_counter() - started
    return out


def run_load(main: Coroutine[Any, Any, T]) -> T:
    """Run a load on uvloop when it is installed (it is, with the gateway): the client takes its
    CPU from the same cores as the server it measures, and asyncio's own loop spends more of it
    per request."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)
