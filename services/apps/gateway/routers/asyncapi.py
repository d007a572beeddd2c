"""The bus contract, published: ``GET /asyncapi.json`` (the AsyncAPI 3.0 document of Spine's NATS
subjects) and ``GET /asyncapi`` (the same as a readable page). Both are public, like
``/openapi.json``: they describe the bus, they hold no data and no secret."""

from __future__ import annotations

from functools import cache

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from services.adapters.bus.asyncapi import asyncapi_document, asyncapi_json
from services.apps.gateway.asyncapi_page import render_asyncapi_page
from services.apps.gateway.models import problem_responses

__all__ = ["router"]

router = APIRouter(tags=["docs"])

_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
_DOCUMENT_SCHEMA = {
    "type": "object",
    "required": ["asyncapi", "info", "channels", "operations", "components"],
    "properties": {"asyncapi": {"type": "string", "example": "3.0.0"}},
}


@cache
def _document() -> bytes:
    return asyncapi_json().encode("utf-8")


@cache
def _page() -> str:
    return render_asyncapi_page(asyncapi_document())


@router.get(
    "/asyncapi.json",
    operation_id="getAsyncApi",
    summary="The bus contract: AsyncAPI 3.0 document of commands, events, progress and dead letters",
    response_class=Response,
    responses={
        200: {
            "description": "The AsyncAPI document (also written by `spine docs asyncapi`)",
            "content": {"application/json": {"schema": _DOCUMENT_SCHEMA}},
        },
        **problem_responses(auth=False),
    },
)
async def asyncapi_document_route() -> Response:
    return Response(_document(), media_type="application/json", headers={"Cache-Control": "no-cache"})


@router.get(
    "/asyncapi",
    operation_id="getAsyncApiPage",
    summary="The bus contract as a readable page (HTML)",
    response_class=HTMLResponse,
    responses=problem_responses(auth=False),
)
async def asyncapi_page() -> HTMLResponse:
    headers = {"Cache-Control": "no-cache", "Content-Security-Policy": _CSP, "X-Content-Type-Options": "nosniff"}
    return HTMLResponse(_page(), headers=headers)
