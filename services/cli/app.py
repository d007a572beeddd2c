"""What every ``spine`` command shares: the root Typer app, common options, settings and errors.

:func:`create_app` makes the bare root app; :mod:`services.cli.main` adds the commands to it.
Which Spine a command talks to: ``--url`` (else ``SPINE_GATEWAY_URL``, else the running
``spine dev`` of the data dir) with ``--token`` (else ``SPINE_API_TOKEN``, else the operator
token of the data dir). The exception tree becomes an exit code here, once (:func:`exit_code_for`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from services.cli.output import EXIT_AUTH, EXIT_CODES, EXIT_FAILED, EXIT_UNAVAILABLE, EXIT_USAGE, fail
from services.settings import Settings, load_settings
from spine_core.errors import Forbidden, InvalidInput, NotFound, SpineError, Unauthenticated, Unavailable

__all__ = [
    "DataDir",
    "JsonOut",
    "create_app",
    "exit_code_for",
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
#: ``spine --url ...``: beats SPINE_GATEWAY_URL and the gateway of the running ``spine dev``.
_url_option: ContextVar[str | None] = ContextVar("spine_url_option", default=None)


def _check_url(url: str, where: str) -> str:
    if not url.startswith(("http://", "https://")):
        fail(f"{where} must be the gateway's http(s) URL, not {url!r}", "e.g. --url https://spine.example:8000")
    return url.rstrip("/")


def _root(
    url: Annotated[
        str | None,
        typer.Option(
            "--url",
            help="the gateway of the Spine to use, e.g. https://spine.example:8000 [default: SPINE_GATEWAY_URL, "
            "else the running `spine dev`]",
            show_default=False,
        ),
    ] = None,
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
    _url_option.set(None if url is None else _check_url(url, "--url"))
    _token_option.set(token)


def _root_help() -> str:
    codes = "\n".join(f"* **{code}** {meaning}" for code, meaning in EXIT_CODES)
    return (
        "Spine — an event-sourced analytics pipeline platform (FINRA OTC Transparency first).\n\n"
        "Start everything locally with `spine dev` (embedded PostgreSQL and NATS), or try it with "
        "`spine demo`. Other commands find a running `spine dev` by its data directory (./.spine).\n\n"
        "Against a remote Spine: `spine --url https://spine.example:8000 run ...` with a token in "
        "SPINE_API_TOKEN (or --token); SPINE_GATEWAY_URL does what --url does. Without access to its "
        "NATS (SPINE_NATS_URL unset or unreachable), commands go through the gateway.\n\n"
        f"Exit codes:\n\n{codes}"
    )


def create_app() -> typer.Typer:
    """The root ``spine`` app, with no commands yet."""
    app = typer.Typer(
        name="spine",
        help=_root_help(),
        no_args_is_help=True,
        rich_markup_mode="markdown",
        pretty_exceptions_enable=False,
    )
    app.callback()(_root)
    return app


def settings_for(data_dir: Path | None = None, **overrides: Any) -> Settings:
    """Settings from SPINE_* variables and the root options, completed by the state of a running
    `spine dev` if any — unless the gateway asked for is another one (see :func:`_another_spine`)."""
    from services.dev.state import resolve_settings

    token, url = _token_option.get(), _url_option.get()
    if token:
        overrides = {"api_token": token, **overrides}
    if url:
        overrides = {"gateway_url": url, **overrides}
    try:
        settings = load_settings(**({"data_dir": data_dir} if data_dir else {}), **overrides)
    except ValueError as exc:
        fail(f"invalid settings: {exc}")
    if settings.gateway_url:
        settings = settings.model_copy(update={"gateway_url": _check_url(settings.gateway_url, "SPINE_GATEWAY_URL")})
    if _another_spine(settings):
        return settings
    return resolve_settings(settings)


def _another_spine(settings: Settings) -> bool:
    """True when the gateway asked for is not the one the running `spine dev` of the data dir
    serves: then nothing of that data dir applies — publishing to its NATS while following
    another gateway would run the command on the wrong Spine, and its operator token is not
    for anyone else."""
    from services.dev.state import read_state

    if not settings.gateway_url:
        return False
    state = read_state(settings.data_dir)
    return state is not None and state.gateway_url.rstrip("/").lower() != settings.gateway_url.lower()


def require_running(settings: Settings) -> Settings:
    """The settings, or exit with a hint when no Spine was found. Only the gateway is needed:
    without NATS, commands go through it (:mod:`services.cli.submit`)."""
    if not settings.gateway_url:
        fail(
            f"no running Spine found (no --url or SPINE_GATEWAY_URL, and no `spine dev` in "
            f"{settings.data_dir.resolve()})",
            "start one in another terminal with `spine dev`, or point at one with --url URL (or "
            "SPINE_GATEWAY_URL) and a token in SPINE_API_TOKEN (or --token)",
            EXIT_UNAVAILABLE,
        )
    return settings


def running_settings(data_dir: Path | None = None) -> Settings:
    """Settings of the running Spine found from ``data_dir`` (exits when there is none)."""
    return require_running(settings_for(data_dir))


def exit_code_for(exc: SpineError) -> int:
    """The exit code of an error (``EXIT_CODES``); an error answer of the gateway by its HTTP status."""
    status: int | None = getattr(exc, "status", None)
    if status is not None:
        if status in (401, 403):
            return EXIT_AUTH
        return EXIT_UNAVAILABLE if status >= 500 else EXIT_USAGE
    if isinstance(exc, Unauthenticated | Forbidden):
        return EXIT_AUTH
    if isinstance(exc, Unavailable):
        return EXIT_UNAVAILABLE
    if isinstance(exc, InvalidInput | NotFound):
        return EXIT_USAGE
    return EXIT_FAILED


def handle_errors(func: F) -> F:
    """Translate the exception tree into a message, a hint and an exit code — once, here."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SpineError as exc:
            fail(exc.message, exc.hint, exit_code_for(exc))
        except KeyboardInterrupt:
            fail("interrupted", code=130)

    return wrapper  # type: ignore[return-value]
