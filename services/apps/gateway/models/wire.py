"""From read-model rows to the JSON the routes send: the one place where Python values become wire
values. Times and days travel as ISO strings (``isoformat``: ``+00:00``, not pydantic's ``Z``),
UUIDs as text, numerics as floats; JSON documents as they were stored.

The routes build their envelopes from these dicts with ``model_validate``, so a key a mapping
leaves out stays unset, and absent from the response (``response_model_exclude_unset``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from projections.finra_otc.queries import CalcRows, ServedCapture
from projections.manifest.queries import ExecutionRow
from projections.querying import columns_of
from services.apps.gateway.models.data import CalcRow

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

__all__ = ["Fields", "wire", "wire_fields", "wire_rows", "capture_fields", "execution_fields", "calc_fields"]

#: What the envelopes are validated from: a response model's fields by name.
Fields = dict[str, Any]


def wire(value: object) -> Any:
    """A Python value as JSON sends it."""
    if isinstance(value, date | datetime):  # datetime is a date
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Decimal):
        return float(value)
    return value


def wire_fields(row: DataclassInstance) -> Fields:
    """Every field of a row, by name, as JSON sends it."""
    return {name: wire(getattr(row, name)) for name in columns_of(type(row))}


def wire_rows(rows: Iterable[DataclassInstance]) -> list[Fields]:
    return [wire_fields(row) for row in rows]


def capture_fields(capture: ServedCapture) -> Fields:
    """The capture a data response serves, for its ``meta``: ``calc`` and ``inputs`` only for a
    derived result."""
    out: Fields = {
        "capture_id": str(capture.capture_id),
        "pipeline": capture.pipeline,
        "week_ending": wire(capture.week_ending),
        "tier": capture.tier,
        "captured_at": wire(capture.captured_at),
        "source_updated": wire(capture.source_updated),
        "latest_capture": capture.latest,
    }
    if capture.calc_name:
        out["calc"] = {"name": capture.calc_name, "version": capture.calc_version}
    if capture.inputs:
        out["inputs"] = capture.inputs
    return out


def execution_fields(row: ExecutionRow, chain_error: str | None = None) -> Fields:
    """An execution: ``skip_reason``, ``error`` and ``chain_error`` only when it has one."""
    out: Fields = {
        "execution_id": str(row.execution_id),
        "pipeline": row.pipeline,
        "status": row.status,
        "params": row.params,
        "partition_key": row.partition_key,
        "trigger_source": row.trigger_source,
        "lane": row.lane,
        "batch_id": str(row.batch_id),
        "capture_id": wire(row.capture_id),
        "resumed": row.resumed,
        "rows_accepted": row.rows_accepted,
        "rows_rejected": row.rows_rejected,
        "source": row.source,
        "details": row.details,
        "requested_at": wire(row.requested_at),
        "started_at": wire(row.started_at),
        "finished_at": wire(row.finished_at),
        "position": row.last_position,
        "through": row.through,
    }
    if row.skip_reason:
        out["skip_reason"] = row.skip_reason
    if row.error_code:
        out["error"] = {"code": row.error_code, "message": row.error_message, "hint": row.error_hint}
    if chain_error is not None:
        out["chain_error"] = chain_error
    return out


def calc_fields(page: CalcRows) -> list[CalcRow]:
    """A calc page's rows, each cell under its column's name."""
    return [{column: wire(cell) for column, cell in zip(page.columns, row, strict=True)} for row in page.rows]
