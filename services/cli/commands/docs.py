"""`spine docs asyncapi`: the published contracts, written out (no running Spine needed)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from services.adapters.bus.asyncapi import asyncapi_json
from services.cli.app import handle_errors
from services.cli.output import out

__all__ = ["create_docs_app"]


@handle_errors
def asyncapi(
    out_path: Annotated[
        Path | None, typer.Option("--out", help="file to write [default: print to standard output]")
    ] = None,
) -> None:
    """Write the bus contract: an AsyncAPI 3.0 document (JSON) of commands, events and progress.

    It describes the RunPipeline command on `spine.commands.<lane>.<execution_id>`, every event type on `spine.events.<stream>.<Type>`,
    progress on `spine.progress.<execution_id>`, dead letters on `spine.deadletters.<projection>`,
    with each payload's JSON schema and the NATS users (user/password) that may use them.

    The document is built from Spine's contracts, so it is the same bytes as the gateway's
    `GET /asyncapi.json` (its readable page: `GET /asyncapi`).

    Examples: `spine docs asyncapi --out asyncapi.json`;
    `spine docs asyncapi | jq '.channels | keys'`.
    """
    document = asyncapi_json()
    if out_path is None:
        sys.stdout.write(document)
        return
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(out_path.name + ".tmp")
    tmp.write_text(document, encoding="utf-8")
    tmp.replace(out_path)
    out.print(f"wrote {out_path} (AsyncAPI 3.0, {len(document):,} bytes)", highlight=False)


def create_docs_app() -> typer.Typer:
    """The `spine docs` group."""
    docs_app = typer.Typer(
        help="Write Spine's published contracts: the bus's AsyncAPI document (the HTTP API's is the "
        "gateway's /openapi.json).",
        no_args_is_help=True,
    )
    docs_app.command("asyncapi")(asyncapi)
    return docs_app
