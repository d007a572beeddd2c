"""The gateway on real PostgreSQL and NATS: clear errors for bad input, the inbox boundary, and
the command path up to the bus (no worker runs here)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import httpx
import pytest

from services.settings import Settings

pytestmark = [pytest.mark.integration]

RUN = "/v1/pipelines/finra.otc_transparency.ingest_week/run"


async def test_health_reports_both_dependencies(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "nats": "ok"}


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        ({"params": {"week_ending": "2025-11-15", "tier": "OTC"}}, 400, "nearest Friday is 2025-11-14"),
        ({"params": {"week_ending": "2025-11-14", "tier": "T9"}}, 400, "unknown tier"),
        ({"params": {"week_ending": "2025-11-14", "tier": "OTC", "force": "perhaps"}}, 400, "must be bool"),
        ({"params": {"week_ending": "2025-11-14", "tier": "OTC", "window": 3}}, 400, "unknown parameter"),
        ({"params": {"week_ending": "2025-11-14", "tier": "OTC"}, "file": "/etc/passwd"}, 400, "absolute path"),
        ({"params": {"week_ending": "2025-11-14", "tier": "OTC"}, "file": "../x.csv"}, 400, "leaves the inbox"),
        ({"params": {"week_ending": "2025-11-14", "tier": "OTC"}, "file": "nope.csv"}, 400, "not in the inbox"),
        ({"params": {"week_ending": "2025-11-14", "tier": "OTC"}, "lane": "fast"}, 422, "lane"),
        ({"params": {"week_ending": "2025-11-14", "tier": "OTC\u0000"}}, 422, "NUL"),
        ({"params": {"week_ending": "2025-11-14", "tier": "OTC"}, "file": "a\u0000.csv"}, 422, "NUL"),
    ],
)
async def test_bad_run_requests_are_refused_with_a_reason(
    client: httpx.AsyncClient, body: dict[str, object], status: int, fragment: str
) -> None:
    response = await client.post(RUN, json=body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status and problem["instance"] == RUN
    assert fragment in (problem["detail"] + " " + (problem.get("hint") or ""))


async def test_unknown_pipeline_is_404_with_a_suggestion(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/pipelines/finra.otc_transparency.ingest_weak/run", json={})
    assert response.status_code == 404
    assert "ingest_week" in response.json()["hint"]


async def test_a_symlink_leading_out_of_the_inbox_is_refused(
    client: httpx.AsyncClient, settings: Settings, tmp_path: Path
) -> None:
    outside = tmp_path / "secret.csv"
    outside.write_text("secret")
    os.symlink(outside, settings.inbox / "link.csv")
    response = await client.post(RUN, json={"params": {"week_ending": "2025-11-14", "tier": "OTC"}, "file": "link.csv"})
    assert response.status_code == 400
    assert "outside the inbox" in response.json()["detail"]


async def test_upload_then_run_is_accepted_and_queued(client: httpx.AsyncClient) -> None:
    upload = await client.put("/v1/inbox/week.csv", content=b"tierDescription|x\n")
    assert upload.status_code == 201
    ref = upload.json()["data"]["file"]
    assert ref.startswith("uploads/") and ref.endswith("-week.csv")

    response = await client.post(RUN, json={"params": {"week_ending": "2025-11-14", "tier": "otc"}, "file": ref})
    assert response.status_code == 202
    data = response.json()["data"]
    assert response.headers["location"] == data["poll"] == f"/v1/executions/{data['execution_id']}"
    # No worker runs in this test: the execution is known from the bus as queued.
    polled = await client.get(data["poll"])
    assert polled.status_code == 200 and polled.json()["data"]["status"] == "queued"

    # The same idempotency key twice is one command.
    body = {"params": {"week_ending": "2025-11-14", "tier": "OTC"}, "file": ref, "idempotency_key": "k-1"}
    first, second = (
        (await client.post(RUN, json=body)).json()["data"],
        (await client.post(RUN, json=body)).json()["data"],
    )
    assert first["execution_id"] == second["execution_id"] and second["duplicate"] is True


async def test_a_file_removed_after_a_run_was_accepted_is_refused_for_the_next(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    """The gateway keeps no memory of files it found: each run checks the inbox again."""
    (settings.inbox / "gone.csv").write_text("tierDescription|x\n")
    body = {"params": {"week_ending": "2025-11-14", "tier": "OTC"}, "file": "gone.csv"}
    assert (await client.post(RUN, json=body)).status_code == 202

    (settings.inbox / "gone.csv").unlink()
    response = await client.post(RUN, json=body)
    assert response.status_code == 400
    assert "not in the inbox" in response.json()["detail"]


async def test_data_queries_explain_what_is_missing(client: httpx.AsyncClient) -> None:
    weeks = await client.get("/v1/data/weeks")
    assert weeks.status_code == 200 and weeks.json() == {"data": [], "meta": {"count": 0, "tier": None}}
    missing = await client.get("/v1/data/symbols", params={"week_ending": "2025-11-14", "tier": "OTC"})
    assert missing.status_code == 404
    assert "spine query weeks" in missing.json()["hint"]
    not_friday = await client.get("/v1/data/symbols", params={"week_ending": "2025-11-13", "tier": "OTC"})
    assert not_friday.status_code == 400 and "2025-11-14" in not_friday.json()["hint"]
    bad_tier = await client.get("/v1/data/weeks", params={"tier": "nope"})
    assert bad_tier.status_code == 400
    unknown = await client.get("/v1/executions/00000000-0000-0000-0000-000000000000")
    assert unknown.status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/v1/executions?pipeline=%00", 422, "invalid_request"),
        ("GET", "/v1/data/venue-volume?week_ending=2025-11-14&tier=OTC&symbol=A%00B", 422, "invalid_request"),
        ("GET", "/v1/pipelines/a%00b", 422, "invalid_request"),
        ("GET", "/v1/executions?limit=0", 422, "invalid_request"),
        ("GET", "/v1/executions/not-a-uuid", 422, "invalid_request"),
        ("GET", "/v1/data/symbols?week_ending=2025-11-14&tier=OTC&as_of=2025-11-20T10:00:00", 422, "invalid_request"),
        ("GET", "/v1/events?after=99999999999999999999", 422, "invalid_request"),
        ("GET", "/v1/nowhere", 404, "not_found"),
        ("DELETE", "/v1/calcs", 405, "method_not_allowed"),
    ],
)
async def test_every_error_is_a_problem_document(
    client: httpx.AsyncClient, method: str, path: str, status: int, code: str
) -> None:
    response = await client.request(method, path)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == code and problem["status"] == status
    assert problem["type"] == "https://spine.dev/problems/" + code.replace("_", "-")
    assert problem["instance"] == path.split("?")[0] and problem["title"] and problem["detail"]
    assert "Traceback" not in response.text


async def test_the_openapi_document_names_every_operation_and_its_problems(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    operations = [op for path in document["paths"].values() for op in path.values()]
    ids = [op["operationId"] for op in operations]
    assert len(ids) == len(set(ids)) and all(re.fullmatch(r"[a-z]+[A-Za-z]*", i) for i in ids), ids
    assert {"listSymbols", "runPipeline", "getExecution", "listVenueShares", "listEvents"} <= set(ids)
    for path, methods in document["paths"].items():
        for operation in methods.values():
            responses = operation["responses"]
            assert "422" in responses and "500" in responses, path
            problem = responses["422"]["content"]
            assert list(problem) == ["application/problem+json"], path
            assert problem["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
            if path not in {"/health", "/health/ready", "/asyncapi.json", "/asyncapi"} and not path.startswith(
                "/ops"
            ):  # public
                assert {"401", "403"} <= set(responses), path
