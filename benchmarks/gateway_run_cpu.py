"""CPU per RunPipeline command the gateway accepts, in process: the ASGI app called directly.

The gateway app (``create_app`` with the real registry, auth on, the operator token) is called
with ``POST /v1/pipelines/{name}/run`` as ASGI messages, ``--in-flight`` requests at a time,
against an embedded nats-server (JetStream acks the commands; no worker takes them). What it
measures is this process's CPU time (``time.process_time``: the route, FastAPI, Starlette, the
NATS client's reader task) per accepted command, without the HTTP server (uvicorn's parsing is
the same for every route) and without the client's or the other services' CPU (which
``benchmarks.command_rate`` measures on a whole stack). ``GET /health`` is the floor. The
app's lifespan runs (with its idle lag monitor), as under uvicorn.

Each round is ``--commands`` requests. Printed over ``--rounds`` rounds: the median, a 10th
percentile and the least (the low ones are the cost undisturbed by other work on the cores),
and the mean, which alone carries the garbage collector's rare full passes (``gc.callbacks``
time them). CPU per request moves far less than a rate under load; compare builds alternately.

    uv run python -m benchmarks.gateway_run_cpu --commands 250 --rounds 48
    uv run python -m benchmarks.gateway_run_cpu --profile 3000 --file-store objects --out F.json
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import json
import os
import pstats
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from nats.aio.client import Client

from benchmarks.http_load import run_load
from services.adapters.auth import ensure_operator_token
from services.adapters.bus.nats import connect_nats, ensure_streams
from services.adapters.filestore import open_file_store
from services.adapters.inbox import copy_into_inbox
from services.apps.gateway.app import create_app
from services.apps.gateway.monitoring import LagMonitor
from services.cli.commands.generate import write_calendar_file
from services.dev.embedded import EmbeddedNats
from services.settings import Settings
from spine_domains import build_registry
from spine_domains.reference.exchange_calendar.calendar import CALENDAR_PIPELINE, DEFAULT_EXCHANGE

__all__ = ["main", "measure"]

YEAR = 2025
Message = MutableMapping[str, Any]


class _IdleMonitor:
    """The lag monitor, idle: there is no PostgreSQL here, and no route measured reads it."""

    async def run(self, stop: asyncio.Event) -> None:
        await stop.wait()

    def latest(self) -> dict[str, Any] | None:
        return None

    async def sample(self) -> dict[str, Any]:
        return {}

    def recent(self, seconds: float) -> list[dict[str, Any]]:
        return []

    def subscribe(self) -> asyncio.Queue[dict[str, Any]]:
        return asyncio.Queue()

    def unsubscribe(self, queue: asyncio.Queue[dict[str, Any]]) -> None:
        pass


def _idle_monitor(
    settings: Settings, pool: Callable[[], Awaitable[Any]], nats: Callable[[], Awaitable[Client]]
) -> LagMonitor:
    return _IdleMonitor()


class GcClock:
    """Collections of each generation and the CPU they took, from ``gc.callbacks``."""

    def __init__(self) -> None:
        self.count = [0, 0, 0]
        self.seconds = [0.0, 0.0, 0.0]
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.process_time()
        else:
            self.count[info["generation"]] += 1
            self.seconds[info["generation"]] += time.process_time() - self._started

    def snapshot(self) -> tuple[list[int], list[float]]:
        return list(self.count), list(self.seconds)


class Caller:
    """Calls one ASGI app with a prepared request and returns the status."""

    def __init__(self, app: FastAPI, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> None:
        self.app = app
        raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        if body:
            raw += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        self.scope: dict[str, Any] = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(b"host", b"gateway"), *raw],
            "client": ("127.0.0.1", 40000),
            "server": ("127.0.0.1", 8000),
        }
        self.body = body

    async def __call__(self) -> int:
        status = 0
        sent = False

        async def receive() -> Message:
            nonlocal sent
            if sent:
                await asyncio.Event().wait()  # a disconnect never comes: the request is whole
            sent = True
            return {"type": "http.request", "body": self.body, "more_body": False}

        async def send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        await self.app(dict(self.scope), receive, send)
        return status


async def _round(
    call: Callable[[], Awaitable[int]], count: int, in_flight: int, ok: int, gc_clock: GcClock
) -> dict[str, Any]:
    """``count`` calls, ``in_flight`` at a time: CPU µs and wall µs per call, the garbage
    collector's share, and failures."""
    left = count
    failures: list[int] = []

    async def client() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            status = await call()
            if status != ok:
                failures.append(status)

    counts, seconds = gc_clock.snapshot()
    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(client() for _ in range(in_flight)))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    gc_counts = [after - before for after, before in zip(gc_clock.count, counts, strict=True)]
    gc_us = 1e6 * (sum(gc_clock.seconds) - sum(seconds)) / count
    return {"cpu_us": 1e6 * cpu / count, "wall_us": 1e6 * wall / count, "gc_us": gc_us, "gc_collections": gc_counts,
            "failures": len(failures), "statuses": sorted(set(failures))[:5]}  # fmt: skip


