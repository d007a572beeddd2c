"""Row changes produced by pure mappers and executed by appliers.

A mapper turns an event into :class:`Op` values (a named statement and its arguments) or
:class:`CopyRows` (a row block to bulk-load with a constant prefix). The applier executes
consecutive ops of the same name with one ``executemany`` and keeps their order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from spine_core.rowblock import escape_field

__all__ = ["Op", "CopyRows", "Change", "prefixed_block"]


@dataclass(frozen=True, slots=True)
class Op:
    name: str
    args: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class CopyRows:
    """Load ``block`` (COPY text) into ``table``; every row gets the ``prefix`` values first."""

    table: str
    columns: tuple[str, ...]
    prefix: tuple[Any, ...]
    block: bytes


Change = Op | CopyRows


def prefixed_block(prefix: Sequence[Any], block: bytes) -> bytes:
    """Prepend constant leading columns to every line of a COPY-text block, in one C-level pass."""
    if not block:
        return b""
    head = ("\t".join(escape_field(v) for v in prefix) + "\t").encode("utf-8")
    body = block[:-1] if block.endswith(b"\n") else block
    return head + body.replace(b"\n", b"\n" + head) + b"\n"
