"""Row blocks (COPY text): every value survives a round trip, and the fast path changes nothing."""

from __future__ import annotations

from datetime import date

import pytest

from spine_core.rowblock import decode_rows, encode_rows, escape_field, unescape_field

TRICKY = [
    "tab\there",
    "new\nline",
    "carriage\rreturn",
    "crlf\r\n",
    "back\\slash",
    "\\N",
    "\\\\N",
    "ends with backslash\\",
    "\\t literally",
    "",
    " spaced ",
    "ünïcödé ✓ 中文 🚀",
    "N",
]


def _as_text(value: object) -> str | None:
    return None if value is None else str(value)


@pytest.mark.parametrize("value", TRICKY)
def test_each_tricky_text_round_trips(value: str) -> None:
    rows = [(1, value, "after")]
    assert decode_rows(encode_rows(rows)) == [("1", value, "after")]


def test_mixed_rows_round_trip_as_text() -> None:
    rows = [
        (1, "AAPL", None, date(2025, 11, 14), -42, True),
        (2, "tab\tand\nnewline", "\\N", date(2024, 2, 29), 0, False),
        (3, None, None, None, None, None),
    ]

    decoded = decode_rows(encode_rows(rows))

    assert decoded == [tuple(_as_text(v) for v in row) for row in rows]
    assert decoded[1][2] == "\\N"  # the text backslash-N is not NULL
    assert decoded[2][1] is None


def test_null_is_backslash_n_and_text_backslash_n_is_escaped() -> None:
    assert encode_rows([(None, "\\N")]) == b"\\N\t\\\\N\n"


def test_block_is_one_line_per_row_with_a_trailing_newline() -> None:
    block = encode_rows([("a", 1), ("b\nc", 2)])
    assert block == b"a\t1\nb\\nc\t2\n"
    assert block.count(b"\n") == 2


def test_empty_input_is_an_empty_block() -> None:
    assert encode_rows([]) == b""
    assert decode_rows(b"") == []


@pytest.mark.parametrize(
    "row",
    [
        ("plain", 1, date(2025, 1, 3)),
        ("tab\tinside", "x"),
        ("back\\slash",),
        ("cr\r",),
        (None, "x"),
        ("", ""),
        ("ünïcödé", 3),
    ],
)
def test_fast_path_equals_escaping_every_field(row: tuple[object, ...]) -> None:
    slow = "\t".join(escape_field(v) for v in row) + "\n"
    assert encode_rows([row]) == slow.encode("utf-8")


def test_escape_and_unescape_are_inverse() -> None:
    for value in TRICKY:
        assert unescape_field(escape_field(value)) == value
    assert escape_field(None) == "\\N"
    assert unescape_field("\\N") is None


def test_many_rows_round_trip() -> None:
    rows = [(n, f"s{n}\t{n}" if n % 3 == 0 else f"s{n}", None if n % 5 == 0 else n * 10) for n in range(1, 501)]
    assert decode_rows(encode_rows(rows)) == [tuple(_as_text(v) for v in row) for row in rows]
