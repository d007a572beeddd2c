"""FileSource: lines decoded as UTF-8 in 1 MiB reads, LF or CRLF, bad bytes as U+FFFD."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from services.adapters.inbox import FileSource

MIB = 1 << 20


def _source(tmp_path: Path, data: bytes, name: str = "in.psv") -> FileSource:
    path = tmp_path / name
    path.write_bytes(data)
    return FileSource(path, name)


@pytest.mark.parametrize(
    ("data", "lines"),
    [
        (b"a|b\nc|d\n", ["a|b", "c|d"]),
        (b"a|b\r\nc|d\r\n", ["a|b", "c|d"]),
        (b"a|b\nc|d", ["a|b", "c|d"]),
        (b"a|b\r\nc|d\r", ["a|b", "c|d"]),
        (b"a\n\nb\n", ["a", "", "b"]),
        (b"a\rb\n", ["a\rb"]),  # a lone CR is not a line break
        (b"", []),
        (b"\n", [""]),
    ],
)
def test_line_endings(tmp_path: Path, data: bytes, lines: list[str]) -> None:
    assert list(_source(tmp_path, data).lines()) == lines


def test_invalid_utf8_becomes_replacement_characters(tmp_path: Path) -> None:
    data = b"ok\nbad \xff\xfe here\ncut \xe2\x82\n\xc3"  # invalid bytes, a truncated sequence, a trailing one
    assert list(_source(tmp_path, data).lines()) == ["ok", "bad \ufffd\ufffd here", "cut \ufffd", "\ufffd"]


def test_size_sha256_and_bytes_read(tmp_path: Path) -> None:
    data = b"line one\nline two\n"
    source = _source(tmp_path, data)

    assert source.size == len(data)
    assert source.sha256 == hashlib.sha256(data).hexdigest()
    assert source.name == "in.psv"
    assert source.bytes_read == 0
    list(source.lines())
    assert source.bytes_read == len(data)


def test_lines_can_be_read_again(tmp_path: Path) -> None:
    source = _source(tmp_path, b"x\ny\n")
    assert list(source.lines()) == list(source.lines()) == ["x", "y"]


def test_lines_spanning_the_read_boundaries(tmp_path: Path) -> None:
    line1 = "a" * (MIB - 1)  # its CR is the last byte of the first read, its LF the first of the next
    line2 = "x" + "€" * (MIB // 3 + 1)  # a 3-byte character is cut by the second boundary
    line3 = "long " * (MIB // 4)  # spans the third boundary
    data = (line1 + "\r\n" + line2 + "\r\n" + line3 + "\n" + "tail").encode()
    assert data[MIB - 1 : MIB + 1] == b"\r\n"
    assert data[2 * MIB] & 0xC0 == 0x80, "the second boundary should fall inside a character"
    line3_start = data.index(b"long ")
    assert line3_start < 3 * MIB < line3_start + len(line3)

    source = _source(tmp_path, data)
    lines = list(source.lines())

    assert lines == [line1, line2, line3, "tail"]
    assert source.bytes_read == len(data)
    assert source.sha256 == hashlib.sha256(data).hexdigest()
