"""Keyset paging over HTTP: the ``links.next`` URL of a page, and the opaque cursors of the
listings whose keyset is more than one number.

A listing ordered by one integer (a line number, an event store position) takes it as a plain
query parameter (``after_line``, ``after``); one ordered by several values (executions: requested
at, then id; dead letters: projection, then position) takes an opaque ``cursor``: base64url of
the values as JSON, decoded back into the read model's key and refused (400) when it is not one
this gateway gave.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode
from uuid import UUID

from fastapi import Query, Request
from fastapi.responses import Response

from projections.manifest.queries import ExecutionKey
from services.adapters.db.projector_state import DeadLetterKey
from services.apps.gateway.models.envelope import ApiModel, PageLinks
from spine_core.errors import InvalidParameter

__all__ = [
    "json_page_answer",
    "AfterLineQ", "CursorQ", "next_link",
    "encode_execution_cursor", "decode_execution_cursor", "encode_dead_letter_cursor", "decode_dead_letter_cursor",
]  # fmt: skip

CursorQ = Annotated[
    str | None,
    Query(description="keyset paging: the cursor of the previous page (follow `links.next`)", max_length=200),
]

AfterLineQ = Annotated[
    int | None,
    Query(ge=0, le=2_147_483_647, description="keyset paging: the rows after this line_no (follow `links.next`)"),
]

#: Bigint bounds: a position from a cursor must fit PostgreSQL's bigint.
_MAX_POSITION = 2**63 - 1


def next_link(request: Request, **cursor: str | int) -> str:
    """This request's path and query with the cursor parameters set, and without ``offset`` (a
    keyset page starts after its cursor, not at an offset)."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in cursor and k != "offset"]
    params += [(k, str(v)) for k, v in cursor.items()]
    return f"{request.url.path}?{urlencode(params)}"


def _encode(*values: str | int) -> str:
    raw = json.dumps(list(values), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _values(token: str, count: int) -> list[object]:
    try:
        values = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError) as exc:
        raise _refused(token) from exc
    if not isinstance(values, list) or len(values) != count:
        raise _refused(token)
    return values


def _refused(token: str) -> InvalidParameter:
    return InvalidParameter(
        f"cursor {token[:40]!r} is not one this listing gave", hint="follow the previous page's links.next"
    )


def encode_execution_cursor(key: ExecutionKey) -> str:
    return _encode(key.requested_at.isoformat(), str(key.execution_id))


def decode_execution_cursor(token: str) -> ExecutionKey:
    """The executions listing's keyset from its cursor: (requested_at, execution_id)."""
    requested_at, execution_id = _values(token, 2)
    if not (isinstance(requested_at, str) and isinstance(execution_id, str)):
        raise _refused(token)
    try:
        key = ExecutionKey(datetime.fromisoformat(requested_at), UUID(execution_id))
    except ValueError as exc:
        raise _refused(token) from exc
    if key.requested_at.tzinfo is None:
        raise _refused(token)
    return key


def encode_dead_letter_cursor(key: DeadLetterKey) -> str:
    return _encode(key.projection, key.position)


def decode_dead_letter_cursor(token: str) -> DeadLetterKey:
    """The dead letters listing's keyset from its cursor: (projection, position)."""
    projection, position = _values(token, 2)
    if not (isinstance(projection, str) and "\x00" not in projection and isinstance(position, int)):
        raise _refused(token)
    if isinstance(position, bool) or not -1 <= position <= _MAX_POSITION:
        raise _refused(token)
    return DeadLetterKey(projection, position)


def json_page_answer(rows_json: str, meta: ApiModel, links: PageLinks) -> Response:
    """A paged list answer whose rows PostgreSQL already wrote as JSON (:class:`JsonPage`): the
    envelope around them is written here, ``meta`` and ``links`` by their models (unset fields
    left out, as ``response_model_exclude_unset`` does), the rows passed on as they are. The
    route still declares its envelope model: the schema, and what the contract test checks."""
    body = "".join(
        ('{"data":', rows_json, ',"meta":', meta.model_dump_json(exclude_unset=True), ',"links":',
         links.model_dump_json(), "}")
    )  # fmt: skip
    return Response(body, media_type="application/json")
