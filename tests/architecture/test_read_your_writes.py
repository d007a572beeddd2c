"""Read your writes is part of every read model's contract: each GET operation that reads one
takes ``min_position`` and declares what that may answer (400 ``position_not_recorded``, 503
``not_yet_applied`` with ``Retry-After``), and a run's answers say where its position is. The
reads of no read model are listed here with why, so a new read cannot slip through: it takes
``min_position`` or someone adds it below. The rule is also shown to catch a planted route."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import APIRouter, FastAPI

from services.apps.gateway.consistency import FinraApplied, document_min_position, takes_min_position
from services.bootstrap import build_gateway
from services.settings import Settings

#: GET operations that read no read model, and what they read instead.
NO_READ_MODEL = {
    "/health": "liveness of the servers",
    "/health/ready": "readiness of the servers and projectors",
    "/ops": "the dashboard's page",
    "/asyncapi.json": "the bus contract",
    "/asyncapi": "the bus contract's page",
    "/metrics": "Prometheus metrics",
    "/v1/pipelines": "the registry",
    "/v1/pipelines/{name}": "the registry",
    "/v1/calcs": "the calc registry",
    "/v1/capabilities": "the settings",
    "/v1/executions/{execution_id}/events": "the event store itself: always up to date",
    "/v1/events": "the event store itself",
    "/v1/events/{position}/block": "the event store itself",
    "/v1/ops/projections": "the lag monitor: how far the projectors are, not what they built",
    "/v1/ops/stream": "the lag monitor",
    "/v1/ops/caught-up": "the checkpoints, by position",
    "/v1/ops/dead-letters": "the projectors' dead letters",
    "/v1/ops/replays": "the gateway's replays",
    "/v1/ops/instances": "the services' instances and their leases",
}


def read_your_writes_problems(document: dict[str, Any], exempt: dict[str, str]) -> list[str]:
    """What the document's GET operations break of the rule, one line each."""
    problems = []
    for path, item in document["paths"].items():
        operation = item.get("get")
        if operation is None or path in exempt:
            continue
        if not takes_min_position(operation):
            problems.append(f"GET {path} takes no min_position: add its read models' dependency, or list it")
            continue
        responses = operation["responses"]
        examples = {
            status: set(responses.get(status, {}).get("content", {}).get("application/problem+json", {}).get("examples", {}))
            for status in ("400", "503")
        }  # fmt: skip
        if "position_not_recorded" not in examples["400"] or "not_yet_applied" not in examples["503"]:
            problems.append(f"GET {path} does not declare position_not_recorded (400) and not_yet_applied (503)")
        if "Retry-After" not in responses.get("503", {}).get("headers", {}):
            problems.append(f"GET {path} does not declare the 503's Retry-After header")
    return problems


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The gateway's OpenAPI document (building the app connects to nothing)."""
    app = build_gateway(Settings(data_dir=tmp_path_factory.mktemp("gateway")))
    return app.openapi()


def test_every_read_of_a_read_model_takes_min_position(document: dict[str, Any]) -> None:
    problems = read_your_writes_problems(document, NO_READ_MODEL)
    assert not problems, "read-your-writes violations:\n" + "\n".join(problems)
    gets = {path for path, item in document["paths"].items() if "get" in item}
    assert set(NO_READ_MODEL) <= gets, f"listed but gone: {sorted(set(NO_READ_MODEL) - gets)}"
    assert len(gets - set(NO_READ_MODEL)) >= 15  # the document really was enumerated


def test_a_run_says_where_its_position_is(document: dict[str, Any]) -> None:
    run = document["paths"]["/v1/pipelines/{name}/run"]["post"]
    assert "wait" in {p["name"] for p in run["parameters"]}
    assert {"200", "202"} <= set(run["responses"])
    assert run["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/RunEndedItem"
    }
    schemas = document["components"]["schemas"]
    for model in ("RunEnded", "RunAccepted", "Execution", "BatchProgress"):
        assert "min_position" in schemas[model]["properties"]["position"]["description"], model


def _planted() -> dict[str, Any]:
    router = APIRouter()

    @router.get("/v1/data/with", dependencies=[FinraApplied])
    async def with_it() -> None: ...

    @router.get("/v1/data/without")
    async def without_it() -> None: ...

    app = FastAPI()
    app.include_router(router)
    document_min_position(app)
    return app.openapi()


def test_the_rule_catches_a_read_without_min_position() -> None:
    problems = read_your_writes_problems(_planted(), {})
    assert problems == ["GET /v1/data/without takes no min_position: add its read models' dependency, or list it"]
