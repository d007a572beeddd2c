"""Row blocks: many rows encoded as one compact bytes value.

Rows travel between services in chunks (thousands of rows per event), never one message per
row. A block uses PostgreSQL's COPY text format (tab-separated, ``\\N`` for NULL, backslash
escapes for tab, newline, carriage return and backslash), so a read model can load a block with
one COPY and no per-row Python work, and any consumer can parse it with a few lines of code.

Written by hand rather than with a serialisation library: the bytes must be exactly what
PostgreSQL's ``COPY ... FROM STDIN`` reads (so the projector streams them straight in), the
core may import no third-party package, and the csv module neither writes ``\\N`` for NULL
nor escapes the way COPY's text format does.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["encode_rows", "decode_rows", "escape_field", "unescape_field"]

_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
_UNESCAPES = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r", "N": None}


def escape_field(value: object) -> str:
    if value is None:
        return "\\N"
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return "".join(_ESCAPES.get(ch, ch) for ch in text)
    return text


def _encode_row(row: Sequence[object]) -> str:
    # Fast path: no NULL, no character that needs escaping. The checks run in C on the joined
    # line; a tab inside a value shows up as one tab too many.
    if None not in row:
        line = "\t".join(map(str, row))
        if line.count("\t") == len(row) - 1 and "\\" not in line and "\r" not in line and "\n" not in line:
            return line
    return "\t".join(escape_field(v) for v in row)


_NUL_FOR_NULL = {None: "\x00"}


def encode_rows(rows: Sequence[Sequence[object]]) -> bytes:
    """Encode rows (sequences of str, int, date, bool or None) as one COPY-text block.

    Values must not contain NUL characters (PostgreSQL text cannot hold them).
    """
    if not rows:
        return b""
    width = len(rows[0])
    # Fast path, the common case: tuples of one width, formatted with one %-format each, then
    # checked once on the whole block (a tab, newline, CR or backslash inside a value shows up
    # in the counts) — several times cheaper than escaping field by field. NULLs are formatted
    # as NUL characters, which no value can contain, and become \N in one pass at the end.
    if all(type(row) is tuple and len(row) == width for row in rows):
        fmt = "\t".join(("%s",) * width)
        null = _NUL_FOR_NULL.get
        try:
            text = "\n".join([fmt % tuple(map(null, row, row)) for row in rows])  # type: ignore[arg-type,call-overload]
        except TypeError:  # an unhashable value: take the careful path
            text = ""
        if (
            text
            and text.count("\t") == len(rows) * (width - 1)
            and text.count("\n") == len(rows) - 1
            and "\\" not in text
            and "\r" not in text
        ):
            return (text.replace("\x00", "\\N") + "\n").encode("utf-8")
    return ("\n".join([_encode_row(row) for row in rows]) + "\n").encode("utf-8")


def unescape_field(field: str) -> str | None:
    if field == "\\N":
        return None
    if "\\" not in field:
        return field
    out: list[str] = []
    i = 0
    while i < len(field):
        ch = field[i]
        if ch == "\\" and i + 1 < len(field):
            nxt = field[i + 1]
            replacement = _UNESCAPES.get(nxt, nxt)
            out.append(replacement if replacement is not None else "")
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


_NULL_FIELDS = {"\\N": None}


def decode_rows(block: bytes) -> list[tuple[str | None, ...]]:
    """Decode a block back into rows of text values (``None`` for NULL)."""
    if not block:
        return []
    text = block.decode("utf-8")
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    if "\\" not in text:
        return [tuple(line.split("\t")) for line in lines]
    if text.count("\\") == text.count("\\N"):
        # Every backslash starts a \N: escapes (\\, \t, \n, \r) would make the counts differ,
        # so these are whole NULL fields — map them to None in C, field by field.
        null = _NULL_FIELDS.get
        return [tuple(map(null, fields, fields)) for fields in (line.split("\t") for line in lines)]  # type: ignore[arg-type]
    out: list[tuple[str | None, ...]] = []
    for line in lines:
        if "\\" not in line:
            out.append(tuple(line.split("\t")))
        else:
            out.append(tuple(unescape_field(f) for f in line.split("\t")))
    return out
