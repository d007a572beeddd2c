"""What every ``spine`` command shares: the root Typer app, common options, settings and errors.

:func:`create_app` makes the bare root app; :mod:`services.cli.main` adds the commands to it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from services.cli.output import EXIT_FAILED, EXIT_UNAVAILABLE, EXIT_USAGE, fail
from services.settings import Settings, load_settings
from spine_core.errors import InvalidInput, NotFound, SpineError, Unavailable

__all__ = [
    "DataDir",
    "JsonOut",
    "create_app",
    "handle_errors",
    "require_running",
    "running_settings",
    "settings_for",
]

F = TypeVar("F", bound=Callable[..., Any])

DataDir = Annotated[
    Path | None, typer.Option("--data-dir", help="where `spine dev` keeps its servers and state [default: ./.spine]")
]
JsonOut = Annotated[bool, typer.Option("--json", help="print one JSON object instead of tables")]

#: ``spine --token ...``: beats SPINE_API_TOKEN and the operator token of the data dir.
_token_option: ContextVar[str | None] = ContextVar("spine_token_option", default=None)


def _root(
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            help="API token to send to the gateway [default: SPINE_API_TOKEN, else the operator token "
            "`spine dev` keeps in the data dir]; prefer the variable, a command line is visible to `ps`",
            show_default=False,
        ),
    ] = None,
) -> None:
    _token_option.set(token)


def create_app() -> typer.Typer:
    """The root ``spine`` app, with no commands yet."""
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
    app.callback()(_root)
    return app


def settings_for(data_dir: Path | None = None, **overrides: Any) -> Settings:
    """Settings from SPINE_* variables, completed by the state of a running `spine dev` if any."""
    from services.dev.state import resolve_settings

    token = _token_option.get()
    if token:
        overrides = {"api_token": token, **overrides}
    try:
        settings = load_settings(**({"data_dir": data_dir} if data_dir else {}), **overrides)
    except ValueError as exc:
        fail(f"invalid settings: {exc}")
    return resolve_settings(settings)


def require_running(settings: Settings) -> Settings:
    """The settings, or exit with a hint when no running Spine was found."""
    if not settings.gateway_url or not settings.nats_url:
        fail(
            f"no running Spine found (looked for a `spine dev` in {settings.data_dir.resolve()})",
            "start it in another terminal with `spine dev`, or set SPINE_GATEWAY_URL and SPINE_NATS_URL",
            EXIT_UNAVAILABLE,
        )
    return settings


def running_settings(data_dir: Path | None = None) -> Settings:
    """Settings of the running Spine found from ``data_dir`` (exits when there is none)."""
    return require_running(settings_for(data_dir))


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
