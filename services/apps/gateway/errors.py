"""Translate the exception tree into HTTP, once, at the edge."""

from __future__ import annotations

import logging

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from spine_core.errors import Conflict, Forbidden, InvalidInput, NotFound, SpineError, Unauthenticated, Unavailable

__all__ = ["install_error_handlers", "status_for"]

log = logging.getLogger("spine.gateway")


def status_for(exc: SpineError) -> int:
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, InvalidInput):
        return 400
    if isinstance(exc, Conflict):
        return 409
    if isinstance(exc, Unavailable):
        return 503
    if isinstance(exc, Unauthenticated):
        return 401
    if isinstance(exc, Forbidden):
        return 403
    return 500


def headers_for(exc: SpineError) -> dict[str, str] | None:
    """A 401 names the scheme to use (RFC 6750), a 403 the scope that was missing."""
    if isinstance(exc, Unauthenticated):
        return {"WWW-Authenticate": 'Bearer realm="spine"'}
    if isinstance(exc, Forbidden):
        return {
            "WWW-Authenticate": f'Bearer realm="spine", error="insufficient_scope", scope="{exc.details.get("required_scope", "")}"'
        }
    return None


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(SpineError)
    async def spine_error(_: Request, exc: SpineError) -> JSONResponse:
        return JSONResponse(status_code=status_for(exc), content={"error": exc.to_dict()}, headers=headers_for(exc))

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"where": ".".join(str(p) for p in err.get("loc", ())), "problem": err.get("msg", "")}
            for err in exc.errors()
        ]
        message = "; ".join(f"{p['where']}: {p['problem']}" for p in problems)
        return JSONResponse(
            status_code=400,
            content={"error": {"code": "invalid_request", "message": message, "details": {"problems": problems}}},
        )

    @app.exception_handler(asyncpg.UndefinedTableError)
    async def not_migrated(_: Request, exc: asyncpg.UndefinedTableError) -> JSONResponse:
        log.error("read model table missing: %s", exc)
        error = Unavailable("read models are not set up yet", hint="run `spine service migrate` (spine dev does it)")
        return JSONResponse(status_code=503, content={"error": error.to_dict()})

    @app.exception_handler(OSError)
    async def os_error(_: Request, exc: OSError) -> JSONResponse:
        log.error("infrastructure unavailable: %r", exc)
        error = Unavailable(
            f"a server Spine depends on is unreachable: {exc}", hint="check that PostgreSQL and NATS are up"
        )
        return JSONResponse(status_code=503, content={"error": error.to_dict()})
