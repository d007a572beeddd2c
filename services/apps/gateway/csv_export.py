"""CSV downloads of the data plane: content negotiation (``format=csv`` or ``Accept: text/csv``),
the OpenAPI declaration, and a streamed body written through the ``csv`` module a chunk at a time."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Query, Request
from fastapi.responses import StreamingResponse

__all__ = ["CSV_MEDIA_TYPE", "FormatQ", "wants_csv", "csv_ok", "csv_response", "csv_filename"]

CSV_MEDIA_TYPE = "text/csv"

FormatQ = Annotated[
    Literal["json", "csv"] | None,
    Query(
        description="`csv` streams every row asked for as CSV with a header row (so does `Accept: text/csv`); "
        "without a `limit`, CSV has every row of the capture",
    ),
]


def wants_csv(request: Request, format: str | None) -> bool:
    """``format`` decides; without it, an ``Accept`` header that names text/csv."""
    if format is not None:
        return format == "csv"
    return CSV_MEDIA_TYPE in request.headers.get("accept", "")


def csv_ok(json_example: dict[str, Any] | None, csv_example: str) -> dict[int | str, dict[str, Any]]:
    """``responses=`` entry for a data route's 200: JSON (with its example) or CSV."""
    json_content: dict[str, Any] = {"example": json_example} if json_example is not None else {}
    return {
        200: {
            "description": "the rows: JSON (default) or CSV (`format=csv`, `Accept: text/csv`)",
            "content": {
                "application/json": json_content,
                CSV_MEDIA_TYPE: {"schema": {"type": "string"}, "example": csv_example},
            },
        }
    }


def csv_filename(*parts: object) -> str:
    """A safe attachment name from the query's parts: ``venue-volume_2025-11-14_OTC.csv``."""
    name = "_".join(str(p) for p in parts if p is not None and p != "")
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name)[:180] + ".csv"


_PLAIN = (str, int, float, type(None))


def _cell(value: Any) -> Any:
    if isinstance(value, _PLAIN) and not isinstance(value, bool):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)  # date (ISO), UUID, Decimal


async def _encode(chunks: AsyncIterator[Sequence[Sequence[Any]]]) -> AsyncIterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    async for rows in chunks:
        writer.writerows([[_cell(v) for v in row] for row in rows])
        yield buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()


def csv_response(chunks: AsyncIterator[Sequence[Sequence[Any]]], filename: str) -> StreamingResponse:
    """A streamed CSV download of ``chunks`` (the header row first, as :func:`stream_rows` yields)."""
    return StreamingResponse(
        _encode(chunks),
        media_type=f"{CSV_MEDIA_TYPE}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
