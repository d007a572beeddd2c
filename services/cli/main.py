"""The ``spine`` command line: the root app with every command group added, and its entry point.

The order below is the order ``spine --help`` lists the commands in.
"""

from __future__ import annotations

import typer

from services.cli.app import create_app
from services.cli.commands import (
    backfill,
    backup,
    cluster,
    demo,
    docs,
    generate,
    ops,
    query,
    replay,
    run,
    service,
    token,
)

__all__ = ["app", "build_app", "main"]


def build_app() -> typer.Typer:
    """The root app with every command and command group."""
    cli = create_app()
    cli.command("dev")(service.dev)
    cli.add_typer(cluster.create_cluster_app(), name="cluster")
    cli.command("demo")(demo.demo)
    cli.command("run")(run.run)
    cli.command("backfill")(backfill.backfill)
    cli.command("lag")(ops.lag)
    cli.command("events")(ops.events)
    cli.command("replay")(replay.replay_projections)
    cli.command("backup")(backup.backup)
    cli.command("restore")(backup.restore)
    cli.command("dead-letters")(ops.dead_letters)
    cli.command("pipelines")(run.pipelines)
    cli.command("service")(service.service)
    cli.add_typer(query.create_query_app(), name="query")
    cli.add_typer(generate.create_generate_app(), name="generate")
    cli.add_typer(token.create_token_app(), name="token")
    cli.add_typer(docs.create_docs_app(), name="docs")
    return cli


#: The CLI as the ``spine`` script and ``python -m services.cli`` run it.
app = build_app()


def main() -> None:
    """Entry point of the ``spine`` script."""
    app()
