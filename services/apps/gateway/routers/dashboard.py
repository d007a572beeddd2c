"""The live projection-lag dashboard: ``GET /ops`` and its same-origin static assets.

The page reads ``/v1/ops/projections``, ``/v1/ops/stream`` and ``/v1/ops/dead-letters``; this
router serves files only.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.apps.gateway.dashboard import load_asset, render_page
from services.apps.gateway.models import problem_responses

__all__ = ["router"]

router = APIRouter(tags=["ops"])

# Everything the page needs comes from this origin; the policy makes a stray external URL fail
# loudly in the browser instead of stalling on a closed network.
_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


@router.get(
    "/ops",
    response_class=HTMLResponse,
    operation_id="getDashboard",
    summary="Live dashboard of projection lag (HTML page)",
    responses=problem_responses(auth=False),
)
async def ops_page(request: Request) -> HTMLResponse:
    root_path = str(request.scope.get("root_path") or "")
    return HTMLResponse(
        render_page(root_path),
        headers={"Cache-Control": "no-cache", "Content-Security-Policy": _CSP, "X-Content-Type-Options": "nosniff"},
    )


@router.get("/ops/assets/{name}", include_in_schema=False)
async def ops_asset(name: str, request: Request) -> Response:
    asset = load_asset(name)  # NotFound -> 404 through the gateway's error handlers
    # Kept by the browser, revalidated on every load: a new version shows at once, an old one costs a 304.
    headers = {"ETag": asset.etag, "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
    if request.headers.get("if-none-match") == asset.etag:
        return Response(status_code=304, headers=headers)
    return Response(asset.body, media_type=asset.media_type, headers=headers)
