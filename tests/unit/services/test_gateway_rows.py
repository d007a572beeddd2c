"""Each list route's response model shows exactly the columns of the row its query returns, and
the mapping sends Python values as the routes always have (ISO times, text UUIDs, float numerics)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

import pytest
from pydantic import BaseModel

from projections.finra_otc.queries import CalcRows, ServedCapture, SymbolRow, VenueRow, WeekRow
from projections.finra_otc.views import VENUE_ROW_COLUMNS
from projections.manifest.queries import ExecutionRow, LineageRow, ManifestEntryRow, RunningExecutionRow
from projections.quality.queries import QualityCheckRow, RejectRow
from projections.querying import columns_of
from services.adapters.db.projector_state import DeadLetterRow
from services.apps.gateway.models import data, ops, partitions, pipelines
from services.apps.gateway.models.wire import calc_fields, capture_fields, execution_fields, wire_fields


@pytest.mark.parametrize(
    ("model", "row"),
    [
        (data.Week, WeekRow),
        (data.Symbol, SymbolRow),
        (data.VenueRow, VenueRow),
        (partitions.QualityCheck, QualityCheckRow),
        (partitions.Reject, RejectRow),
        (partitions.ManifestEntry, ManifestEntryRow),
        (partitions.RunningExecution, RunningExecutionRow),
        (partitions.LineageNode, LineageRow),
        (ops.DeadLetter, DeadLetterRow),
    ],
    ids=lambda v: v.__name__,
)
def test_each_response_model_declares_its_rows_columns(model: type[BaseModel], row: type) -> None:
    assert tuple(model.model_fields) == columns_of(row)


def test_venue_rows_are_the_domains_columns() -> None:
    assert tuple(data.VenueRow.model_fields) == VENUE_ROW_COLUMNS


T = datetime(2025, 11, 21, 14, 3, 7, 500000, tzinfo=UTC)
ID = UUID("523eca07-c3a3-45ca-a54a-1e9c17a7e99a")


def test_rows_travel_as_the_routes_always_sent_them() -> None:
    week = WeekRow(date(2025, 11, 14), "OTC", ID, T, None, 10, 1, 2)
    assert wire_fields(week) == {
        "week_ending": "2025-11-14", "tier": "OTC", "capture_id": str(ID),
        "captured_at": "2025-11-21T14:03:07.500000+00:00", "source_updated": None,
        "rows": 10, "rows_rejected": 1, "captures": 2,
    }  # fmt: skip
    page = CalcRows(("symbol", "share", "day"), [("AAPL", Decimal("0.25"), date(2025, 11, 14))], 1)
    assert calc_fields(page) == [{"symbol": "AAPL", "share": 0.25, "day": "2025-11-14"}]


def test_a_capture_names_its_calc_and_inputs_only_when_derived() -> None:
    ingest = ServedCapture(ID, "ingest", date(2025, 11, 14), "OTC", T, None, 5, None, None, [], True)
    assert "calc" not in capture_fields(ingest) and "inputs" not in capture_fields(ingest)
    inputs = [{"role": "normalized", "pipeline": "normalize", "capture_id": str(ID), "partition_key": "k"}]
    derived = ServedCapture(ID, "calc", None, None, T, None, 5, "venue_share", "v2", inputs, False)
    fields = capture_fields(derived)
    assert fields["calc"] == {"name": "venue_share", "version": "v2"} and fields["inputs"] == inputs
    assert fields["latest_capture"] is False


def test_an_execution_carries_skip_reason_error_and_chain_error_only_when_it_has_them() -> None:
    row = ExecutionRow(
        ID, "p", "completed", {"week_ending": "2025-11-14"}, "k", "api", "normal", ID, None, False, 3, 0,
        None, {}, T, T, T, 42, None, None, None, None, None,
    )  # fmt: skip
    fields = execution_fields(row)
    assert fields["position"] == 42 and fields["details"] == {} and fields["capture_id"] is None
    assert not {"skip_reason", "error", "chain_error"} & set(fields)
    failed = execution_fields(replace(row, error_code="E", error_message="m"), "why")
    assert failed["error"] == {"code": "E", "message": "m", "hint": None} and failed["chain_error"] == "why"
    item = pipelines.ExecutionItem.model_validate({"data": fields})
    assert "skip_reason" not in item.model_dump(exclude_unset=True)["data"]
