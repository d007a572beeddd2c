"""Problem details: what the gateway's models say, and how the CLI reads them back."""

from __future__ import annotations

import pytest

from services.apps.gateway.models.inputs import refuse_nul
from services.apps.gateway.models.problem import Problem, problem_responses, problem_type
from services.cli.client import ApiError


def test_a_problem_type_is_a_uri_named_after_the_code() -> None:
    assert problem_type("unknown_tier") == "https://spine.dev/problems/unknown-tier"


def test_every_route_declares_auth_validation_and_server_errors_unless_public() -> None:
    assert set(problem_responses(404)) == {401, 403, 404, 422, 500}
    assert set(problem_responses(auth=False)) == {422, 500}
    for response in problem_responses(400, 409, 503).values():
        example = response["content"]["application/problem+json"]["example"]
        Problem.model_validate(example)


def test_the_cli_reads_a_problem() -> None:
    error = ApiError(
        400,
        {
            "type": problem_type("unknown_tier"),
            "title": "Unknown tier",
            "status": 400,
            "detail": "unknown tier 'T9'",
            "instance": "/v1/data/weeks",
            "code": "unknown_tier",
            "hint": "NMS_TIER_1, NMS_TIER_2 or OTC",
        },
    )
    assert (error.status, error.code, error.message, error.hint) == (
        400,
        "unknown_tier",
        "unknown tier 'T9'",
        "NMS_TIER_1, NMS_TIER_2 or OTC",
    )


def test_the_cli_reads_validation_failures_and_bodies_of_older_gateways() -> None:
    invalid = ApiError(
        422,
        {
            "detail": "query.limit: too big",
            "code": "invalid_request",
            "errors": [{"where": "query.limit", "problem": "too big"}],
        },
    )
    assert invalid.code == "invalid_request" and invalid.details == {
        "problems": [{"where": "query.limit", "problem": "too big"}]
    }
    older = ApiError(404, {"error": {"code": "not_found", "message": "no execution x", "hint": "start one"}})
    assert (older.code, older.message, older.hint) == ("not_found", "no execution x", "start one")
    assert ApiError(502, {"detail": "<html>bad gateway</html>"}).code == "http_error"


@pytest.mark.parametrize("value", ["a\x00b", {"k": ["x", "\x00"]}, {"\x00": 1}, "\ud800"])
def test_body_text_postgresql_cannot_store_is_refused(value: object) -> None:
    with pytest.raises(ValueError):
        refuse_nul(value)


def test_ordinary_bodies_pass_untouched() -> None:
    value = {"week_ending": "2025-11-14", "window": 4, "force": True, "notes": ["é", None]}
    assert refuse_nul(value) is value


def test_the_documented_examples_fit_their_models() -> None:
    from services.apps.gateway.models import examples
    from services.apps.gateway.models.data import SymbolList, WeekList
    from services.apps.gateway.models.pipelines import ExecutionItem, PipelineList

    for model, example in (
        (WeekList, examples.WEEKS),
        (SymbolList, examples.SYMBOLS),
        (ExecutionItem, examples.EXECUTION),
        (PipelineList, examples.PIPELINES),
    ):
        assert model.model_validate(example).model_dump(mode="json", exclude_unset=True) == example


async def test_date_arithmetic_out_of_range_is_a_bad_request_not_a_server_error() -> None:
    import httpx
    from fastapi import FastAPI

    from services.apps.gateway.errors import install_error_handlers

    app = FastAPI()
    install_error_handlers(app)

    @app.get("/edge")
    async def edge() -> None:
        raise OverflowError("date value out of range")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
        answer = await http.get("/edge")
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["detail"].startswith("a value of the request is out of range")
