"""RunPipeline commands accepted per second, through the gateway and through NATS.

* gateway: ``POST /v1/pipelines/{name}/run`` (202 = accepted: parameters and file checked, the
  command published on JetStream and acknowledged) from 64 keep-alive connections in a closed
  loop (:func:`benchmarks.http_load.closed_loop`); bound: ``GET /health`` the same way. The
  stack runs ``SPINE_GATEWAY_WORKERS`` gateway processes (1 unless set), which the output
  states, with the CPU each service spent per command accepted: the worker, relay, projectors
  and process manager handle the commands while they arrive, on the same cores.
* NATS: the ``publisher`` user (what any client outside the platform uses) publishes RunPipeline
  commands with a JetStream ack, 64 in flight; bound: publishing the same bytes with an ack to a
  scratch stream configured like the commands stream (``spine.bench.scratch.>``), with Spine's
  services user.

The command is the exchange calendar of a year already captured, so the worker skips each one
(idempotency) instead of running a week; each route is bounded by ``--commands`` and
``--command-seconds``, and between the routes the worker drains what the first one queued (a
bounded wait) so it does not slow the second down.

    uv run python -m benchmarks.command_rate --commands 3000
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from typing import Any

from nats.aio.client import Client

from benchmarks.figures import Figure, Outcome, Target
from benchmarks.http_load import closed_loop, run_load
from benchmarks.session import Session, run_alone
from benchmarks.stack import BenchStack, cpu_seconds
from contracts.commands import RunPipeline
from contracts.subjects import COMMANDS_STREAM, HEADER_MSG_ID
from services.adapters.bus.nats import connect_nats, stream_configs
from services.adapters.bus.permissions import PUBLISHER_USER
from services.adapters.commands import publish_run
from services.cli.commands.generate import write_calendar_file
from spine_domains.reference.exchange_calendar.calendar import CALENDAR_PIPELINE, DEFAULT_EXCHANGE

__all__ = ["LABELS", "NAME", "main", "measure"]

NAME = "commands"
LABELS = (
    ("commands_gateway_per_s", "RunPipeline accepted/s through the gateway (POST)"),
    ("commands_nats_per_s", "RunPipeline accepted/s through NATS (JetStream ack)"),
)
IN_FLIGHT = 64
YEAR = 2025
SCRATCH = "BENCH_SCRATCH"
SCRATCH_PREFIX = "spine.bench.scratch"  # under spine.>, which the services user may publish on
DRAIN_S = 120.0


async def _publish_loop(count: int, max_seconds: float, send: Any) -> dict[str, Any]:
    """``count`` sends (at most ``max_seconds``), ``IN_FLIGHT`` at a time: accepted, errors, rate."""
    accepted, errors, sent = 0, [], 0
    started = time.perf_counter()
    deadline = started + max_seconds

    async def sender() -> None:
        nonlocal accepted, sent
        while sent < count and time.perf_counter() < deadline:
            sent += 1
            try:
                await send()
                accepted += 1
            except Exception as exc:  # nats-py raises timeouts and several unrelated types
                errors.append(repr(exc))

    await asyncio.gather(*(sender() for _ in range(IN_FLIGHT)))
    seconds = time.perf_counter() - started
    return {"accepted": accepted, "errors": len(errors), "first_errors": errors[:3], "seconds": seconds,
            "per_s": accepted / seconds if seconds else 0.0}  # fmt: skip


async def _drain(nc: Client, max_seconds: float) -> dict[str, float]:
    """Wait (bounded) until the worker has taken every command of the normal lane."""
    js = nc.jetstream()
    started = time.perf_counter()
    left = 0
    while time.perf_counter() - started < max_seconds:
        info = await js.consumer_info(COMMANDS_STREAM, "worker-normal")
        left = int(info.num_pending or 0) + int(info.num_ack_pending or 0)
        if left == 0:
            break
        await asyncio.sleep(0.25)
    return {"seconds": round(time.perf_counter() - started, 2), "commands_left": left}


async def _measure(bench: BenchStack, ref: str, count: int, max_seconds: float) -> dict[str, Any]:
    settings = bench.settings
    host, port, headers = settings.gateway_host, settings.gateway_port, bench.stack.auth_headers
    params: dict[str, Any] = {"exchange": DEFAULT_EXCHANGE, "year": str(YEAR)}
    post = ("POST", f"/v1/pipelines/{CALENDAR_PIPELINE}/run", json.dumps({"params": params, "file": ref}).encode())
    accepted = frozenset({202})
    out: dict[str, Any] = {}
    services = await connect_nats(settings, "bench-services", reconnect=False)
    publisher = await connect_nats(bench.nats_url_for(PUBLISHER_USER), "bench-publisher", reconnect=False)
    try:
        await closed_loop(host, port, headers, post, 20, 10.0, connections=4, ok=accepted)  # warm up
        out["drain_before"] = await _drain(services, DRAIN_S)
        out["health"] = (
            await closed_loop(host, port, headers, ("GET", "/health", None), count, max_seconds, IN_FLIGHT)
        ).summary()
        before = cpu_seconds(bench.stack)
        gateway = await closed_loop(host, port, headers, post, count, max_seconds, IN_FLIGHT, accepted)
        after = cpu_seconds(bench.stack)
        out["gateway"] = gateway.summary()
        out["gateway_processes"] = settings.gateway_workers
        out["cpu_ms_per_command"] = {
            name: round(1000 * (seconds - before.get(name, 0.0)) / max(gateway.completed, 1), 3)
            for name, seconds in after.items()
        }
        out["drain_after_gateway"] = await _drain(services, DRAIN_S)

        async def command() -> None:
            await publish_run(publisher, RunPipeline.new(CALENDAR_PIPELINE, params, file=ref))

        js = services.jetstream()
        config = dataclasses.replace(stream_configs()[0], name=SCRATCH, subjects=[f"{SCRATCH_PREFIX}.>"])
        await js.add_stream(config)
        try:
            payload = RunPipeline.new(CALENDAR_PIPELINE, params, file=ref).model_dump_json(by_alias=True).encode()
            serial = iter(range(10**9))

            async def plain() -> None:
                n = next(serial)
                await js.publish(
                    f"{SCRATCH_PREFIX}.{n}", payload, stream=SCRATCH, headers={HEADER_MSG_ID: str(n)}, timeout=5.0
                )

            out["plain_publish"] = await _publish_loop(count, max_seconds, plain)
        finally:
            await js.delete_stream(SCRATCH)
        out["nats"] = await _publish_loop(count, max_seconds, command)
    finally:
        await publisher.close()
        await services.close()
    return out


def measure(session: Session) -> Outcome:
    bench = session.bench
    ref = bench.into_inbox(write_calendar_file(bench.root / f"holidays_xnys_{YEAR}.json", DEFAULT_EXCHANGE, YEAR))
    sizes = session.sizes
    out = run_load(_measure(bench, ref, sizes.commands, sizes.command_seconds))
    gw, health, nats, plain = out["gateway"], out["health"], out["nats"], out["plain_publish"]
    processes = out["gateway_processes"]
    print(
        f"commands: gateway {gw['requests_per_s']:,.0f}/s ({gw['errors']} errors; /health {health['requests_per_s']:,.0f}/s; "
        f"{processes} gateway process{'es' if processes > 1 else ''}), "
        f"NATS {nats['per_s']:,.0f}/s ({nats['errors']} errors; plain publish {plain['per_s']:,.0f}/s)"
    )
    spent = sorted(out["cpu_ms_per_command"].items(), key=lambda kv: -kv[1])
    print(
        "CPU ms per command accepted through the gateway: " + ", ".join(f"{k} {v:.2f}" for k, v in spent if v >= 0.01)
    )
    labels = dict(LABELS)
    figures = [
        Figure("commands_gateway_per_s", labels["commands_gateway_per_s"], gw["requests_per_s"], "cmd/s",
               Target(">=", 1000.0), health["requests_per_s"] or None, f"GET /health, same load, {processes} gateway proc.", higher_is_better=True),
        Figure("commands_nats_per_s", labels["commands_nats_per_s"], nats["per_s"], "cmd/s",
               Target(">=", 1000.0), plain["per_s"] or None, "plain JetStream publish", higher_is_better=True),
    ]  # fmt: skip
    return Outcome(figures, out)


def main() -> None:
    run_alone(NAME, LABELS, measure, __doc__)


if __name__ == "__main__":
    main()
