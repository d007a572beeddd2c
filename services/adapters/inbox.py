"""The inbox: the directory the API and the worker read source files from, with
``SPINE_FILE_STORE=inbox`` (the default keeps files in the bus's object store, see
:mod:`services.adapters.filestore`).

A ``file`` reference is a path relative to the inbox. Absolute paths, ``..`` and symlinks that
lead outside are refused, so a client of the API can never make the server read an arbitrary
path. Uploads are named the same way in either store (:func:`upload_ref`).
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import re
import stat
import tempfile
from pathlib import Path
from typing import BinaryIO

from services.adapters.line_source import READ_BLOCK, LineSource
from spine_core.errors import InvalidInput, PayloadTooLarge, SourceUnreadable

__all__ = [
    "resolve_in_inbox",
    "resolve_under",
    "ref_parts",
    "FileSource",
    "InboxSources",
    "UploadWriter",
    "copy_into_inbox",
    "safe_upload_name",
    "upload_ref",
    "too_large",
]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_DRIVE = re.compile(r"^[A-Za-z]:")


def ref_parts(ref: str) -> tuple[str, ...]:
    """The path segments of a file reference; InvalidInput for an absolute path, ``..`` or a NUL.

    Backslashes separate too; empty and ``.`` segments are dropped (as ``PurePosixPath`` does,
    at a fraction of its cost: the gateway splits a reference on every run it checks)."""
    if not ref or "\x00" in ref:
        raise InvalidInput("file reference is empty or contains a NUL byte")
    posix = ref.replace("\\", "/")
    if posix.startswith("/") or _DRIVE.match(ref):
        raise InvalidInput(
            f"file {ref!r} is an absolute path; the API only reads files inside its inbox",
            hint="upload the file (PUT /v1/inbox/{name}) or use `spine run --file`, then pass the inbox-relative name",
        )
    parts = tuple(part for part in posix.split("/") if part not in ("", "."))
    if ".." in parts:
        raise InvalidInput(f"file {ref!r} leaves the inbox ('..' is not allowed)")
    return parts


def resolve_in_inbox(inbox: Path, ref: str) -> Path:
    """The real path of ``ref`` inside ``inbox``; InvalidInput if it points anywhere else."""
    return Path(resolve_under(os.path.realpath(inbox), ref))


def resolve_under(root: str, ref: str) -> str:
    """:func:`resolve_in_inbox` for an inbox whose real path ``root`` is already known: the gateway
    resolves its inbox once instead of on every run it checks.

    When neither ``root`` nor any segment below it is a symlink (an ``lstat`` each), the joined
    path is already real and inside. Otherwise it is resolved, symlinks included, and must land
    under ``root``: a symlink leading out is refused, and so is everything once ``root`` itself
    has been swapped for a symlink (a stale ``root`` can refuse a file, never let one through).
    """
    parts = ref_parts(ref)
    paths = list(itertools.accumulate(parts, os.path.join, initial=root))
    if not any(os.path.islink(p) for p in paths):  # a missing segment is no link: FileSource says it is missing
        return paths[-1]
    candidate = os.path.realpath(os.path.join(root, *parts))
    if candidate != root and not candidate.startswith(os.path.join(root, "")):
        raise InvalidInput(f"file {ref!r} resolves outside the inbox (a symlink leading out is refused)")
    return candidate


class FileSource(LineSource):
    """A source file of the inbox opened for a run."""

    def __init__(self, path: Path, ref: str) -> None:
        super().__init__(ref)
        self.path = path
        self._sha256: str | None = None
        try:
            info = path.stat()
        except FileNotFoundError:
            raise SourceUnreadable(
                f"file {ref!r} is not in the inbox", hint="upload it first (spine run --file does this for you)"
            ) from None
        except OSError as exc:
            raise SourceUnreadable(f"file {ref!r} cannot be read: {exc.strerror}") from None
        if not stat.S_ISREG(info.st_mode):
            raise SourceUnreadable(f"{ref!r} is not a regular file")
        self._size = info.st_size

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def size(self) -> int:
        return self._size

    @property
    def sha256(self) -> str:
        if self._sha256 is None:
            digest = hashlib.sha256()
            with self._open() as handle:
                while block := handle.read(READ_BLOCK):
                    digest.update(block)
            self._sha256 = digest.hexdigest()
        return self._sha256

    def _open(self) -> BinaryIO:
        try:
            return self.path.open("rb")
        except OSError as exc:
            raise SourceUnreadable(f"file {self.ref!r} cannot be read: {exc.strerror}") from None


class InboxSources:
    """The worker's source opener: inbox-relative references only."""

    def __init__(self, inbox: Path) -> None:
        self.inbox = inbox

    async def start(self) -> None:
        """Nothing to connect: the inbox is a local directory."""

    async def stop(self) -> None:
        """Nothing to close."""

    def __call__(self, ref: str) -> FileSource:
        try:
            path = resolve_in_inbox(self.inbox, ref)
        except InvalidInput as exc:
            raise SourceUnreadable(exc.message, hint=exc.hint) from None
        return FileSource(path, ref)

    def list_dir(self, ref: str) -> list[str]:
        """The regular, non-hidden files of an inbox directory, by name (a backfill's sources)."""
        try:
            path = resolve_in_inbox(self.inbox, ref or ".") if ref not in ("", ".") else self.inbox.resolve()
        except InvalidInput as exc:
            raise SourceUnreadable(exc.message, hint=exc.hint) from None
        if not path.is_dir():
            raise SourceUnreadable(
                f"{ref!r} is not a directory of the inbox", hint="upload the files into an inbox folder first"
            )
        return sorted(p.name for p in path.iterdir() if p.is_file() and not p.name.startswith("."))


