"""Where the gateway keeps and finds source files: the file store on the bus
(``SPINE_FILE_STORE=objects``) or the inbox directory (``inbox``)."""

from __future__ import annotations

from collections.abc import AsyncIterable
from pathlib import Path

from services.adapters.filestore import StoredFile
from services.adapters.inbox import FileSource, UploadWriter, resolve_under, too_large
from services.apps.gateway.state import GatewayState

__all__ = ["store_upload", "check_file", "refuse_declared_size"]


def refuse_declared_size(content_length: str | None, limit: int) -> None:
    """A body that says it is over the limit is refused before a byte of it is read."""
    if content_length and content_length.isdigit() and int(content_length) > limit:
        raise too_large(limit, int(content_length))


async def store_upload(state: GatewayState, name: str, body: AsyncIterable[bytes], folder: str | None) -> StoredFile:
    """Stream an upload into the configured store; its reference, SHA-256 and size."""
    settings = state.settings
    if settings.file_store == "objects":
        store = await state.file_store()
        upload = await store.upload(name, body, max_bytes=settings.max_upload_bytes, folder=folder)
        return upload.file
    writer = UploadWriter(settings.inbox, name, max_bytes=settings.max_upload_bytes, folder=folder)
    try:
        async for chunk in body:
            if chunk:
                writer.write(chunk)
    except BaseException:
        writer.abort()
        raise
    ref, sha256, size = writer.commit()
    return StoredFile(ref, sha256, size)


async def check_file(state: GatewayState, ref: str) -> None:
    """Refuse a run whose file is not there now (400), not minutes later in the worker."""
    if state.settings.file_store == "objects":
        await (await state.file_store()).find(ref)
    else:
        FileSource(Path(resolve_under(state.inbox_root(), ref)), ref)  # exists, readable, inside the inbox
