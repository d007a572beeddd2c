"""The ``spine`` command line."""

from __future__ import annotations

import asyncio
import functools
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from services.cli.output import EXIT_FAILED, EXIT_UNAVAILABLE, EXIT_USAGE, fail, out, print_json, table
from services.logging import configure_logging
from services.settings import Settings, load_settings
from spine_core.errors import InvalidInput, NotFound, SpineError, Unavailable

__all__ = ["app", "main"]

app = typer.Typer(
    name="spine",
    help=(
        "Spine — an event-sourced analytics pipeline platform (FINRA OTC Transparency first).\n\n"
        "Start everything locally with `spine dev` (embedded PostgreSQL and NATS), or try it with "
        "`spine demo`. Other commands find a running `spine dev` by its data directory (./.spine)."
    ),
    no_args_is_help=True,
    rich_markup_mode="markdown",
    pretty_exceptions_enable=False,
)
query_app = typer.Typer(help="Query read models through the gateway.", no_args_is_help=True)
app.add_typer(query_app, name="query")
generate_app = typer.Typer(
    help="Write sample input files: a generated FINRA week, an exchange calendar by rule.", no_args_is_help=True
)
app.add_typer(generate_app, name="generate")

F = TypeVar("F", bound=Callable[..., Any])

DataDir = Annotated[
    Path | None, typer.Option("--data-dir", help="where `spine dev` keeps its servers and state [default: ./.spine]")
]
JsonOut = Annotated[bool, typer.Option("--json", help="print one JSON object instead of tables")]


def _settings(data_dir: Path | None = None, **overrides: Any) -> Settings:
    from services.dev.state import resolve_settings

    try:
        settings = load_settings(**({"data_dir": data_dir} if data_dir else {}), **overrides)
    except ValueError as exc:
        fail(f"invalid settings: {exc}")
    return resolve_settings(settings)


def _require_running(settings: Settings) -> Settings:
    if not settings.gateway_url or not settings.nats_url:
        fail(
            f"no running Spine found (looked for a `spine dev` in {settings.data_dir.resolve()})",
            "start it in another terminal with `spine dev`, or set SPINE_GATEWAY_URL and SPINE_NATS_URL",
            EXIT_UNAVAILABLE,
        )
    return settings


