"""Uploads, so a remote client can hand over a file for a run: into the file store on the bus
(or the inbox directory with ``SPINE_FILE_STORE=inbox``); the path keeps its historical name."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from services.apps.gateway.deps import StateDep
from services.apps.gateway.files import refuse_declared_size, store_upload
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
    summary="Upload a source file (raw body); returns its reference",
    description="Streams the body into the file store, content-addressed by SHA-256 (the same bytes are "
    "stored once). Pass `data.file` as `file` to a run. A body over SPINE_MAX_UPLOAD_BYTES is a 413.",
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
        **problem_responses(400, 413, 503),
    },
)
async def upload(
    name: str,
    request: Request,
    state: StateDep,
    folder: Annotated[str | None, Query(description="keep the file's name inside this folder (for a backfill)")] = None,
) -> UploadItem:
    refuse_declared_size(request.headers.get("content-length"), state.settings.max_upload_bytes)
    stored = await store_upload(state, name, request.stream(), folder)
    return UploadItem.model_validate({"data": {"file": stored.ref, "sha256": stored.sha256, "bytes": stored.size}})
