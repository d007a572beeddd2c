"""`spine cluster up`: the distributed topology on this machine (``services.dev.cluster_stack``)."""

from __future__ import annotations

import logging
import time
from typing import Annotated, Any

import httpx
import typer

from services.cli.app import DataDir, handle_errors
from services.cli.output import out, table
from services.cli.serve import print_access, serve_until_signal
from services.logging import configure_logging
from services.settings import load_settings

__all__ = ["create_cluster_app", "up"]


def create_cluster_app() -> typer.Typer:
    cli = typer.Typer(help="Run Spine as a cluster on this machine: replicated NATS, two of every service.")
    cli.command("up")(up)
    return cli


@handle_errors
def up(
    data_dir: DataDir = None,
    port: Annotated[int, typer.Option(help="the first gateway's port; the second gateway takes the next one")] = 8000,
) -> None:
    """Run the distributed topology on loopback, without containers, until Ctrl-C.

    What starts: three nats-server processes clustered with JetStream (every stream kept on all
    three: SPINE_STREAM_REPLICAS=3), one embedded PostgreSQL, two workers (they share the lanes),
    two relays, two of each projector and two process managers (one active, one standby each:
    a PostgreSQL lease decides, and the standby takes over within seconds when the active one
    dies), and two gateways on --port and --port+1. Every service is given all three NATS URLs,
    so it reconnects to another node when one dies.

    A table shows what runs where (pid, port, log, active or standby); `spine` commands run with
    the same --data-dir find the first gateway by themselves. Try `kill -9` on an active relay or
    on a NATS node and watch the dashboard's Instances panel (/ops) or
    `curl .../v1/ops/instances`. Ctrl-C or SIGTERM stops every process it started.

    Example: spine cluster up --data-dir /tmp/spine-cluster --port 8100
    """
    from services.dev.cluster_stack import ClusterStack

    settings = load_settings(**({"data_dir": data_dir} if data_dir else {}), gateway_port=port)
    configure_logging(settings.log_level, settings.log_format, "cluster")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # the start-up's health polls are no news
    stack = ClusterStack(settings)
    out.print("starting a Spine cluster (3 NATS nodes, PostgreSQL, two of every service)…")
    stack.start()
    print_cluster(stack)
    serve_until_signal(stack)


def print_cluster(stack: Any, wait_s: float = 15.0) -> None:
    """A table of every process: what it is, its pid and port, active or standby, its log."""
    roles = _roles(stack, wait_s)
    rows: list[list[Any]] = []
    for node in stack.nats_cluster.nodes:
        rows.append([f"nats {node.name}", str(node.pid()), str(node.port), "JetStream node", str(node.log_file)])
    if stack.postgres is not None:
        rows.append(
            [
                "PostgreSQL",
                str(stack.postgres.pid()),
                str(stack.postgres.port),
                "embedded",
                str(stack.postgres.log_file),
            ]
        )
    ports = dict(zip(range(1, len(stack.gateway_ports) + 1), stack.gateway_ports, strict=True))
    for child in stack.children.values():
        pid = child.process.pid if child.process is not None else None
        port = str(ports[child.replica]) if child.kind == "gateway" else ""
        role = roles.get(pid or 0, "shares the lanes" if child.kind == "worker" else "serves" if port else "?")
        rows.append([child.name, str(pid), port, role, str(child.log_path)])
    out.print(table("Spine cluster is running", ["process", "pid", "port", "role", "log"], rows), highlight=False)
    out.print(f"gateways: {', '.join(stack.gateway_urls)} (API docs at /docs, dashboard at /ops)")
    print_access(stack)


def _roles(stack: Any, wait_s: float) -> dict[int, str]:
    """pid -> active/standby, from ``GET /v1/ops/instances`` once each leased service has an active one."""
    deadline = time.monotonic() + wait_s
    roles: dict[int, str] = {}
    while time.monotonic() < deadline:
        try:
            answer = httpx.get(f"{stack.gateway_url}/v1/ops/instances", headers=stack.auth_headers, timeout=2.0)
            items = answer.json()["data"] if answer.status_code == 200 else []
        except (httpx.HTTPError, ValueError, KeyError):
            items = []
        roles = {int(i["pid"]): str(i["state"]) for i in items if i.get("pid") is not None}
        services = {i["service"] for i in items}
        active = {i["service"] for i in items if i["state"] == "active"}
        if items and services == active:
            return roles
        time.sleep(0.3)
    return roles
