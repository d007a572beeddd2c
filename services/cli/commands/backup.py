"""`spine backup` and `spine restore`: the event store to one file and back, read models by replay."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Any

import asyncpg
import typer

from projections.registry import PROJECTIONS
from services.adapters.db.backup import create_backup, restore_backup
from services.adapters.db.migrate import migrate
from services.adapters.eventstore.app import SpineEventStore
from services.adapters.replay import replay_many
from services.cli.app import DataDir, JsonOut, handle_errors, settings_for
from services.cli.output import EXIT_UNAVAILABLE, fail, out, print_json, table
from services.settings import Settings

__all__ = ["backup", "restore", "rebuild_read_models"]

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="the database [default: SPINE_DATABASE_URL, else the running `spine dev`'s]; prefer the variable "
        "when the URL has a password, a command line is visible to `ps`",
        show_default=False,
    ),
]


def _settings(data_dir: Path | None, database_url: str | None) -> Settings:
    settings = settings_for(data_dir, **({"database_url": database_url} if database_url else {}))
    if not settings.database_url:
        fail(
            "no database configured",
            "start `spine dev`, set SPINE_DATABASE_URL or pass --database-url",
            EXIT_UNAVAILABLE,
        )
    return settings


async def _rebuild(settings: Settings) -> list[dict[str, Any]]:
    assert settings.database_url
    await migrate(settings.database_url)
    app = await asyncio.to_thread(SpineEventStore.connect, settings, pool_size=2)
    conn = await asyncpg.connect(settings.database_url)
    try:
        results = await replay_many(conn, app, list(PROJECTIONS.values()))
    finally:
        await conn.close()
        app.close()
    return [{"projection": r.projection, "events": r.events, "position": r.position} for r in results]


def rebuild_read_models(settings: Settings) -> list[dict[str, Any]]:
    """Create the read models' schemas if missing and rebuild each from the event store (as
    `spine replay all`: beside the live tables, then swapped in)."""
    return asyncio.run(_rebuild(settings))


@handle_errors
def backup(
    out_path: Annotated[Path, typer.Option("--out", help="the backup file to write (never overwritten)")],
    database_url: DatabaseUrl = None,
    as_json: JsonOut = False,
    data_dir: DataDir = None,
) -> None:
    """Back up the event store — the source of truth; read models are rebuilt from it — to one file.

    The file is a tar archive of `manifest.json` (what it holds, with the dump's SHA-256) and a
    `pg_dump` of the event store's schema, taken in one snapshot while Spine keeps running.
    Restore it with `spine restore FILE`.
    """
    manifest = create_backup(_settings(data_dir, database_url), out_path)
    if as_json:
        print_json({"file": str(out_path), **manifest.to_json()})
        return
    out.print(
        f"backed up {manifest.events:,} events (positions up to {manifest.head:,}) of {manifest.database} "
        f"to {out_path} ({out_path.stat().st_size:,} bytes, dump SHA-256 {manifest.dump_sha256[:16]}…)",
        highlight=False,
    )


@handle_errors
def restore(
    file: Annotated[Path, typer.Argument(help="a file `spine backup` wrote")],
    database_url: DatabaseUrl = None,
    rebuild: Annotated[
        bool, typer.Option("--rebuild/--no-rebuild", help="rebuild every read model from the restored events")
    ] = True,
    as_json: JsonOut = False,
    data_dir: DataDir = None,
) -> None:
    """Restore a backup's event store into a database whose event store is missing or empty,
    then rebuild every read model from it.

    The file is checked (manifest, SHA-256 of the dump) before the database is touched; a target
    that already holds events is refused. Start the services afterwards against a new (or emptied)
    NATS: see README.md, "Backup and restore".
    """
    settings = _settings(data_dir, database_url)
    result = restore_backup(settings, file)
    rebuilt = rebuild_read_models(settings) if rebuild else []
    if as_json:
        print_json(
            {
                "file": str(file),
                "events": result.events,
                "head": result.head,
                "seconds": round(result.seconds, 3),
                "backup": result.manifest.to_json(),
                "rebuilt": rebuilt,
            }
        )
        return
    out.print(
        f"restored {result.events:,} events (positions up to {result.head:,}) from {file}, "
        f"backed up {result.manifest.created_at} from {result.manifest.database}",
        highlight=False,
    )
    if rebuilt:
        rows = [[r["projection"], r["events"], r["position"]] for r in rebuilt]
        out.print(table("Read models rebuilt", ["projection", "events", "position"], rows))
    else:
        out.print("read models not rebuilt: run `spine replay all`", highlight=False)
