"""`spine lag`, `spine events`, `spine dead-letters`: operating a running Spine."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.console import Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from services.cli.app import DataDir, JsonOut, handle_errors, running_settings
from services.cli.client import GatewayClient
from services.cli.output import EXIT_UNAVAILABLE, fail, out, print_json, table
from services.settings import Settings

__all__ = [
    "dead_letters",
    "events",
    "lag",
    "lag_view",
    "list_dead_letters",
    "retry_dead_letters",
    "show_lag_once",
    "tail_events",
]

_COLOURS = {"OK": "green", "LAGGING": "yellow", "STALLED": "dark_orange", "FAILED": "red"}


def render_lag(sample: dict[str, Any]) -> Group:
    t = Table(title=None, expand=False)
    for col, justify in (("projector", "left"), ("status", "left"), ("position", "right"), ("behind", "right"),
                         ("pending", "right"), ("seconds", "right"), ("rate/s", "right"), ("eta", "right"),
                         ("dead letters", "right"), ("why", "left")):  # fmt: skip
        t.add_column(col, justify=justify)  # type: ignore[arg-type]
    for p in sample["projectors"]:
        eta = "-" if p["eta_s"] is None else f"{p['eta_s']:.1f}s"
        t.add_row(
            p["name"],
            Text(p["status"], style=f"bold {_COLOURS.get(p['status'], 'white')}"),
            f"{p['position']:,}",
            f"{p['events_behind']:,}",
            "-" if p["pending"] is None else f"{p['pending']:,}",
            f"{p['seconds_behind']:.1f}",
            f"{p['rate']:,.0f}",
            eta,
            str(p["dead_letters"]),
            p["status_reason"],
        )
    relay = sample["relay_position"]
    head = Text(
        f"event store head {sample['head']:,} · relay {'-' if relay is None else f'{relay:,}'} · sampled {sample['sampled_at'][11:19]} UTC"
    )
    return Group(head, t)


async def _sample(settings: Settings) -> dict[str, Any]:
    assert settings.gateway_url
    async with GatewayClient(settings.gateway_url, token=settings.api_token) as gateway:
        return (await gateway.get("/v1/ops/projections"))["data"]  # type: ignore[no-any-return]


def show_lag_once(settings: Settings, as_json: bool) -> None:
    sample = asyncio.run(_sample(settings))
    if as_json:
        print_json(sample)
    else:
        out.print(render_lag(sample))


def lag_view(settings: Settings, interval: float) -> None:
    """A live view until Ctrl-C."""

    async def loop() -> None:
        assert settings.gateway_url
        async with GatewayClient(settings.gateway_url, token=settings.api_token) as gateway:
            sample = (await gateway.get("/v1/ops/projections"))["data"]
            with Live(render_lag(sample), console=out, refresh_per_second=4, screen=False) as live:
                while True:
                    await asyncio.sleep(interval)
                    try:
                        sample = (await gateway.get("/v1/ops/projections"))["data"]
                        live.update(render_lag(sample))
                    except Exception as exc:  # keep watching through a gateway restart
                        live.update(Text(f"gateway unreachable ({exc}); retrying…", style="red"))

    try:
        asyncio.run(loop())
    except KeyboardInterrupt:
        pass


def tail_events(settings: Settings, from_seq: int | None, since: str | None, count: int | None, as_json: bool) -> None:
    """Read the events stream from a sequence or a time with an ephemeral ordered consumer."""
    from nats.js.api import ConsumerConfig, DeliverPolicy

    from contracts.events import decode_event
    from contracts.subjects import EVENTS_STREAM
    from services.cli.bus import connect_bus

    if not settings.nats_url:
        fail(
            "`spine events` reads the bus, and no NATS is configured",
            "set SPINE_NATS_URL (with the services' user: the publisher may not read events), or read the event "
            f"store through the gateway: {settings.gateway_url}/v1/events?after=POSITION",
            EXIT_UNAVAILABLE,
        )

    async def run() -> None:
        nc = await connect_bus(settings, "spine-events-tail")
        try:
            js = nc.jetstream()
            if from_seq is not None:
                config = ConsumerConfig(deliver_policy=DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=from_seq)
            elif since is not None:
                config = ConsumerConfig(
                    deliver_policy=DeliverPolicy.BY_START_TIME, opt_start_time=datetime.fromisoformat(since)
                )
            else:
                config = ConsumerConfig(deliver_policy=DeliverPolicy.NEW)
            sub = await js.subscribe("spine.events.>", stream=EVENTS_STREAM, ordered_consumer=True, config=config)
            seen = 0
            while count is None or seen < count:
                try:
                    msg = await sub.next_msg(timeout=5.0 if count is not None else 3600.0)
                except TimeoutError:
                    break
                envelope, block = decode_event(msg.data)
                seen += 1
                if as_json:
                    print(
                        json.dumps(
                            {
                                "stream_seq": msg.metadata.sequence.stream,
                                **envelope.model_dump(mode="json", by_alias=True),
                            }
                        )
                    )
                else:
                    extra = f" +{len(block):,} bytes of rows" if block else ""
                    out.print(f"#{msg.metadata.sequence.stream} pos {envelope.position} {envelope.occurred_at:%Y-%m-%d %H:%M:%S} "
                              f"{envelope.type} {envelope.stream}/{envelope.stream_id}{extra}", highlight=False)  # fmt: skip
        finally:
            await nc.close()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass


def list_dead_letters(settings: Settings, projection: str | None, as_json: bool) -> None:
    async def call() -> dict[str, Any]:
        assert settings.gateway_url
        async with GatewayClient(settings.gateway_url, token=settings.api_token) as gateway:
            return await gateway.get("/v1/ops/dead-letters", projection=projection)

    body = asyncio.run(call())
    if as_json:
        print_json(body)
        return
    if not body["data"]:
        out.print("no dead letters")
        return
    rows = [
        [d["projection"], d["position"], d["event_type"], d["status"], d["attempts"], d["error"][:80]]
        for d in body["data"]
    ]
    out.print(
        table(
            "Dead letters",
            ["projection", "position", "event", "status", "attempts", "error"],
            rows,
            right={"position", "attempts"},
        )
    )


def retry_dead_letters(settings: Settings, projection: str, position: int | None) -> None:
    async def call() -> dict[str, Any]:
        assert settings.gateway_url
        async with GatewayClient(settings.gateway_url, token=settings.api_token) as gateway:
            response = await gateway._call(
                "POST", "/v1/ops/dead-letters/retry", json={"projection": projection, "position": position}
            )
            return response

    body = asyncio.run(call())
    out.print(f"asked {projection} to retry {body['data']['retry_requested']} dead letter(s); watch `spine lag`")


@handle_errors
def lag(
    once: Annotated[bool, typer.Option("--once", help="print one sample and exit")] = False,
    interval: Annotated[float, typer.Option(min=0.2, help="seconds between refreshes")] = 1.0,
    as_json: JsonOut = False,
    data_dir: DataDir = None,
) -> None:
    """Projection lag, live: per projector its position, events and seconds behind, rate, ETA and
    status (OK, LAGGING, STALLED, FAILED). Ctrl-C to quit. The web page is at /ops."""
    settings = running_settings(data_dir)
    if once or as_json:
        show_lag_once(settings, as_json)
    else:
        lag_view(settings, interval)


@handle_errors
def events(
    from_seq: Annotated[int | None, typer.Option("--from-seq", help="start at this stream sequence")] = None,
    since: Annotated[
        str | None, typer.Option(help="start at this time (ISO 8601, e.g. 2025-11-26T10:00:00+00:00)")
    ] = None,
    count: Annotated[int | None, typer.Option(min=1, help="stop after this many events")] = None,
    as_json: JsonOut = False,
    data_dir: DataDir = None,
) -> None:
    """Read the events stream on the bus from a sequence or a time (default: new events only).
    For the complete history use GET /v1/events, which reads the event store itself."""
    tail_events(running_settings(data_dir), from_seq, since, count, as_json)


@handle_errors
def dead_letters(
    retry: Annotated[str | None, typer.Option(help="ask this projection to apply its dead letters again")] = None,
    position: Annotated[int | None, typer.Option(help="with --retry: only the stream of this dead letter")] = None,
    projection: Annotated[str | None, typer.Option(help="list only this projection's")] = None,
    as_json: JsonOut = False,
    data_dir: DataDir = None,
) -> None:
    """Events a projector could not apply (and those parked behind them); retry once fixed."""
    settings = running_settings(data_dir)
    if retry:
        retry_dead_letters(settings, retry, position)
    else:
        list_dead_letters(settings, projection, as_json)
