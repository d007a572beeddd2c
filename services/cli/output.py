"""How the CLI speaks: errors with hints on stderr, tables for people, JSON for programs."""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

from rich.console import Console
from rich.table import Table

__all__ = [
    "out",
    "err",
    "fail",
    "print_json",
    "table",
    "EXIT_FAILED",
    "EXIT_USAGE",
    "EXIT_UNAVAILABLE",
    "EXIT_AUTH",
    "EXIT_CODES",
]

# Wide enough for tables of figures when the output is not a terminal (pipes, logs, CI).
_WIDTH = None if sys.stdout.isatty() else 140
out = Console(emoji=False, width=_WIDTH)
err = Console(stderr=True, emoji=False, width=None if sys.stderr.isatty() else 140)

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_UNAVAILABLE = 3
EXIT_AUTH = 4

#: Every exit code and what it means, as `spine --help` and the README list them: a script can
#: tell a run that failed from a mistake in the command, a server it cannot reach and a token
#: that does not do.
EXIT_CODES: tuple[tuple[int, str], ...] = (
    (0, "done (a run completed, or was skipped because its partition was captured already)"),
    (EXIT_FAILED, "a run failed (or a stage of it, or a backfill week had no file)"),
    (EXIT_USAGE, "usage error: a bad option or parameter, an unknown pipeline, something not found"),
    (EXIT_UNAVAILABLE, "no Spine to talk to: the gateway cannot be reached, or it answers that it is unavailable"),
    (
        EXIT_AUTH,
        "authentication failed: no token or a wrong one (401), a token without the scope (403), or NATS "
        "refused the credentials",
    ),
)


def fail(message: str, hint: str | None = None, code: int = EXIT_USAGE) -> NoReturn:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    if hint:
        err.print(f"[yellow]hint:[/] {hint}", highlight=False)
    raise SystemExit(code)


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, default=str) + "\n")


def table(title: str, columns: list[str], rows: list[list[Any]], *, right: set[str] | None = None) -> Table:
    t = Table(title=title or None, title_justify="left", show_header=any(columns))
    for col in columns:
        t.add_column(col, justify="right" if right and col in right else "left")
    for row in rows:
        t.add_row(
            *[
                "" if v is None else (f"{v:,}" if isinstance(v, int) and not isinstance(v, bool) else str(v))
                for v in row
            ]
        )
    return t
