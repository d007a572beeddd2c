"""Uploads into the inbox, so a remote client can hand over a file for a run."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from services.adapters.inbox import UploadWriter
from services.apps.gateway.deps import SettingsDep

router = APIRouter(prefix="/v1/inbox", tags=["inbox"])


@router.put("/{name}", status_code=201, summary="Upload a source file (raw body); returns its inbox reference")
async def upload(
    name: str,
    request: Request,
    settings: SettingsDep,
    folder: Annotated[
        str | None, Query(description="keep the file's name inside this inbox folder (for a backfill)")
    ] = None,
) -> dict[str, Any]:
    writer = UploadWriter(settings.inbox, name, max_bytes=settings.max_upload_bytes, folder=folder)
    try:
        async for chunk in request.stream():
            if chunk:
                writer.write(chunk)
    except BaseException:
        writer.abort()
        raise
    ref, sha256, size = writer.commit()
    return {"data": {"file": ref, "sha256": sha256, "bytes": size}}
