"""How the CLI speaks: errors with hints on stderr, tables for people, JSON for programs."""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

from rich.console import Console
from rich.table import Table

__all__ = ["out", "err", "fail", "print_json", "table", "EXIT_FAILED", "EXIT_USAGE", "EXIT_UNAVAILABLE"]

# Wide enough for tables of figures when the output is not a terminal (pipes, logs, CI).
_WIDTH = None if sys.stdout.isatty() else 140
out = Console(emoji=False, width=_WIDTH)
err = Console(stderr=True, emoji=False, width=None if sys.stderr.isatty() else 140)

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_UNAVAILABLE = 3


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
