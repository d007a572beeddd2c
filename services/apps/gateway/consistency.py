"""Read-your-writes: a data-plane read that passes ``min_position`` waits until the read models it
serves have applied that event-store position, or answers that they have not yet.

Every run result carries the position of its last event (``position`` on GET
/v1/executions/{id}, on a batch once done, and on POST /v1/pipelines/{name}/run?wait=...); a
read that passes it sees the run's effect. Each route names the read models it reads (the
``*Applied`` dependencies below), so a read of venue rows waits for ``finra_otc`` only, never
for an unrelated projector that lags or is stopped.

The wait is bounded (``SPINE_READ_WAIT_SECONDS``, 5 s by default); past it the answer is a 503
``not_yet_applied`` with ``Retry-After``. A position beyond the event store's head is refused at
once (400 ``position_not_recorded``): no projector will ever reach it, and waiting for it would
only tie up the request. Waiting polls the checkpoints (a few index lookups every
:data:`POLL_S`): the projectors do not NOTIFY when they commit, and a notification channel
plus a listening connection would save at most one poll interval.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Collection
from http import HTTPStatus
from typing import Any

import asyncpg
from fastapi import Depends, FastAPI, Query, Request
from fastapi.params import Depends as DependsParam

from services.adapters.db.read_positions import events_not_applied, not_applied, store_head
from services.adapters.monitored import MonitoredProjection, monitored_projections
from services.apps.gateway.deps import gateway_state
from services.apps.gateway.models.inputs import MAX_POSITION
from services.apps.gateway.models.problem import PROBLEM_MEDIA_TYPE, problem_type
from spine_core.errors import NotYetApplied, PositionNotRecorded

__all__ = [
    "MAX_POSITION",
    "POLL_S",
    "RETRY_AFTER_S",
    "PARAMETER",
    "min_position_query",
    "wait_until_applied",
    "min_position_for",
    "takes_min_position",
    "FinraApplied",
    "QualityApplied",
    "RejectsApplied",
    "ManifestApplied",
    "document_min_position",
]

#: How often a waiting read looks at the checkpoints again.
POLL_S = 0.025
#: What ``Retry-After`` says when the wait ran out: projectors apply a batch in milliseconds, so
#: one that has not caught up in the whole wait is busy or stopped, and a second is a fair pause.
RETRY_AFTER_S = 1

#: The query parameter every read-your-writes route takes.
PARAMETER = "min_position"


def min_position_query(reads: Collection[str]) -> Any:
    """The ``min_position`` query parameter (a ``Query``, default None) of a route serving the read
    models of ``reads``; its description names them."""
    return Query(
        default=None,
        ge=0,
        le=MAX_POSITION,
        description="read your writes: wait until the read models this route serves "
        f"({', '.join(reads)}) have applied this event-store position (a run's `position`), at most "
        "SPINE_READ_WAIT_SECONDS (5 s by default), then answer 503 `not_yet_applied` with Retry-After; "
        "a position the event store has not reached is a 400 `position_not_recorded`",
        examples=[91],
    )


async def wait_until_applied(
    pool: asyncpg.Pool,
    eventstore_schema: str,
    projections: Collection[MonitoredProjection],
    position: int,
    wait_s: float,
    *,
    poll_s: float = POLL_S,
) -> None:
    """Return once every one of ``projections`` has applied ``position``; raise
    :class:`PositionNotRecorded` when the store has not reached it, :class:`NotYetApplied` when
    ``wait_s`` passed first. The connection goes back to the pool between looks."""
    deadline = time.monotonic() + wait_s
    async with pool.acquire() as conn:
        head = await store_head(conn, eventstore_schema)
        if position > head:
            raise PositionNotRecorded(
                f"min_position {position} is beyond the event store's last position ({head}): no read model can "
                "apply it",
                hint="pass the `position` of a run result (GET /v1/executions/{id}, or POST .../run?wait=...)",
                details={"min_position": position, "head": head},
            )
        behind = await not_applied(conn, eventstore_schema, projections, position)
    while behind:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            await _not_yet(pool, eventstore_schema, [p for p in projections if p.name in behind], position, wait_s)
            return  # they caught up between the last look and the count
        await asyncio.sleep(min(poll_s, remaining))
        waiting = [p for p in projections if p.name in behind]  # a checkpoint only moves forward
        async with pool.acquire() as conn:
            behind = await not_applied(conn, eventstore_schema, waiting, position)


async def _not_yet(
    pool: asyncpg.Pool, eventstore_schema: str, behind: list[MonitoredProjection], position: int, wait_s: float
) -> None:
    async with pool.acquire() as conn:
        counts = await events_not_applied(conn, eventstore_schema, behind, position)
    if not counts:
        return
    which = ", ".join(f"{name} ({n} event{'s' if n != 1 else ''} to go)" for name, n in sorted(counts.items()))
    raise NotYetApplied(
        f"the read model{'s' if len(counts) > 1 else ''} {which} "
        f"{'have' if len(counts) > 1 else 'has'} not applied position {position} after {wait_s:g} s",
        retry_after_s=RETRY_AFTER_S,
        hint="retry after the Retry-After delay; GET /v1/ops/projections shows each projector's lag and status",
        details={"min_position": position, "behind": counts, "waited_s": wait_s},
    )


def min_position_for(*names: str) -> DependsParam:
    """A route dependency (``dependencies=[...]``) adding ``min_position`` to the route, waiting for
    the read models of the named projections (a name not registered fails here, at import)."""
    known = {p.name: p for p in monitored_projections()}
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        raise ValueError(f"unknown projections {unknown}; known: {', '.join(known)}")
    projections = [known[n] for n in names]

    # A default rather than ``Annotated``: the description is built per route, and annotations
    # are strings here (resolved from the module, where a local would not be found).
    async def min_position(request: Request, min_position: int | None = min_position_query(names)) -> None:
        if min_position is None:
            return
        state = gateway_state(request)
        settings = state.settings
        await wait_until_applied(
            await state.pool(), settings.eventstore_schema, projections, min_position, settings.read_wait_seconds
        )

    return Depends(min_position)


FinraApplied = min_position_for("finra_otc")
"""The FINRA data plane: weeks, symbols, venue rows and every calc (schema ``finra_otc``)."""
QualityApplied = min_position_for("quality")
"""Quality checks."""
RejectsApplied = min_position_for("finra_otc", "quality")
"""Rejected lines: the capture from ``finra_otc``, the lines from ``quality``."""
ManifestApplied = min_position_for("manifest")
"""Executions, batches, the manifest of a partition, lineage."""


# ----------------------------------------------------------------------------- the OpenAPI document


def _problem(status: int, code: str, detail: str, hint: str, instance: str) -> dict[str, Any]:
    return {
        "type": problem_type(code),
        "title": code.replace("_", " ").capitalize(),
        "status": status,
        "detail": detail,
        "instance": instance,
        "code": code,
        "hint": hint,
    }


def takes_min_position(operation: dict[str, Any]) -> bool:
    """Whether an operation of the OpenAPI document takes ``min_position``."""
    return any(p.get("name") == PARAMETER and p.get("in") == "query" for p in operation.get("parameters", []))


def _declare(operation: dict[str, Any], path: str) -> None:
    """Add the 400 and the 503 of ``min_position`` to an operation, with examples and ``Retry-After``."""
    answers = {
        "400": (
            "; or `min_position` is beyond the event store's last position (`position_not_recorded`)",
            "position_not_recorded",
            _problem(400, "position_not_recorded", "min_position 90210 is beyond the event store's last position "
                     "(1234): no read model can apply it", "pass the `position` of a run result", path),
        ),
        "503": (
            "; or the read models this route serves did not apply `min_position` within the wait "
            "(`not_yet_applied`, with Retry-After)",
            "not_yet_applied",
            _problem(503, "not_yet_applied", "the read model finra_otc (3 events to go) has not applied position "
                     "1234 after 5 s", "retry after the Retry-After delay", path),
        ),
    }  # fmt: skip
    responses = operation.setdefault("responses", {})
    for status, (also, code, example) in answers.items():
        response = responses.setdefault(status, {})
        if also not in response.get("description", ""):
            response["description"] = response.get("description", HTTPStatus(int(status)).phrase) + also
        content = response.setdefault("content", {}).setdefault(PROBLEM_MEDIA_TYPE, {})
        content["schema"] = {"$ref": "#/components/schemas/Problem"}
        examples = content.setdefault("examples", {})
        if "example" in content:
            earlier = content.pop("example")
            examples[earlier.get("code", "problem")] = {"value": earlier}
        examples[code] = {"value": example}
    responses["503"]["headers"] = {
        "Retry-After": {
            "description": f"with `not_yet_applied`: seconds to wait before asking again ({RETRY_AFTER_S})",
            "schema": {"type": "integer", "minimum": 0},
        }
    }


def document_min_position(app: FastAPI) -> None:
    """Declare, on every operation that takes ``min_position``, its 400 and its 503 (with the
    ``Retry-After`` header): done on the generated document, so each route only adds its
    dependency and keeps its own ``responses=``."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        schema = generate()
        for path, item in schema.get("paths", {}).items():
            for operation in item.values():
                if takes_min_position(operation):
                    _declare(operation, path)  # idempotent: the document is generated once, then cached
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
