"""UploadWriter: content-addressed, atomic uploads into the inbox, with a size limit."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from services.adapters.inbox import UploadWriter, copy_into_inbox, resolve_in_inbox, safe_upload_name
from spine_core.errors import InvalidInput


def _upload(inbox: Path, name: str, chunks: list[bytes], *, max_bytes: int = 1 << 20) -> tuple[str, str, int]:
    writer = UploadWriter(inbox, name, max_bytes=max_bytes)
    for chunk in chunks:
        writer.write(chunk)
    return writer.commit()


def _incoming(inbox: Path) -> list[Path]:
    return sorted((inbox / "uploads").glob(".incoming-*"))


def test_commit_gives_a_content_addressed_reference(tmp_path: Path) -> None:
    data = [b"week|symbol\n", b"2025-11-14|AAPL\n"]

    ref, sha, size = _upload(tmp_path, "week 46.psv", data)

    expected = hashlib.sha256(b"".join(data)).hexdigest()
    assert (sha, size) == (expected, sum(map(len, data)))
    assert ref == f"uploads/{expected[:16]}-week_46.psv"
    assert (tmp_path / ref).read_bytes() == b"".join(data)
    assert resolve_in_inbox(tmp_path, ref) == (tmp_path / ref).resolve()
    assert _incoming(tmp_path) == []


def test_same_bytes_give_the_same_reference(tmp_path: Path) -> None:
    first = _upload(tmp_path, "a.psv", [b"same\n"])
    second = _upload(tmp_path, "a.psv", [b"sa", b"me\n"])
    other = _upload(tmp_path, "a.psv", [b"different\n"])

    assert first == second
    assert other[0] != first[0]
    assert len(list((tmp_path / "uploads").iterdir())) == 2


def test_nothing_appears_under_a_final_name_before_commit(tmp_path: Path) -> None:
    writer = UploadWriter(tmp_path, "a.psv", max_bytes=100)
    writer.write(b"partial")

    assert [p.name for p in (tmp_path / "uploads").iterdir() if not p.name.startswith(".incoming-")] == []
    writer.commit()


def test_exceeding_the_limit_aborts_and_leaves_no_temp_file(tmp_path: Path) -> None:
    writer = UploadWriter(tmp_path, "big.psv", max_bytes=10)
    writer.write(b"123456")
    assert len(_incoming(tmp_path)) == 1

    with pytest.raises(InvalidInput, match="exceeds the 10-byte limit"):
        writer.write(b"78901")

    assert _incoming(tmp_path) == []
    assert list((tmp_path / "uploads").iterdir()) == []


def test_exactly_the_limit_is_accepted(tmp_path: Path) -> None:
    _, _, size = _upload(tmp_path, "a.psv", [b"12345", b"67890"], max_bytes=10)
    assert size == 10


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\x\\w 46.psv", "w_46.psv"),
        ("...", "upload"),
        ("", "upload"),
        ("a;b|c.psv", "a_b_c.psv"),
    ],
)
def test_upload_names_are_made_safe(name: str, safe: str) -> None:
    assert safe_upload_name(name) == safe


def test_copy_into_inbox_matches_an_upload(tmp_path: Path) -> None:
    local = tmp_path / "local.psv"
    local.write_bytes(b"x|y\n" * 1000)
    inbox = tmp_path / "inbox"

    ref, sha, size = copy_into_inbox(inbox, local)

    assert (ref, sha, size) == _upload(inbox, "local.psv", [local.read_bytes()])
    assert _incoming(inbox) == []
