"""Splitting a run's output into encoded blocks, each small enough for one event.

Events travel on NATS (1 MiB payload limit by default) with a small JSON header, so an encoded
block stays below :data:`MAX_BLOCK_BYTES`. Splitting is deterministic: the same output always
gives the same blocks, which is what lets a resumed run skip the chunks already recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from spine_core.errors import SourceUnreadable
from spine_core.framework.pipeline import RowBatch
from spine_core.rejects import Reject
from spine_core.rowblock import encode_rows

__all__ = ["MAX_BLOCK_BYTES", "row_blocks", "reject_blocks", "split_blocks"]

T = TypeVar("T")

#: Largest encoded row block in one event.
MAX_BLOCK_BYTES = 768 * 1024


def row_blocks(batch: RowBatch, row_columns: tuple[str, ...], max_bytes: int) -> Iterator[tuple[int, int, int, bytes]]:
    """Encode a batch's rows as ``(first_line, last_line, count, block)``, no block above ``max_bytes``."""
    if not batch.rows:
        return
    has_line_no = row_columns[:1] == ("line_no",)

    def lines_of(rows: list[tuple[Any, ...]]) -> tuple[int, int]:
        if has_line_no:
            return int(rows[0][0]), int(rows[-1][0])
        return batch.first_line, batch.last_line

    for rows, block in split_blocks(batch.rows, encode_rows, max_bytes):
        yield (*lines_of(rows), len(rows), block)


def reject_blocks(rejects: list[Reject], max_bytes: int) -> Iterator[tuple[int, int, int, dict[str, int], bytes]]:
    """Encode rejects as ``(first_line, last_line, count, reasons, block)``, no block above ``max_bytes``."""
    for part, block in split_blocks(rejects, lambda rs: encode_rows([r.as_row() for r in rs]), max_bytes):
        reasons: dict[str, int] = {}
        for reject in part:
            reasons[reject.reason.value] = reasons.get(reject.reason.value, 0) + 1
        yield part[0].line_no, part[-1].line_no, len(part), reasons, block


def split_blocks(items: list[T], encode: Callable[[list[T]], bytes], max_bytes: int) -> Iterator[tuple[list[T], bytes]]:
    """Halve a list until each part encodes within ``max_bytes`` (deterministic)."""
    if not items:
        return
    block = encode(items)
    if len(block) <= max_bytes:
        yield items, block
        return
    if len(items) == 1:
        raise SourceUnreadable(
            f"one input line encodes to {len(block):,} bytes, above the {max_bytes:,}-byte limit of a row block",
            hint="this is not a FINRA weekly file, or a line is corrupted; check the file",
        )
    half = len(items) // 2
    yield from split_blocks(items[:half], encode, max_bytes)
    yield from split_blocks(items[half:], encode, max_bytes)
