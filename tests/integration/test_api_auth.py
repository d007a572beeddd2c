"""Every operation of the live gateway's OpenAPI document is guarded as the policy says: without
a token 401, with a token below the scope it needs 403, with that scope neither. The list of
public operations and the scope of every operation that changes something are written out here,
so a new route cannot slip through: it is either guarded or someone adds it to a list below."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.adapters.auth import Scope, add_token
from services.bootstrap import build_gateway, prepare_infrastructure
from services.settings import Settings
from tests.conftest import api_headers

pytestmark = [pytest.mark.integration]

#: Answer without a token (besides /docs, /openapi.json and the dashboard's assets, not in the document).
PUBLIC = {
    ("GET", "/health"),
    ("GET", "/health/ready"),
    ("GET", "/ops"),
    ("GET", "/asyncapi.json"),
    ("GET", "/asyncapi"),
}
#: Every operation that is not a read, with the scope it needs; reads need `read`.
WRITES = {
    ("POST", "/v1/pipelines/{name}/run"): Scope.RUN,
    ("PUT", "/v1/inbox/{name}"): Scope.RUN,
    ("POST", "/v1/ops/replays"): Scope.OPERATE,
    ("POST", "/v1/ops/dead-letters/retry"): Scope.OPERATE,
}
#: Streams never end: their allowed call is checked by the browser tests, not here.
STREAMS = {("GET", "/v1/ops/stream")}
#: Plausible values for path parameters, by name.
PATH_VALUES = {
    "name": "finra.otc_transparency.ingest_week",
    "execution_id": str(uuid.uuid4()),
    "batch_id": str(uuid.uuid4()),
    "capture_id": str(uuid.uuid4()),
    "position": "1",
}
WRITE_METHODS = {"post", "put", "patch", "delete"}


def _operations(document: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted(
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in {"get", "head", *WRITE_METHODS}
    )


def _url(path: str) -> str:
    for name, value in PATH_VALUES.items():
        path = path.replace("{" + name + "}", value)
    assert "{" not in path, f"give {path}'s path parameter a plausible value in PATH_VALUES"
    return path


def _needs(method: str, path: str) -> Scope:
    return WRITES.get((method, path), Scope.READ)


def _below(scope: Scope) -> list[Scope]:
    return [s for s in Scope if s < scope]


@pytest.fixture
async def gateway(settings: Settings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    await prepare_infrastructure(settings)
    settings.inbox.mkdir(parents=True, exist_ok=True)
    app = build_gateway(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as http,
    ):
        yield app, http


async def test_every_operation_is_guarded_by_its_scope(
    gateway: tuple[FastAPI, httpx.AsyncClient], settings: Settings
) -> None:
    _, http = gateway
    response = await http.get("/openapi.json")  # public
    assert response.status_code == 200
    document = response.json()
    operations = _operations(document)
    writes = {op for op in operations if op[0].lower() in WRITE_METHODS}
    assert writes == set(WRITES), "a write operation was added or removed: give it its scope in WRITES"
    headers = {scope: api_headers(settings, scope, name=f"only-{scope.label}") for scope in Scope}
    wrong = {"Authorization": "Bearer spine_not-a-token"}

    checked = 0
    for method, path in operations:
        url = _url(path)
        if (method, path) in PUBLIC:
            assert (await http.request(method, url)).status_code not in (401, 403), f"{method} {path} is public"
            continue
        security = document["paths"][path][method.lower()].get("security")
        assert security == [{"bearer": []}], f"{method} {path} does not declare the bearer scheme"
        for sent in (None, wrong):
            answer = await http.request(method, url, headers=sent)
            assert answer.status_code == 401, f"{method} {path} with {sent}: {answer.status_code} {answer.text}"
            assert answer.headers["www-authenticate"].startswith('Bearer realm="spine"')
            assert answer.json()["code"] == "unauthenticated"
        needed = _needs(method, path)
        for lower in _below(needed):
            answer = await http.request(method, url, headers=headers[lower])
            assert answer.status_code == 403, f"{method} {path} with {lower.label}: {answer.status_code}"
            assert answer.json()["details"]["required_scope"] == needed.label
        if (method, path) not in STREAMS:
            answer = await http.request(method, url, headers=headers[needed])
            assert answer.status_code not in (401, 403), f"{method} {path} refused {needed.label}: {answer.text}"
        checked += 1
    assert checked >= 30  # the document really was enumerated


async def test_the_docs_and_the_dashboard_are_public(gateway: tuple[FastAPI, httpx.AsyncClient]) -> None:
    _, http = gateway
    for path in (
        "/docs",
        "/openapi.json",
        "/ops",
        "/ops/assets/ops.js",
        "/ops/assets/auth.js",
        "/health",
        "/asyncapi.json",
        "/asyncapi",
    ):
        assert (await http.get(path)).status_code == 200, path
    assert (await http.get("/metrics")).status_code == 401  # SPINE_METRICS_PUBLIC is off by default


async def test_a_token_in_the_query_string_counts_on_stream_routes_only(
    gateway: tuple[FastAPI, httpx.AsyncClient], settings: Settings
) -> None:
    _, http = gateway
    token = api_headers(settings, Scope.OPERATE)["Authorization"].removeprefix("Bearer ")
    answer = await http.get("/v1/ops/projections", params={"access_token": token})
    assert answer.status_code == 401


async def test_a_token_created_while_the_gateway_runs_is_accepted_without_a_restart(
    gateway: tuple[FastAPI, httpx.AsyncClient], settings: Settings
) -> None:
    _, http = gateway
    assert (await http.get("/v1/calcs")).status_code == 401
    token, _ = add_token(settings.tokens_file, "late", frozenset({Scope.READ}))
    assert (await http.get("/v1/calcs", headers={"Authorization": f"Bearer {token}"})).status_code == 200


async def _app_with(settings: Settings, **overrides: Any) -> tuple[FastAPI, Settings]:
    changed = settings.model_copy(update=overrides)
    await prepare_infrastructure(changed)
    return build_gateway(changed), changed


async def test_public_reads_and_public_metrics_open_what_they_say_and_nothing_else(settings: Settings) -> None:
    app, _ = await _app_with(settings, public_reads=True, metrics_public=True)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as http,
    ):
        assert (await http.get("/v1/calcs")).status_code == 200
        assert (await http.get("/v1/data/weeks")).status_code == 200
        assert (await http.get("/metrics")).status_code == 200
        assert (await http.get("/v1/ops/dead-letters")).status_code == 401  # ops reads still need a token
        assert (await http.get("/v1/events")).status_code == 401
        assert (await http.post("/v1/pipelines/finra.otc_transparency.ingest_week/run", json={})).status_code == 401
        assert (await http.put("/v1/inbox/x.csv", content=b"x")).status_code == 401


async def test_without_tokens_every_guarded_call_is_refused_and_the_log_says_how_to_make_one(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="spine.gateway.auth"):
        app, changed = await _app_with(settings)
    assert not changed.tokens_file.exists()
    assert "spine token create" in caplog.text and "no API tokens configured" in caplog.text
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as http:
        assert (await http.get("/v1/calcs", headers={"Authorization": "Bearer spine_anything"})).status_code == 401
        assert (await http.get("/health")).status_code == 200


async def test_disabling_auth_takes_an_explicit_setting_and_says_so_loudly(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="spine.gateway.auth"):
        app, _ = await _app_with(settings, auth_disabled=True)
    (record,) = [r for r in caplog.records if "AUTHENTICATION IS DISABLED" in r.getMessage()]
    assert record.levelno == logging.WARNING
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as http,
    ):
        assert (await http.get("/v1/ops/dead-letters")).status_code == 200
