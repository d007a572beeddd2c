"""prefixed_block: constant leading columns on every line of a COPY-text block."""

from __future__ import annotations

import uuid
from datetime import date

from projections.ops import prefixed_block
from spine_core.rowblock import decode_rows, encode_rows


def test_every_line_gets_the_prefix() -> None:
    block = encode_rows([(1, "AAPL"), (2, "MSFT"), (3, "with\ttab")])
    capture_id = uuid.uuid4()

    out = prefixed_block((capture_id, date(2025, 11, 14)), block)

    assert decode_rows(out) == [
        (str(capture_id), "2025-11-14", "1", "AAPL"),
        (str(capture_id), "2025-11-14", "2", "MSFT"),
        (str(capture_id), "2025-11-14", "3", "with\ttab"),
    ]
    assert out.endswith(b"\n") and out.count(b"\n") == 3


def test_prefix_values_are_escaped() -> None:
    out = prefixed_block(("tab\there", None, "back\\slash", "new\nline"), b"1\tx\n")
    assert out == b"tab\\there\t\\N\tback\\\\slash\tnew\\nline\t1\tx\n"
    assert decode_rows(out) == [("tab\there", None, "back\\slash", "new\nline", "1", "x")]


def test_block_without_a_trailing_newline() -> None:
    assert prefixed_block(("p",), b"1\ta\n2\tb") == b"p\t1\ta\np\t2\tb\n"


def test_escaped_newlines_inside_values_are_not_line_breaks() -> None:
    block = encode_rows([("a\nb",)])
    assert prefixed_block(("p",), block) == b"p\ta\\nb\n"


def test_empty_block_stays_empty() -> None:
    assert prefixed_block(("p", 1), b"") == b""
