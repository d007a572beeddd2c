"""The gateway's guard reads ``Authorization`` as FastAPI's ``HTTPBearer`` does, being the bearer
security scheme itself (one dependency per request instead of a guard depending on ``HTTPBearer``)."""

from __future__ import annotations

import pytest
from fastapi.security import HTTPBearer
from fastapi.security.base import SecurityBase
from starlette.requests import Request

from services.apps.gateway.auth import Plane, _bearer_token, require

HEADERS = [
    None,
    "",
    "Bearer spine_abc",
    "bearer spine_abc",
    "BEARER   spine_abc  ",
    "Bearer",
    "Bearer ",
    "Basic dXNlcjpwdw==",
    "Token spine_abc",
    " Bearer spine_abc",
    "Bearer spine abc",
]


def _request(authorization: str | None) -> Request:
    headers = [] if authorization is None else [(b"authorization", authorization.encode("latin-1"))]
    return Request({"type": "http", "method": "GET", "path": "/", "headers": headers, "query_string": b""})


@pytest.mark.parametrize("authorization", HEADERS)
async def test_the_guard_reads_the_header_as_http_bearer_does(authorization: str | None) -> None:
    expected = await HTTPBearer(auto_error=False)(_request(authorization))
    assert _bearer_token(authorization) == (expected.credentials if expected else None)


def test_the_guard_is_the_bearer_scheme_openapi_documents() -> None:
    guard = require(Plane.DATA)
    assert isinstance(guard, SecurityBase)
    assert guard.scheme_name == "bearer"
    assert guard.model.model_dump(by_alias=True, exclude_none=True)["scheme"] == "bearer"
