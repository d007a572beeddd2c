"""The backup file: one tar archive holding ``manifest.json`` and the event store's ``pg_dump``.

The manifest says what the dump holds (schema, rows and highest position of each table, the event
class versions of the Spine that made it) and the dump's size and SHA-256, so a restore can refuse
a file that is not a backup, is damaged, or was made by a newer Spine — before it touches a
database. The archive is a plain tar: ``tar xf`` and ``pg_restore`` work on it by hand too.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from spine_core.errors import InvalidInput, NotFound

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "MANIFEST",
    "DUMP",
    "BackupManifest",
    "TableCount",
    "write_archive",
    "open_archive",
]

FORMAT = "spine-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DUMP = "eventstore.pgdump"
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class TableCount:
    table: str
    rows: int
    max_notification_id: int


@dataclass(frozen=True, slots=True)
class BackupManifest:
    created_at: str
    database: str
    schema: str
    tables: list[TableCount]
    event_versions: dict[str, int]
    server_version: str
    pg_dump: str
    eventsourcing: str
    dump_bytes: int = 0
    dump_sha256: str = ""
    format: str = FORMAT
    format_version: int = FORMAT_VERSION
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def events(self) -> int:
        return sum(t.rows for t in self.tables)

    @property
    def head(self) -> int:
        return max((t.max_notification_id for t in self.tables), default=0)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BackupManifest:
        values = dict(data)
        values["tables"] = [TableCount(**t) for t in values.get("tables", [])]
        return cls(**values)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def write_archive(out: Path, manifest: BackupManifest, dump: Path) -> BackupManifest:
    """Write ``out`` (never over an existing file) from the manifest and the dump; returns the
    manifest completed with the dump's size and checksum."""
    manifest = BackupManifest.from_json(
        {**manifest.to_json(), "dump_bytes": dump.stat().st_size, "dump_sha256": _sha256(dump)}
    )
    body = json.dumps(manifest.to_json(), indent=2).encode() + b"\n"
    partial = out.with_name(out.name + ".partial")
    try:
        with tarfile.open(partial, "x") as archive:
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(body)
            info.mode = 0o600
            archive.addfile(info, io.BytesIO(body))
            archive.add(dump, arcname=DUMP)
        if out.exists():
            raise InvalidInput(f"{out} exists", hint="choose a new file name: a backup is never overwritten")
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)
    return manifest


def _corrupt(path: Path, what: str) -> InvalidInput:
    return InvalidInput(
        f"{path} is not a usable Spine backup: {what}",
        hint="use another copy of the backup; this file was damaged or is not a `spine backup` file",
    )


def open_archive(path: Path, extract_to: Path) -> tuple[BackupManifest, Path]:
    """Check the backup file and extract its dump into ``extract_to``: its manifest and the dump's path.

    Raises :class:`NotFound` for a missing file and :class:`InvalidInput` for anything that is not a
    complete, intact backup (the dump's SHA-256 is compared with the manifest's).
    """
    if not path.is_file():
        raise NotFound(f"backup file {path} not found", hint="pass the file `spine backup --out` wrote")
    try:
        with tarfile.open(path, "r:") as archive:
            member = archive.extractfile(MANIFEST)
            if member is None:
                raise _corrupt(path, f"{MANIFEST} is not a file")
            raw = json.loads(member.read())
            if raw.get("format") != FORMAT or int(raw.get("format_version", 0)) > FORMAT_VERSION:
                what = f"{raw.get('format')} v{raw.get('format_version')}"
                raise _corrupt(path, f"its format ({what}) is not {FORMAT} v{FORMAT_VERSION} or older")
            manifest = BackupManifest.from_json(raw)
            source = archive.extractfile(DUMP)
            if source is None:
                raise _corrupt(path, f"{DUMP} is not a file")
            dump = extract_to / DUMP
            digest = hashlib.sha256()
            with dump.open("wb") as target:
                while block := source.read(_CHUNK):
                    digest.update(block)
                    target.write(block)
    except KeyError as exc:
        raise _corrupt(path, f"a member is missing ({exc.args[0] if exc.args else exc})") from None
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise _corrupt(path, f"it cannot be read as a backup archive ({exc})") from None
    except (ValueError, TypeError, AttributeError) as exc:
        raise _corrupt(path, f"its manifest cannot be read ({exc})") from None
    size = dump.stat().st_size
    if size != manifest.dump_bytes or digest.hexdigest() != manifest.dump_sha256:
        raise _corrupt(
            path,
            f"checksum mismatch: the event store dump is {size:,} bytes with SHA-256 {digest.hexdigest()}, "
            f"the manifest says {manifest.dump_bytes:,} bytes with SHA-256 {manifest.dump_sha256}",
        )
    return manifest, dump
