"""Each FINRA OTC read model's columns, as the code knows them, against the DDL of its table.

The DDL is read from ``projections/finra_otc/schema/*.sql`` in migration order (CREATE TABLE,
then ALTER TABLE ... ADD/DROP COLUMN); no database is needed.
"""

from __future__ import annotations

import pytest

from projections.finra_otc.queries import ServedCapture, SymbolRow, VenueRow, WeekRow
from projections.finra_otc.spec import SPEC
from projections.finra_otc.tables import INGEST_PIPELINE, TABLES, table_columns
from projections.finra_otc.views import CALC_VIEWS, VENUE_ROW_COLUMNS, CalcView, shown_columns
from projections.querying import columns_of
from tests.unit.projections.ddl import ddl_of_files

DDL = ddl_of_files(sorted(SPEC.migrations.glob("*.sql")))


def test_the_parser_reads_create_and_alter() -> None:
    assert DDL["backfill_plan"] == ["capture_id", "tier", "week_ending", "file", "status"]
    assert DDL["rolling"][5] == "window"  # a quoted name
    assert DDL["venue_volume"][-4:] == ["summary_type_code", "firm_crd", "total_notional", "week_start_date"]


@pytest.mark.parametrize("pipeline", sorted(TABLES), ids=lambda p: TABLES[p].table)
def test_each_read_model_has_the_columns_of_its_table(pipeline: str) -> None:
    spec = TABLES[pipeline]
    assert spec.table in DDL, f"no CREATE TABLE {spec.table} in {SPEC.migrations}"
    assert table_columns(spec) == set(DDL[spec.table])
    assert len(DDL[spec.table]) == len(set(DDL[spec.table]))


@pytest.mark.parametrize("view", CALC_VIEWS, ids=lambda v: v.path)
def test_each_calc_view_shows_every_column_of_its_table(view: CalcView) -> None:
    spec = TABLES[view.pipeline]
    assert view.table == spec.table
    assert sorted(view.columns) == sorted(spec.columns)
    assert set(view.columns) <= set(DDL[view.table])


def test_the_venue_rows_are_ingest_columns() -> None:
    assert set(VENUE_ROW_COLUMNS) <= set(DDL[TABLES[INGEST_PIPELINE].table])


def test_shown_columns_puts_the_lead_first() -> None:
    assert shown_columns(("c", "a"), ("a", "b", "c")) == ("c", "a", "b")
    with pytest.raises(ValueError, match="x"):
        shown_columns(("x",), ("a",))


def test_the_query_rows_are_columns_of_their_tables() -> None:
    """The typed rows the gateway's data routes serve select these columns: a renamed or dropped
    column fails here, not at the first request."""
    assert columns_of(VenueRow) == VENUE_ROW_COLUMNS
    assert set(columns_of(SymbolRow)) == set(DDL["symbol_totals"]) - {"capture_id"}
    assert set(columns_of(ServedCapture)) - {"latest"} <= set(DDL["captures"])
    # rows and captures are computed (rows_accepted AS rows, a count of the week's captures)
    assert set(columns_of(WeekRow)) - {"rows", "captures"} <= set(DDL["captures"])