def handle_errors(func: F) -> F:
    """Translate the exception tree into a message, a hint and an exit code — once, here."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SpineError as exc:
            code = EXIT_USAGE if isinstance(exc, InvalidInput | NotFound) else EXIT_FAILED
            if isinstance(exc, Unavailable):
                code = EXIT_UNAVAILABLE
            status = getattr(exc, "status", None)
            if status is not None:
                code = EXIT_UNAVAILABLE if status >= 500 else EXIT_USAGE
            fail(exc.message, exc.hint, code)
        except KeyboardInterrupt:
            fail("interrupted", code=130)

    return wrapper  # type: ignore[return-value]


# ---------------------------------------------------------------------------- spine dev
@app.command()
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
    _print_stack(stack)
    _serve_until_signal(stack)


def _print_stack(stack: Any) -> None:
    s = stack.settings
    rows = [
        ["gateway", stack.gateway_url, f"API docs: {stack.gateway_url}/docs"],
        ["PostgreSQL", _redact(str(s.database_url)), "embedded" if stack.postgres else "external"],
        ["NATS JetStream", str(s.nats_url), "embedded" if stack.nats else "external"],
        ["inbox", str(s.inbox), "source files the API may read"],
    ]
    for child in stack.children.values():
        rows.append([child.name, f"pid {child.process.pid}", f"log: {child.log_path}"])
    out.print(table("Spine is running", ["component", "where", "notes"], rows))


def _redact(url: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def _serve_until_signal(stack: Any) -> None:
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


# ---------------------------------------------------------------------------- spine demo
@app.command()
@handle_errors
def demo(
    exit_after: Annotated[bool, typer.Option("--exit", help="stop after printing the summary")] = False,
    weeks: Annotated[int, typer.Option(min=1, max=52, help="how many weeks to generate and ingest")] = 3,
    rows: Annotated[int, typer.Option(min=10, max=5_000_000, help="rows per weekly file")] = 20_000,
    tier: Annotated[str, typer.Option(help="tier of the generated files")] = "NMS_TIER_1",
    seed: Annotated[int, typer.Option(help="generator seed (same seed, same files)")] = 7,
    data_dir: DataDir = None,
    port: Annotated[int, typer.Option(help="gateway port")] = 8000,
) -> None:
    """Run a few generated FINRA weeks through the whole workflow and print what landed:
    weeks, top symbols, venue shares, the trend over the weeks and the quality checks.

    The weekly files come from Spine's generator and the exchange calendar (for volume per
    trading day) from the NYSE holiday rules. Uses a running `spine dev` if there is one, else
    starts the embedded stack itself. Weeks already ingested are skipped (idempotency), so a
    second demo shows the same data.
    """
    from services.cli.demo import run_demo

    ok = run_demo(
        data_dir=data_dir, port=port, weeks=weeks, rows=rows, tier=tier, seed=seed, keep_serving=not exit_after
    )
    if not ok:
        raise typer.Exit(EXIT_FAILED)


# ---------------------------------------------------------------------------- spine run
@app.command("run")
@handle_errors
def run_cmd(
    pipeline: Annotated[
        str, typer.Argument(help="pipeline name, e.g. finra.otc_transparency.ingest_week (see `spine pipelines`)")
    ],
    week_ending: Annotated[
        str | None, typer.Option("--week-ending", help="the Friday that ends the week, YYYY-MM-DD")
    ] = None,
    tier: Annotated[
        str | None, typer.Option(help="NMS_TIER_1, NMS_TIER_2 or OTC ('NMS Tier 1', 'tier1', 'T1' work too)")
    ] = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="a local source file; it is uploaded to the inbox")
    ] = None,
    param: Annotated[
        list[str] | None, typer.Option("-p", "--param", help="pipeline parameter key=value (repeatable)")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="capture again even if this partition was captured")] = False,
    lane: Annotated[str, typer.Option(help="normal, backfill or slow")] = "normal",
    through: Annotated[
        str | None,
        typer.Option(
            help="also run the following stages up to this one: a stage (normalize, venue_share, rolling, ...) or 'all'"
        ),
    ] = None,
    as_json: JsonOut = False,
    data_dir: DataDir = None,
) -> None:
    """Run a pipeline: publish the command, follow its progress, print the result.

    Examples:
    `spine run finra.otc_transparency.ingest_week --week-ending 2025-11-14 --tier OTC --file week.csv`
    `spine run finra.otc_transparency.ingest_week --tier OTC --file week.csv --through all -p window=4`
    (the week is inferred from the file's publication date when --week-ending is left out)
    """
    import spine_domains
    from services.cli.run import build_params, print_outcome, run_sync

    if lane not in ("normal", "backfill", "slow"):
        fail(f"unknown lane {lane!r}", "use normal, backfill or slow")
    if file is not None and not file.is_file():
        fail(f"file {file} does not exist or is not a regular file", "check the path")
    params, stage_params = build_params(
        spine_domains.build_registry(), pipeline, week_ending, tier, list(param or []), force, through
    )
    settings = _require_running(_settings(data_dir))
    result = run_sync(
        settings,
        pipeline,
        params,
        file,
        lane=lane,
        show_progress=not as_json,
        through=through,
        stage_params=stage_params,
    )
    print_outcome(result, as_json)
    if result["status"] == "failed" or result.get("failed_stages"):
        raise typer.Exit(EXIT_FAILED)


# ---------------------------------------------------------------------------- spine backfill
@app.command()
@handle_errors
def backfill(
    tier: Annotated[str, typer.Option(help="NMS_TIER_1, NMS_TIER_2 or OTC")],
    weeks: Annotated[str, typer.Option(help="Fridays: 2025-11-28..2026-01-02 or a comma list")],
    directory: Annotated[
        Path,
        typer.Option("--dir", help="a local folder of weekly files (names carry the week or its publication date)"),
    ],
    through: Annotated[str, typer.Option(help="how far each week goes: a stage or 'all'")] = "all",
    as_json: JsonOut = False,
    data_dir: DataDir = None,
) -> None:
    """Ingest a range of weeks from a folder of files, each through the workflow, on the backfill lane.

    The files are uploaded, a backfill plan matches weeks to files, and every planned week runs
    through the stages; missing files and failed stages are reported per week.
    """
    import spine_domains
    from services.cli.backfill import run_backfill

    if not directory.is_dir():
        fail(f"{directory} is not a directory", "pass the folder holding the weekly files")
    settings = _require_running(_settings(data_dir))
    code = run_backfill(settings, spine_domains.build_registry(), tier, weeks, directory, through, as_json)
    if code:
        raise typer.Exit(code)


# ---------------------------------------------------------------------------- spine generate
@generate_app.command("week")
@handle_errors
def generate_week(
    week_ending: Annotated[str, typer.Option("--week-ending", help="the Friday that ends the week, YYYY-MM-DD")],
    tier: Annotated[str, typer.Option(help="NMS_TIER_1, NMS_TIER_2 or OTC")] = "NMS_TIER_1",
    rows: Annotated[int, typer.Option(min=1, max=20_000_000, help="data lines")] = 100_000,
    seed: Annotated[int, typer.Option(help="generator seed (same seeds, same file)")] = 0,
    universe_seed: Annotated[
        int | None,
        typer.Option(
            "--universe-seed",
            help="draws the symbols, names and venues: give a series of weeks one universe seed and each its own --seed",
        ),
    ] = None,
    out_path: Annotated[
        Path | None,
        typer.Option("--out", help="file to write [default: finra_<tier>_<week>_<rows>r_s<seed>[_u<universe>].psv]"),
    ] = None,
) -> None:
    """A realistic FINRA OTC weekly file in the download layout (pipe-delimited), made by
    Spine's seeded generator: symbols, ATS and non-ATS venues, volumes and trade counts.

    Then: `spine run finra.otc_transparency.ingest_week --tier NMS_TIER_1 --file FILE --through all`
    """
    from services.cli.generate import default_week_name, write_week_file
    from spine_core.temporal import WeekEnding
    from spine_domains.finra_otc.tiers import Tier

    week, canonical = WeekEnding.parse(week_ending), Tier.parse(tier)
    path = out_path or Path(default_week_name(week, canonical, rows, seed, universe_seed))
    started = time.monotonic()
    write_week_file(path, rows, week, canonical, seed, universe_seed)
    out.print(
        f"wrote {path} ({rows:,} rows, {path.stat().st_size / 1e6:.1f} MB) in {time.monotonic() - started:.1f}s",
        highlight=False,
    )


@generate_app.command("calendar")
@handle_errors
def generate_calendar(
    year: Annotated[int, typer.Option(help="the calendar year")],
    exchange: Annotated[str, typer.Option(help="XNYS or XNAS (same holidays)")] = "XNYS",
    out_path: Annotated[
        Path | None, typer.Option("--out", help="file to write [default: holidays_<exchange>_<year>.json]")
    ] = None,
) -> None:
    """An exchange calendar file of the year's regular NYSE holidays, computed from the
    exchange's rules (observed days included). Unscheduled closures are not in it: for
    production, ingest the calendar the exchange publishes.

    Then: `spine run reference.exchange_calendar.ingest_year -p exchange=XNYS -p year=YEAR --file FILE`
    """
    from services.cli.generate import default_calendar_name, write_calendar_file

    path = out_path or Path(default_calendar_name(exchange, year))
    try:
        write_calendar_file(path, exchange, year)
    except ValueError as exc:
        fail(str(exc), "pass --year between 1998 and 2099 and --exchange XNYS or XNAS")
    out.print(f"wrote {path}", highlight=False)


# ---------------------------------------------------------------------------- spine query
@query_app.command("weeks")
@handle_errors
def query_weeks_cmd(
    tier: Annotated[str | None, typer.Option(help="only this tier")] = None,
    as_json: JsonOut = False,
    data_dir: DataDir = None,
) -> None:
    """Weeks with data, latest capture first."""
    from services.cli.query import query_weeks, show_weeks

    settings = _require_running(_settings(data_dir))
    show_weeks(asyncio.run(query_weeks(settings, tier)), as_json)


@query_app.command("symbols")
@handle_errors
def query_symbols_cmd(
    week_ending: Annotated[str, typer.Option("--week-ending", help="the Friday that ends the week")],
    tier: Annotated[str, typer.Option(help="NMS_TIER_1, NMS_TIER_2 or OTC")],
    top: Annotated[int, typer.Option(min=1, max=100_000, help="how many symbols")] = 10,
    capture_id: Annotated[str | None, typer.Option("--capture-id", help="a specific capture (default: latest)")] = None,
    as_json: JsonOut = False,
    data_dir: DataDir = None,
) -> None:
    """Top symbols of a week by total off-exchange volume."""
    from services.cli.query import query_symbols, show_symbols

    settings = _require_running(_settings(data_dir))
    show_symbols(asyncio.run(query_symbols(settings, week_ending, tier, top, capture_id)), as_json)


def _running_settings(data_dir: Path | None = None) -> Settings:
    return _require_running(_settings(data_dir))


def _register_queries() -> None:
    from services.cli.queries import register

    register(query_app, _running_settings, handle_errors)


_register_queries()


# ---------------------------------------------------------------------------- operations
@app.command()
@handle_errors
def lag(
    once: Annotated[bool, typer.Option("--once", help="print one sample and exit")] = False,
    interval: Annotated[float, typer.Option(min=0.2, help="seconds between refreshes")] = 1.0,
    as_json: JsonOut = False,
    data_dir: DataDir = None,
) -> None:
    """Projection lag, live: per projector its position, events and seconds behind, rate, ETA and
    status (OK, LAGGING, STALLED, FAILED). Ctrl-C to quit. The web page is at /ops."""
    from services.cli.ops import lag_view, show_lag_once

    settings = _require_running(_settings(data_dir))
    if once or as_json:
        show_lag_once(settings, as_json)
    else:
        lag_view(settings, interval)


@app.command()
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
    from services.cli.ops import tail_events

    tail_events(_require_running(_settings(data_dir)), from_seq, since, count, as_json)


@app.command("replay")
@handle_errors
def replay_cmd(
    projection: Annotated[str, typer.Argument(help="manifest, finra_otc, quality, reference, or all")],
    as_json: JsonOut = False,
    data_dir: DataDir = None,
) -> None:
    """Rebuild read models from the event store (the source of truth) into new tables beside
    the live ones, then swap them in atomically: queries keep answering throughout."""
    from services.cli.replay import run_replay

    settings = _settings(data_dir)
    if not settings.database_url:
        fail("no database configured", "start `spine dev` or set SPINE_DATABASE_URL", EXIT_UNAVAILABLE)
    run_replay(settings, projection, as_json)


@app.command("dead-letters")
@handle_errors
def dead_letters(
    retry: Annotated[str | None, typer.Option(help="ask this projection to apply its dead letters again")] = None,
    position: Annotated[int | None, typer.Option(help="with --retry: only the stream of this dead letter")] = None,
    projection: Annotated[str | None, typer.Option(help="list only this projection's")] = None,
    as_json: JsonOut = False,
    data_dir: DataDir = None,
) -> None:
    """Events a projector could not apply (and those parked behind them); retry once fixed."""
    from services.cli.ops import list_dead_letters, retry_dead_letters

    settings = _require_running(_settings(data_dir))
    if retry:
        retry_dead_letters(settings, retry, position)
    else:
        list_dead_letters(settings, projection, as_json)


# ---------------------------------------------------------------------------- spine pipelines
@app.command()
@handle_errors
def pipelines(as_json: JsonOut = False) -> None:
    """List the pipelines and their parameters."""
    import spine_domains
    from spine_core.framework.describe import describe

    data = [describe(p) for p in spine_domains.build_registry().all()]
    if as_json:
        print_json(data)
        return
    for p in data:
        params = ", ".join(f"{x['name']}{'*' if x['required'] else ''} ({x['type']})" for x in p["params"])
        out.print(f"[bold]{p['name']}[/]  {p['description']}\n  params: {params}  (* required)", highlight=False)


# ---------------------------------------------------------------------------- spine service
@app.command()
@handle_errors
def service(
    kind: Annotated[str, typer.Argument(help="worker, relay, projector, process-manager, gateway or migrate")],
    name: Annotated[
        str | None, typer.Argument(help="projection name, for `projector` (manifest, finra_otc, quality)")
    ] = None,
) -> None:
    """Run one service in the foreground (configured by SPINE_* settings; used by `spine dev`
    and by each container of compose.yaml)."""
    from services.bootstrap import SERVICES, prepare_infrastructure, run_service

    settings = _settings()
    configure_logging(settings.log_level, settings.log_format, f"{kind}{'-' + name if name else ''}")
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


def main() -> None:
    app()
