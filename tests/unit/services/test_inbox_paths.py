"""Inbox references: only paths inside the inbox resolve; everything else is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.adapters.inbox import InboxSources, resolve_in_inbox
from spine_core.errors import InvalidInput, SourceUnreadable


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    root = tmp_path / "inbox"
    (root / "weekly").mkdir(parents=True)
    (root / "weekly" / "a.psv").write_text("x\n")
    (tmp_path / "secret.txt").write_text("do not read\n")
    return root


def test_relative_path_resolves_inside(inbox: Path) -> None:
    assert resolve_in_inbox(inbox, "weekly/a.psv") == (inbox / "weekly" / "a.psv").resolve()


def test_backslashes_are_separators(inbox: Path) -> None:
    assert resolve_in_inbox(inbox, "weekly\\a.psv") == (inbox / "weekly" / "a.psv").resolve()


@pytest.mark.parametrize("ref", ["/etc/passwd", "\\windows\\system32", "C:\\data\\a.psv", "c:/data/a.psv", "D:a.psv"])
def test_absolute_paths_are_refused(inbox: Path, ref: str) -> None:
    with pytest.raises(InvalidInput, match="absolute path") as raised:
        resolve_in_inbox(inbox, ref)
    assert raised.value.hint is not None and "inbox" in raised.value.hint


@pytest.mark.parametrize("ref", ["../secret.txt", "weekly/../../secret.txt", "weekly/../a.psv", "..\\secret.txt"])
def test_dot_dot_is_refused(inbox: Path, ref: str) -> None:
    with pytest.raises(InvalidInput, match=r"'\.\.' is not allowed"):
        resolve_in_inbox(inbox, ref)


@pytest.mark.parametrize("ref", ["", "a\x00b"])
def test_empty_or_nul_is_refused(inbox: Path, ref: str) -> None:
    with pytest.raises(InvalidInput, match="empty or contains a NUL"):
        resolve_in_inbox(inbox, ref)


def test_symlink_leading_out_is_refused(inbox: Path, tmp_path: Path) -> None:
    (inbox / "escape.txt").symlink_to(tmp_path / "secret.txt")
    (inbox / "outdir").symlink_to(tmp_path, target_is_directory=True)

    with pytest.raises(InvalidInput, match="resolves outside the inbox"):
        resolve_in_inbox(inbox, "escape.txt")
    with pytest.raises(InvalidInput, match="resolves outside the inbox"):
        resolve_in_inbox(inbox, "outdir/secret.txt")


def test_symlink_inside_the_inbox_is_followed(inbox: Path) -> None:
    (inbox / "latest.psv").symlink_to(inbox / "weekly" / "a.psv")
    assert resolve_in_inbox(inbox, "latest.psv") == (inbox / "weekly" / "a.psv").resolve()


def test_inbox_reached_through_a_symlink_still_works(inbox: Path, tmp_path: Path) -> None:
    alias = tmp_path / "alias"
    alias.symlink_to(inbox, target_is_directory=True)
    assert resolve_in_inbox(alias, "weekly/a.psv") == (inbox / "weekly" / "a.psv").resolve()


def test_source_opener_turns_refusals_into_source_unreadable(inbox: Path) -> None:
    opener = InboxSources(inbox)

    with pytest.raises(SourceUnreadable, match="leaves the inbox"):
        opener("../secret.txt")
    with pytest.raises(SourceUnreadable, match="is not in the inbox"):
        opener("weekly/missing.psv")
    with pytest.raises(SourceUnreadable, match="not a regular file"):
        opener("weekly")
    assert opener("weekly/a.psv").name == "a.psv"
