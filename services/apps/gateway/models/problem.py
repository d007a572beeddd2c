"""RFC 9457 problem details: the one error body of every route."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["PROBLEM_MEDIA_TYPE", "PROBLEM_BASE", "Problem", "ProblemField", "problem_type", "problem_responses"]

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "https://spine.dev/problems/"


def problem_type(code: str) -> str:
    """The problem type URI of a Spine error code: ``unknown_tier`` -> ``.../problems/unknown-tier``."""
    return PROBLEM_BASE + code.replace("_", "-")


class ProblemField(BaseModel):
    """One part of a request that does not validate."""

    where: str = Field(description="location, e.g. `query.limit` or `body.params`")
    problem: str


class Problem(BaseModel):
    """An error (RFC 9457), with Spine's stable ``code`` and a ``hint`` saying what to do."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="a URI naming the kind of problem", examples=[problem_type("not_found")])
    title: str = Field(description="the same for every problem of this type")
    status: int = Field(ge=400, le=599)
    detail: str = Field(description="what went wrong with this request")
    instance: str = Field(description="the request path")
    code: str = Field(description="Spine's machine-readable error code", examples=["unknown_tier"])
    hint: str | None = Field(default=None, description="what to do about it")
    errors: list[ProblemField] | None = Field(default=None, description="request validation failures")
    details: dict[str, Any] | None = Field(default=None, description="more about the error, by code")


# Each status a route can answer with, the code it usually carries, and an example detail.
_EXAMPLES: dict[int, tuple[str, str, str | None]] = {
    400: ("invalid_parameter", "week_ending 2025-11-15 is not a Friday", "the Friday of that week is 2025-11-14"),
    401: ("unauthorized", "a bearer token is required", "pass `Authorization: Bearer <token>`"),
    403: ("forbidden", "this token may not do that", None),
    404: ("not_found", "no execution 1b4e28ba-2fa1-11d2-883f-0016d3cca427", None),
    409: ("conflict", "the partition is being written by another execution", "retry later"),
    413: (
        "payload_too_large",
        "upload of 3221225472 bytes exceeds the 2147483648-byte limit",
        "split the file, or raise SPINE_MAX_UPLOAD_BYTES where the gateway runs",
    ),
    422: ("invalid_request", "query.limit: Input should be less than or equal to 500", None),
    500: ("internal_error", "an unexpected error occurred; it has been logged", None),
    503: ("unavailable", "a server Spine depends on is unreachable", "check that PostgreSQL and NATS are up"),
}

_DESCRIPTIONS: dict[int, str] = {
    400: "Spine refused the input (a bad parameter, week, tier, calc version or file)",
    401: "No valid credentials",
    403: "The credentials do not allow this",
    404: "Nothing found",
    409: "Conflicts with the current state",
    413: "Body too large",
    422: "The request does not validate against this operation's schema",
    500: "Unexpected error (logged on the server)",
    503: "PostgreSQL, NATS or the read models are not available",
}


def problem_example(
    status: int, instance: str = "/v1/executions/1b4e28ba-2fa1-11d2-883f-0016d3cca427"
) -> dict[str, Any]:
    code, detail, hint = _EXAMPLES[status]
    body: dict[str, Any] = {
        "type": problem_type(code),
        "title": code.replace("_", " ").capitalize(),
        "status": status,
        "detail": detail,
        "instance": instance,
        "code": code,
    }
    if hint:
        body["hint"] = hint
    return body


def problem_responses(*statuses: int, auth: bool = True) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: each status as ``application/problem+json`` with an example.

    ``auth`` adds 401 and 403 (every route but health, docs and the dashboard's files is behind
    the API's authentication); 422 and 500 come with every route: any request may carry a
    malformed query string, and an unexpected error is still answered with a problem.
    """
    codes = sorted({*statuses, 422, 500, *((401, 403) if auth else ())})
    return {
        status: {
            "model": Problem,
            "description": _DESCRIPTIONS.get(status, HTTPStatus(status).phrase),
            "content": {PROBLEM_MEDIA_TYPE: {"example": problem_example(status)}},
        }
        for status in codes
    }
