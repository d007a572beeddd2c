"""Translate the exception tree into HTTP, once, at the edge: RFC 9457 problem details.

Every error a route can produce — Spine's own (:class:`SpineError`), FastAPI's request
validation, Starlette's 404/405, a missing read model, an unreachable server, a bug — answers
with the same ``application/problem+json`` body (:class:`~services.apps.gateway.models.Problem`),
never a stack trace.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote_to_bytes

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from services.apps.gateway.models.problem import PROBLEM_MEDIA_TYPE, Problem, ProblemField, problem_type
from spine_core.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    NotYetApplied,
    PayloadTooLarge,
    SpineError,
    Unauthenticated,
    Unavailable,
)

__all__ = ["install_error_handlers", "status_for", "problem_response", "RejectNulBytes"]

log = logging.getLogger("spine.gateway")

#: Codes of HTTPExceptions (an unknown path, a method the path does not take, missing credentials).
_HTTP_CODES = {
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
}


def status_for(exc: SpineError) -> int:
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, PayloadTooLarge):
        return 413
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
    """A 401 names the scheme to use (RFC 6750), a 403 the scope that was missing, a read model
    that has not caught up when to ask again (RFC 9110 ``Retry-After``)."""
    if isinstance(exc, NotYetApplied):
        return {"Retry-After": str(exc.retry_after_s)}
    if isinstance(exc, Unauthenticated):
        return {"WWW-Authenticate": 'Bearer realm="spine"'}
    if isinstance(exc, Forbidden):
        return {
            "WWW-Authenticate": f'Bearer realm="spine", error="insufficient_scope", scope="{exc.details.get("required_scope", "")}"'
        }
    return None


def problem_response(
    request_path: str,
    status: int,
    code: str,
    detail: str,
    *,
    hint: str | None = None,
    headers: Mapping[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    problem = Problem(
        type=problem_type(code),
        title=code.replace("_", " ").capitalize(),
        status=status,
        detail=detail,
        instance=request_path,
        code=code,
        hint=hint,
        **extensions,
    )
    body = problem.model_dump(mode="json", exclude_none=True)
    body.setdefault("hint", None)  # always there, so a client reads one shape
    return JSONResponse(
        body,
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def _from_spine(request: Request, exc: SpineError, status: int | None = None) -> JSONResponse:
    return problem_response(
        request.url.path,
        status or status_for(exc),
        exc.code,
        exc.message,
        hint=exc.hint,
        headers=headers_for(exc),
        details=exc.details or None,
    )


def _where(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(p) for p in loc)


def install_error_handlers(app: FastAPI) -> None:
    """Problem details for every error, NUL bytes refused before any route, and the OpenAPI
    document saying so (``application/problem+json``)."""

    @app.exception_handler(SpineError)
    async def spine_error(request: Request, exc: SpineError) -> JSONResponse:
        return _from_spine(request, exc)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            ProblemField(where=_where(err.get("loc", ())), problem=str(err.get("msg", ""))) for err in exc.errors()
        ]
        detail = "; ".join(f"{e.where}: {e.problem}" for e in errors) or "the request does not validate"
        return problem_response(request.url.path, 422, "invalid_request", detail, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        return problem_response(request.url.path, exc.status_code, code, str(exc.detail), headers=exc.headers)

    @app.exception_handler(asyncpg.UndefinedTableError)
    async def not_migrated(request: Request, exc: asyncpg.UndefinedTableError) -> JSONResponse:
        log.error("read model table missing: %s", exc)
        error = Unavailable("read models are not set up yet", hint="run `spine service migrate` (spine dev does it)")
        return _from_spine(request, error)

    @app.exception_handler(OSError)
    async def os_error(request: Request, exc: OSError) -> JSONResponse:
        log.error("infrastructure unavailable: %r", exc)
        error = Unavailable(
            f"a server Spine depends on is unreachable: {exc}", hint="check that PostgreSQL and NATS are up"
        )
        return _from_spine(request, error)

    @app.exception_handler(OverflowError)
    async def out_of_range(request: Request, exc: OverflowError) -> JSONResponse:
        # Date arithmetic on a parameter at the calendar's edge (year 1, year 9999): bad input, not a fault.
        log.info("value out of range on %s: %s", request.url.path, exc)
        error = InvalidInput(
            f"a value of the request is out of range: {exc}", hint="use dates between 1900 and 9998, e.g. 2025-11-14"
        )
        return _from_spine(request, error)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
        return problem_response(
            request.url.path, 500, "internal_error", "an unexpected error occurred; it has been logged"
        )

    app.add_middleware(RejectNulBytes)
    _document_problems(app)


class RejectNulBytes:
    """Refuse a request whose path or query string carries a NUL byte, before any route.

    PostgreSQL cannot store NUL in text, and filesystem paths cannot hold it: letting one through
    turns a bad request into a server error deep in a query or a file lookup. JSON bodies are
    checked by their models (:func:`services.apps.gateway.models.inputs.refuse_nul`).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            raw_path: bytes = scope.get("raw_path") or scope.get("path", "").encode()
            in_path = b"\x00" in unquote_to_bytes(raw_path)
            in_query = b"\x00" in unquote_to_bytes(scope.get("query_string", b""))
            if in_path or in_query:
                where = "query" if in_query else "path"
                response = problem_response(
                    raw_path.decode("latin-1"),  # as sent (percent-encoded): never echo the NUL itself
                    422,
                    "invalid_request",
                    f"{where}: NUL characters are not allowed",
                    errors=[ProblemField(where=where, problem="NUL characters are not allowed")],
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _document_problems(app: FastAPI) -> None:
    """Error responses are declared with ``model=Problem`` (so the schema is registered) and an
    ``application/problem+json`` example; FastAPI files the model under the route's own media
    type (JSON, an event stream, text), so point ``application/problem+json``, the only type an
    error is sent as, at it instead."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                for status, response in (operation.get("responses") or {}).items():
                    content = response.get("content") or {}
                    if status[:1] in ("4", "5") and PROBLEM_MEDIA_TYPE in content:
                        content[PROBLEM_MEDIA_TYPE]["schema"] = {"$ref": "#/components/schemas/Problem"}
                        for media_type in [m for m in content if m != PROBLEM_MEDIA_TYPE]:
                            del content[media_type]
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
