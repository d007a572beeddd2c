"""`spine dev` (the whole stack locally) and `spine service` (one service in the foreground)."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from services.cli.app import DataDir, handle_errors, settings_for
from services.cli.output import EXIT_UNAVAILABLE, fail, out
from services.cli.serve import print_stack, serve_until_signal
from services.logging import configure_logging
from services.settings import load_settings

__all__ = ["dev", "service"]


@handle_errors
def dev(
    data_dir: DataDir = None,
    port: Annotated[int, typer.Option(help="gateway port")] = 8000,
) -> None:
    """Run the whole stack locally until Ctrl-C.

    Starts PostgreSQL and NATS JetStream (embedded, on 127.0.0.1, data in --data-dir) unless
    SPINE_DATABASE_URL and SPINE_NATS_URL point at servers of your own; creates schemas and
    streams; starts the worker, relay, projectors and the gateway (http://127.0.0.1:8000).
    """
    from services.dev.stack import Stack

    settings = load_settings(**({"data_dir": data_dir} if data_dir else {}), gateway_port=port)
    configure_logging(settings.log_level, settings.log_format, "dev")
    stack = Stack(settings)
    out.print("starting Spine…")
    stack.start()
    print_stack(stack)
    serve_until_signal(stack)


@handle_errors
def service(
    kind: Annotated[str, typer.Argument(help="worker, relay, projector, process-manager, gateway, group or migrate")],
    name: Annotated[
        str | None,
        typer.Argument(
            help="projection name, for `projector` (manifest, finra_otc, quality, reference); "
            "for `group`, the services to run in one process, e.g. relay,projector:manifest,process-manager"
        ),
    ] = None,
) -> None:
    """Run one service in the foreground (configured by SPINE_* settings; used by `spine dev`
    and by each container of compose.yaml)."""
    from services.bootstrap import SERVICES, prepare_infrastructure, run_service

    settings = settings_for()
    label = "services" if kind == "group" else f"{kind}{'-' + name if name else ''}"
    configure_logging(settings.log_level, settings.log_format, label)
    if not settings.database_url or not settings.nats_url:
        fail(
            "SPINE_DATABASE_URL and SPINE_NATS_URL must be set (or a `spine dev` must be running)",
            code=EXIT_UNAVAILABLE,
        )
    if kind == "migrate":
        asyncio.run(prepare_infrastructure(settings))
        out.print("schemas and streams are up to date")
        return
    if kind not in SERVICES:
        fail(f"unknown service {kind!r}", f"choose one of: {', '.join([*SERVICES, 'migrate'])}")
    run_service(kind, settings, name)
