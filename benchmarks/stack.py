"""The whole Spine stack for a benchmark: settings in a temp dir, generated weeks, the inbox,
the exchange calendars, and what the stack costs (CPU, memory, disk) while it runs.

Every program of ``benchmarks/`` starts the stack through :class:`BenchStack` (embedded
PostgreSQL and NATS in a temporary data directory, each service its own process, the gateway on
a free port) and measures the same processes the same way:

* :func:`process_groups` — every process of the stack: each service with its children (gateway
  workers), the PostgreSQL postmaster with every backend (it daemonises, so it is no child of
  ours: found by its pid file in the data directory) and nats-server;
* :class:`PssSampler` — the sum of PSS over all of them, sampled, and its peak (PSS, not RSS:
  PostgreSQL's shared buffers would otherwise count once per backend);
* :func:`disk_sizes` — ``pg_database_size``, the WAL and the NATS store, each on its own.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import asyncpg
import psutil

from services.adapters.inbox import copy_into_inbox
from services.cli.commands.demo import ingest_demo_calendars
from services.dev.embedded import free_port
from services.dev.stack import Stack
from services.settings import Settings
from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.generator import generate_lines
from spine_domains.finra_otc.tiers import Tier

__all__ = [
    "PIPELINE",
    "WEEK",
    "BenchStack",
    "MemorySampler",
    "PssSampler",
    "cpu_seconds",
    "disk_sizes",
    "generate",
    "process_groups",
]

PIPELINE = "finra.otc_transparency.ingest_week"
WEEK = WeekEnding.parse("2025-11-14")


def generate(
    path: Path,
    rows: int,
    seed: int,
    *,
    week: WeekEnding = WEEK,
    tier: Tier = Tier.NMS_TIER_1,
    universe_seed: int | None = None,
) -> float:
    """Write a FINRA download file of ``rows`` rows; the seconds it took."""
    started = time.perf_counter()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="ascii", newline="\n") as handle:
        for line in generate_lines(rows, week_ending=week, tier=tier, seed=seed, universe_seed=universe_seed):
            handle.write(line + "\n")
    return time.perf_counter() - started


class BenchStack:
    """A started :class:`Stack` in a temporary directory, stopped (and the directory removed) on exit."""

    def __init__(self, **settings: Any) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="spine-bench-")
        self.root = Path(self._tmp.name)
        self._settings = Settings(
            data_dir=self.root / "spine",
            # Files are copied into the inbox, not uploaded: the figures are the pipelines' alone.
            file_store="inbox",
            inbox_dir=self.root / "inbox",
            gateway_port=free_port(),
            log_level="WARNING",
            **settings,
        )
        self.stack = Stack(self._settings, write_dev_state=False)
        self.started_s = 0.0
        self._calendar_years: set[int] = set()

    def __enter__(self) -> BenchStack:
        self.start()
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def start(self) -> None:
        started = time.perf_counter()
        try:
            self.stack.start()
        except BaseException:
            self._tmp.cleanup()
            raise
        self.started_s = time.perf_counter() - started

    def close(self) -> None:
        try:
            self.stack.stop()
        finally:
            self._tmp.cleanup()

    @property
    def settings(self) -> Settings:
        return self.stack.settings

    @property
    def database_url(self) -> str:
        return str(self.settings.database_url)

    @property
    def inbox(self) -> Path:
        return self.settings.inbox

    def into_inbox(self, source: Path) -> str:
        """Copy a local file into the inbox; its reference for a command."""
        ref, _, _ = copy_into_inbox(self.inbox, source)
        return ref

    def ingest_calendars(self, weeks: list[WeekEnding]) -> None:
        """The exchange calendar of every year the weeks touch (volume per trading day needs it);
        a year already ingested by this stack is not asked for again."""
        ordered = sorted(weeks, key=lambda w: w.value)
        years = set(range(ordered[0].week_start.year, ordered[-1].value.year + 1))
        if years <= self._calendar_years:
            return
        cli = self.settings.model_copy(update={"gateway_url": self.stack.gateway_url})
        asyncio.run(ingest_demo_calendars(cli, ordered))
        self._calendar_years |= years

    def nats_url_for(self, user: str) -> str:
        assert self.stack.nats is not None, "the benchmarks run the embedded NATS"
        return self.stack.nats.url_for(user)


def process_groups(stack: Stack) -> dict[str, list[psutil.Process]]:
    """Every process of the stack right now, by service (``postgres`` and ``nats-server`` included)."""
    roots: dict[str, int] = {name: c.process.pid for name, c in stack.children.items() if c.process and c.alive()}
    if stack.postgres is not None and (pid := stack.postgres.pid()):
        roots["postgres"] = pid
    if stack.nats is not None and (pid := stack.nats.pid()):
        roots["nats-server"] = pid
    groups: dict[str, list[psutil.Process]] = {}
    for name, pid in roots.items():
        try:
            proc = psutil.Process(pid)
            groups[name] = [proc, *proc.children(recursive=True)]
        except psutil.Error:
            continue
    return groups


def _pss_bytes(pid: int) -> int:
    """PSS of one process from ``/proc/PID/smaps_rollup`` (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as handle:
            for line in handle:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


@dataclass
class PssSampler:
    """The sum of PSS over every process of the stack, sampled every ``interval`` seconds in a
    thread between :meth:`start` and :meth:`stop` (the process list is taken again at each sample:
    PostgreSQL backends come and go). Keeps the peak of the sum and its breakdown by service."""

    stack: Stack
    interval: float = 0.2
    samples: int = 0
    peak_bytes: int = 0
    peak_by_group: dict[str, int] = field(default_factory=dict)
    _thread: threading.Thread | None = None
    _stop: threading.Event = field(default_factory=threading.Event)

    def sample(self) -> tuple[int, dict[str, int]]:
        by_group = {name: sum(_pss_bytes(p.pid) for p in procs) for name, procs in process_groups(self.stack).items()}
        return sum(by_group.values()), by_group

    def _run(self) -> None:
        while not self._stop.is_set():
            total, by_group = self.sample()
            self.samples += 1
            if total > self.peak_bytes:
                self.peak_bytes, self.peak_by_group = total, by_group
            self._stop.wait(self.interval)

    def start(self) -> PssSampler:
        self._thread = threading.Thread(target=self._run, name="pss-sampler", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)


class MemorySampler(threading.Thread):
    """Peak RSS per service process, sampled every 50 ms."""

    def __init__(self, pids: dict[str, int]) -> None:
        super().__init__(daemon=True)
        self.procs = {name: psutil.Process(pid) for name, pid in pids.items()}
        self.peak: dict[str, int] = dict.fromkeys(pids, 0)
        self.running = True

    def run(self) -> None:
        while self.running:
            for name, proc in self.procs.items():
                try:
                    self.peak[name] = max(self.peak[name], proc.memory_info().rss)
                except psutil.Error:
                    pass
            time.sleep(0.05)


def cpu_seconds(stack: Stack) -> dict[str, float]:
    """CPU time used so far by each service, PostgreSQL (all its backends) and NATS."""
    out: dict[str, float] = {}
    for name, procs in process_groups(stack).items():
        total = 0.0
        for p in procs:
            try:
                times = p.cpu_times()
                total += times.user + times.system
            except psutil.Error:
                pass
        out[name] = total
    return out


def _tree_bytes(path: Path) -> int:
    total = 0
    for folder, _, files in os.walk(path):
        for name in files:
            try:
                total += (Path(folder) / name).stat().st_size
            except OSError:
                pass
    return total


async def disk_sizes(bench: BenchStack) -> dict[str, int]:
    """Bytes on disk now: the database (``pg_database_size``), the WAL (``pg_ls_waldir``) and
    the NATS JetStream store, each on its own."""
    conn = await asyncpg.connect(bench.database_url)
    try:
        database = int(await conn.fetchval("SELECT pg_database_size(current_database())"))
        wal = int(await conn.fetchval("SELECT coalesce(sum(size), 0) FROM pg_ls_waldir()"))
    finally:
        await conn.close()
    nats = bench.stack.nats
    store = _tree_bytes(nats.data_dir / "jetstream") if nats is not None else 0
    return {"database_bytes": database, "wal_bytes": wal, "nats_store_bytes": store}