async def _measure(settings: Settings, token: str, ref: str, args: argparse.Namespace) -> dict[str, Any]:
    nc = await connect_nats(settings, "bench-setup", reconnect=False)
    try:
        await ensure_streams(nc, settings.stream_replicas)
        if settings.file_store == "objects":
            store = await open_file_store(settings, nc)
            calendar = Path(ref)
            ref = (await store.upload(calendar.name, _chunks(calendar), max_bytes=1 << 20, folder=None)).file.ref
    finally:
        await nc.close()
    app = create_app(settings, build_registry(), monitor_factory=_idle_monitor)
    headers = {"authorization": f"Bearer {token}"}
    body = json.dumps({"params": {"exchange": DEFAULT_EXCHANGE, "year": str(YEAR)}, "file": ref}).encode()
    run = Caller(app, "POST", f"/v1/pipelines/{CALENDAR_PIPELINE}/run", headers, body)
    health = Caller(app, "GET", "/health", {})
    out: dict[str, Any] = {"run": [], "health": []}
    gc_clock = GcClock()
    gc.callbacks.append(gc_clock)
    try:
        async with app.router.lifespan_context(app):  # what uvicorn runs before it serves
            await _round(run, 200, 8, 202, gc_clock)  # warm up: connections, caches, first-use imports
            await _round(health, 200, 8, 200, gc_clock)
            if args.profile:
                profile = cProfile.Profile()
                profile.enable()
                out["profiled"] = await _round(run, args.profile, args.in_flight, 202, gc_clock)
                profile.disable()
                stats = pstats.Stats(profile)
                stats.sort_stats("tottime").print_stats(args.top)
                stats.sort_stats("cumulative").print_stats(args.top)
                return out
            for _ in range(args.rounds):
                out["run"].append(await _round(run, args.commands, args.in_flight, 202, gc_clock))
                if not args.no_health:
                    out["health"].append(await _round(health, args.commands, args.in_flight, 200, gc_clock))
    finally:
        gc.callbacks.remove(gc_clock)
    return out


async def _chunks(path: Path) -> Any:
    yield path.read_bytes()


def _median(rounds: list[dict[str, Any]], key: str) -> float:
    return statistics.median(r[key] for r in rounds)


def _percentile(rounds: list[dict[str, Any]], key: str, p: float) -> float:
    """The ``p``-th percentile by nearest rank: with many short rounds, a low one is the cost
    undisturbed by other work on the cores (which only ever adds to it)."""
    values = sorted(r[key] for r in rounds)
    return values[max(0, min(len(values) - 1, round(p / 100 * len(values) + 0.5) - 1))]


def measure(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="spine-bench-gw-") as tmp:
        root = Path(tmp)
        nats = EmbeddedNats(root / "nats")
        nats.start()
        try:
            settings = Settings(
                data_dir=root / "spine",
                nats_url=nats.url,
                file_store=args.file_store,
                inbox_dir=root / "inbox",
                log_level="WARNING",
            )
            token = ensure_operator_token(settings.data_dir, settings.tokens_file)
            calendar = write_calendar_file(root / f"holidays_xnys_{YEAR}.json", DEFAULT_EXCHANGE, YEAR)
            ref = copy_into_inbox(settings.inbox, calendar)[0] if args.file_store == "inbox" else str(calendar)
            out = run_load(_measure(settings, token, ref, args))
        finally:
            nats.stop()
    if args.profile:
        return out
    out["summary"] = {
        "file_store": args.file_store,
        "in_flight": args.in_flight,
        "commands": args.commands,
        "rounds": args.rounds,
        "run_cpu_us": round(_median(out["run"], "cpu_us"), 1),
        "run_cpu_us_min": round(min(r["cpu_us"] for r in out["run"]), 1),
        "run_cpu_us_p10": round(_percentile(out["run"], "cpu_us", 10), 1),
        "run_wall_us": round(_median(out["run"], "wall_us"), 1),
        "run_gc_us": round(_median(out["run"], "gc_us"), 1),
        # The mean, not the median, carries the collector's rare full passes (tens of ms each).
        "run_cpu_us_mean": round(statistics.fmean(r["cpu_us"] for r in out["run"]), 1),
        "run_gc_us_mean": round(statistics.fmean(r["gc_us"] for r in out["run"]), 1),
        "health_cpu_us": round(_median(out["health"], "cpu_us"), 1) if out["health"] else None,
        "run_failures": sum(r["failures"] for r in out["run"]),
        "load_1min": round(os.getloadavg()[0], 2),
    }
    s = out["summary"]
    print(
        f"POST run: {s['run_cpu_us']:.0f} µs CPU per accepted command (median of {args.rounds} rounds of "
        f"{args.commands:,}; 10th percentile {s['run_cpu_us_p10']:.0f}, least {s['run_cpu_us_min']:.0f}; {s['run_wall_us']:.0f} µs wall, {s['run_gc_us']:.0f} µs of it GC CPU; mean {s['run_cpu_us_mean']:.0f} µs "
        f"with {s['run_gc_us_mean']:.0f} µs of GC; "
        f"{s['run_failures']} failures); "
        f"GET /health {s['health_cpu_us'] or 0:.0f} µs CPU; file store {args.file_store}, {args.in_flight} in flight, "
        f"load {s['load_1min']}"
    )
    print("  rounds, run CPU µs: " + ", ".join(f"{r['cpu_us']:.0f}" for r in out["run"]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--commands", type=int, default=3000, help="requests per round and route (default 3,000)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds; medians are printed (default 5)")
    parser.add_argument("--in-flight", type=int, default=64, help="requests at a time (default 64)")
    parser.add_argument("--file-store", choices=("inbox", "objects"), default="inbox")
    parser.add_argument("--no-health", action="store_true", help="measure the run route only (for a sampling profiler)")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="profile N requests, print the top")
    parser.add_argument("--top", type=int, default=40, help="functions shown with --profile (default 40)")
    parser.add_argument("--out", type=Path, default=None, help="write the figures here (JSON)")
    args = parser.parse_args()
    out = measure(args)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
