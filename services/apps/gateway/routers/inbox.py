"""Uploads into the inbox, so a remote client can hand over a file for a run."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from services.adapters.inbox import UploadWriter
from services.apps.gateway.deps import SettingsDep
from services.apps.gateway.models import problem_responses
from services.apps.gateway.models.pipelines import UploadItem

router = APIRouter(prefix="/v1/inbox", tags=["inbox"])

_RAW_BODY = {
    "requestBody": {
        "required": True,
        "description": "the file's bytes, as they are (any layout `spine run` reads)",
        "content": {
            "application/octet-stream": {
                "schema": {"type": "string", "format": "binary"},
                "example": "tierDescription|issueSymbolIdentifier|issueName|marketParticipantName|MPID|...\n",
            }
        },
    }
}


@router.put(
    "/{name}",
    status_code=201,
    operation_id="uploadFile",
    summary="Upload a source file (raw body); returns its inbox reference",
    openapi_extra=_RAW_BODY,
    response_model_exclude_unset=True,
    responses={
        201: {
            "content": {
                "application/json": {
                    "example": {
                        "data": {
                            "file": "uploads/24376b5d07105225-finra_2025-11-14.psv",
                            "sha256": "24376b5d0710522522c8e07aa4b81fc0b33c0972bed64d2ff1a6c3f04464177b",
                            "bytes": 31207,
                        }
                    }
                }
            }
        },
        **problem_responses(400, 503),
    },
)
async def upload(
    name: str,
    request: Request,
    settings: SettingsDep,
    folder: Annotated[
        str | None, Query(description="keep the file's name inside this inbox folder (for a backfill)")
    ] = None,
) -> UploadItem:
    writer = UploadWriter(settings.inbox, name, max_bytes=settings.max_upload_bytes, folder=folder)
    try:
        async for chunk in request.stream():
            if chunk:
                writer.write(chunk)
    except BaseException:
        writer.abort()
        raise
    ref, sha256, size = writer.commit()
    return UploadItem.model_validate({"data": {"file": ref, "sha256": sha256, "bytes": size}})
