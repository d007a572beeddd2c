"""Inbox references: only paths inside the inbox resolve; everything else is refused."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

import pytest

from services.adapters.inbox import FileSource, InboxSources, ref_parts, resolve_in_inbox, resolve_under
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


def test_a_root_resolved_beforehand_gives_the_same_answers(inbox: Path, tmp_path: Path) -> None:
    root = os.path.realpath(inbox)
    (inbox / "escape.txt").symlink_to(tmp_path / "secret.txt")

    assert resolve_under(root, "weekly/a.psv") == str(resolve_in_inbox(inbox, "weekly/a.psv"))
    with pytest.raises(InvalidInput, match="resolves outside the inbox"):
        resolve_under(root, "escape.txt")
    with pytest.raises(InvalidInput, match=r"'\.\.' is not allowed"):
        resolve_under(root, "../secret.txt")


def test_a_sibling_directory_sharing_the_inbox_name_as_a_prefix_is_outside(tmp_path: Path) -> None:
    (tmp_path / "inbox").mkdir()
    (tmp_path / "inbox-other").mkdir()
    (tmp_path / "inbox-other" / "a.psv").write_text("x\n")
    (tmp_path / "inbox" / "next").symlink_to(tmp_path / "inbox-other", target_is_directory=True)

    with pytest.raises(InvalidInput, match="resolves outside the inbox"):
        resolve_under(os.path.realpath(tmp_path / "inbox"), "next/a.psv")


def test_a_stale_root_refuses_rather_than_lets_through(inbox: Path, tmp_path: Path) -> None:
    """The gateway resolves its inbox once: if the directory is later swapped for a symlink to
    somewhere else, files there are refused, never read from outside the root it resolved."""
    root = os.path.realpath(inbox)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "b.psv").write_text("x\n")
    inbox.rename(tmp_path / "old-inbox")
    inbox.symlink_to(elsewhere, target_is_directory=True)

    with pytest.raises(InvalidInput, match="resolves outside the inbox"):
        resolve_under(root, "b.psv")


def test_a_symlink_loop_is_an_unreadable_source(inbox: Path) -> None:
    (inbox / "loop").symlink_to(inbox / "loop")
    with pytest.raises(SourceUnreadable, match="cannot be read"):
        FileSource(resolve_in_inbox(inbox, "loop"), "loop")


@pytest.mark.parametrize("ref", ["a.psv", "weekly/a.psv", "./weekly/./a.psv", "weekly//a.psv", "weekly/", ".", "a\\b"])
def test_segments_are_those_of_a_posix_path(ref: str) -> None:
    assert ref_parts(ref) == PurePosixPath(ref.replace("\\", "/")).parts


def test_a_missing_segment_resolves_to_a_file_that_is_not_there(inbox: Path) -> None:
    with pytest.raises(SourceUnreadable, match="is not in the inbox"):
        FileSource(Path(resolve_under(os.path.realpath(inbox), "nowhere/a.psv")), "nowhere/a.psv")