def safe_upload_name(name: str) -> str:
    base = os.path.basename(name.replace("\\", "/")).strip() or "upload"
    cleaned = _UNSAFE.sub("_", base).strip("._") or "upload"
    return cleaned[:120]


def upload_ref(name: str, sha256: str, folder: str | None) -> str:
    """The reference of an upload: ``<folder>/<name>`` in a folder (a backfill matches weeks to
    file names), else ``uploads/<sha256 prefix>-<name>``, so the same bytes get the same reference."""
    if folder:
        return f"{safe_upload_name(folder)}/{safe_upload_name(name)}"
    return f"uploads/{sha256[:16]}-{safe_upload_name(name)}"


def too_large(limit: int, size: int | None = None) -> PayloadTooLarge:
    """The refusal of an upload over ``SPINE_MAX_UPLOAD_BYTES``."""
    what = f"upload of {size} bytes" if size is not None else "upload"
    return PayloadTooLarge(
        f"{what} exceeds the {limit}-byte limit",
        hint="split the file, or raise SPINE_MAX_UPLOAD_BYTES where the gateway runs",
        details={"limit_bytes": limit},
    )


class UploadWriter:
    """Receives an upload chunk by chunk into ``inbox/uploads/<sha256-prefix>-<name>``.

    The name is content-addressed, so the same bytes uploaded twice give the same reference;
    the file appears under its final name only when complete (atomic rename).
    """

    def __init__(self, inbox: Path, name: str, *, max_bytes: int, folder: str | None = None) -> None:
        self.inbox = inbox
        self.name = safe_upload_name(name)
        self.max_bytes = max_bytes
        self.folder = safe_upload_name(folder) if folder else None
        self.size = 0
        self._digest = hashlib.sha256()
        uploads = inbox / "uploads"
        uploads.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=uploads, prefix=".incoming-")
        self._tmp = Path(tmp)
        self._out = os.fdopen(fd, "wb")

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.max_bytes:
            self.abort()
            raise too_large(self.max_bytes)
        self._digest.update(chunk)
        self._out.write(chunk)

    def commit(self) -> tuple[str, str, int]:
        self._out.close()
        sha = self._digest.hexdigest()
        ref = upload_ref(self.name, sha, self.folder)
        (self.inbox / ref).parent.mkdir(parents=True, exist_ok=True)
        os.replace(self._tmp, self.inbox / ref)
        return ref, sha, self.size

    def abort(self) -> None:
        with contextlib.suppress(OSError):
            self._out.close()
        with contextlib.suppress(OSError):
            self._tmp.unlink()


def copy_into_inbox(inbox: Path, source: Path) -> tuple[str, str, int]:
    """Copy a local file into the inbox (content-addressed); returns (ref, sha256, bytes)."""
    writer = UploadWriter(inbox, source.name, max_bytes=1 << 62)
    try:
        with source.open("rb") as handle:
            while block := handle.read(READ_BLOCK):
                writer.write(block)
    except BaseException:
        writer.abort()
        raise
    return writer.commit()
