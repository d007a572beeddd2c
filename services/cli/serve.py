"""Serving a local stack in the foreground: print where it runs, supervise it until a signal.

Used by ``spine dev`` and by ``spine demo`` (which keeps the stack it started serving).
"""

from __future__ import annotations

import signal
import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from services.adapters.bus.nats import mask_url
from services.cli.output import out, table

__all__ = ["print_access", "print_stack", "serve_until_signal"]


def print_stack(stack: Any) -> None:
    """A table of the stack's components: where each runs and where its log is."""
    s = stack.settings
    rows = [
        ["gateway", stack.gateway_url, f"API docs: {stack.gateway_url}/docs"],
        ["PostgreSQL", _redact(str(s.database_url)), "embedded" if stack.postgres else "external"],
        ["NATS JetStream", mask_url(s.nats_url), "embedded" if stack.nats else "external"],
        ["source files", *_file_store(s)],
    ]
    for child in stack.children.values():
        rows.append([child.name, f"pid {child.process.pid}", f"log: {child.log_path}"])
    out.print(table("Spine is running", ["component", "where", "notes"], rows))
    print_access(stack)


def print_access(stack: Any) -> None:
    """Where the operator token is and how clients send it; where the NATS publisher's credentials are."""
    token_path = getattr(stack, "operator_token_path", None)
    if token_path is not None:
        out.print(
            f"API token (scope operate) in {token_path}:\n"
            "  `spine` commands run with this data dir send it by themselves; other clients send it as a bearer token:\n"
            f'  curl -H "Authorization: Bearer $(cat {token_path})" {stack.gateway_url}/v1/pipelines\n'
            f"  the dashboard ({stack.gateway_url}/ops) asks for it once; more tokens: `spine token create --scope read`",
            highlight=False,
        )
    nats = stack.nats or getattr(stack, "nats_cluster", None)
    if nats is not None:
        out.print(
            f"NATS publisher credentials (publish commands, read progress): {nats.publisher_env}"
            f" — `set -a; . {nats.publisher_env}; set +a` before `spine run` or your own client"
        )


def _file_store(settings: Any) -> list[str]:
    if settings.file_store == "inbox":
        return [str(settings.inbox), "the inbox directory (SPINE_FILE_STORE=inbox)"]
    return ["JetStream object store SPINE_FILES", "uploads by SHA-256, verified when read"]


def _redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def serve_until_signal(stack: Any) -> None:
    """Restart children that exit until SIGINT or SIGTERM, then stop the stack."""
    stopping = {"flag": False}

    def _stop(*_: Any) -> None:
        stopping["flag"] = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    out.print("press Ctrl-C to stop")
    try:
        while not stopping["flag"]:
            for name in stack.supervise():
                out.print(f"[yellow]restarted {name}[/] (it had exited; see its log)")
            time.sleep(0.5)
    finally:
        out.print("stopping…")
        stack.stop()
        out.print("stopped")
