"""The ``links.next`` URL keeps the request's query, sets the cursor and drops ``offset``; the
opaque cursors decode back into the keys they were made from."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest
from starlette.requests import Request

from projections.manifest.queries import ExecutionKey
from services.adapters.db.projector_state import DeadLetterKey
from services.apps.gateway.paging import (
    decode_dead_letter_cursor,
    decode_execution_cursor,
    encode_dead_letter_cursor,
    encode_execution_cursor,
    next_link,
)
from spine_core.errors import InvalidParameter


def _request(path: str, query: str) -> Request:
    return Request({"type": "http", "method": "GET", "path": path, "query_string": query.encode(), "headers": []})


def test_the_next_link_is_this_query_with_the_cursor_and_without_offset() -> None:
    request = _request("/v1/data/venue-volume", "week_ending=2025-11-14&tier=T1&offset=40&after_line=3&limit=2&x=a&x=b")
    assert next_link(request, after_line=90) == (
        "/v1/data/venue-volume?week_ending=2025-11-14&tier=T1&limit=2&x=a&x=b&after_line=90"
    )


def test_the_next_link_encodes_what_it_carries() -> None:
    request = _request("/v1/executions", "pipeline=a+b%26c")
    assert next_link(request, cursor="WyJ4Il0") == "/v1/executions?pipeline=a+b%26c&cursor=WyJ4Il0"


def test_cursors_decode_into_their_keys() -> None:
    key = ExecutionKey(datetime(2025, 11, 21, 14, 3, 7, 123456, tzinfo=UTC), UUID(int=7))
    assert decode_execution_cursor(encode_execution_cursor(key)) == key
    letter = DeadLetterKey("finra_otc", 2**63 - 1)
    assert decode_dead_letter_cursor(encode_dead_letter_cursor(letter)) == letter


@pytest.mark.parametrize("token", ["", "%%%", "e30", encode_dead_letter_cursor(DeadLetterKey("a", 1))])
def test_a_token_that_is_no_execution_cursor_is_refused(token: str) -> None:
    with pytest.raises(InvalidParameter, match="not one this listing gave"):
        decode_execution_cursor(token)
