"""The manifest's and quality's rows, as their queries and projectors know them, against the DDL
of their tables (read from the SQL, no database): one column list per read model, checked here
rather than at the first request or the first event applied."""

from __future__ import annotations

import pytest

from contracts.events import REJECT_COLUMNS
from projections.manifest.queries import ExecutionRow, LineageRow, ManifestEntryRow, RunningExecutionRow
from projections.manifest.spec import SPEC as MANIFEST
from projections.manifest.store import STATEMENTS as MANIFEST_STATEMENTS
from projections.quality.queries import QualityCheckRow, RejectRow
from projections.quality.spec import SPEC as QUALITY
from projections.quality.store import STATEMENTS as QUALITY_STATEMENTS
from projections.querying import columns_of, select_list
from services.adapters.db.migrate import _META_DDL
from services.adapters.db.projector_state import DeadLetterRow
from tests.unit.projections.ddl import ddl_columns, ddl_of_files, insert_columns

MANIFEST_DDL = ddl_of_files(MANIFEST.migration_files())
QUALITY_DDL = ddl_of_files(QUALITY.migration_files())
META_DDL = ddl_columns([_META_DDL])


def test_the_parser_reads_every_schema() -> None:
    assert MANIFEST_DDL["executions"][-2:] == ["through", "stage_params"]  # ALTER ... ADD COLUMN
    assert QUALITY_DDL["core_quality"][4] == "check"  # a quoted name
    assert META_DDL["dead_letters"][0] == "projection"  # IF NOT EXISTS, schema-qualified


@pytest.mark.parametrize(
    ("row", "table", "computed"),
    [
        (ExecutionRow, MANIFEST_DDL["executions"], set()),
        (RunningExecutionRow, MANIFEST_DDL["executions"], set()),
        (LineageRow, MANIFEST_DDL["captures"], {"depth"}),
        (ManifestEntryRow, MANIFEST_DDL["manifest"] + ["calc", "inputs"], {"captures"}),
        (QualityCheckRow, QUALITY_DDL["core_quality"], set()),
        (RejectRow, QUALITY_DDL["core_rejects"], set()),
        (DeadLetterRow, META_DDL["dead_letters"], set()),
    ],
    ids=["executions", "running", "lineage", "manifest", "quality", "rejects", "dead_letters"],
)
def test_each_query_row_selects_columns_of_its_table(row: type, table: list[str], computed: set[str]) -> None:
    assert set(columns_of(row)) - computed <= set(table), set(columns_of(row)) - computed - set(table)


def test_manifest_entries_take_calc_and_inputs_from_the_captures() -> None:
    assert {"calc", "inputs"} <= set(MANIFEST_DDL["captures"])


def test_the_rejects_are_the_columns_of_their_row_blocks() -> None:
    """The projector loads them with ``REJECT_COLUMNS`` (COPY) and the rejects route reads them back."""
    assert columns_of(RejectRow) == REJECT_COLUMNS


@pytest.mark.parametrize(
    ("statements", "ddl"),
    [(MANIFEST_STATEMENTS, MANIFEST_DDL), (QUALITY_STATEMENTS, QUALITY_DDL)],
    ids=["manifest", "quality"],
)
def test_the_projectors_insert_columns_of_their_tables(statements: dict[str, str], ddl: dict[str, list[str]]) -> None:
    inserts = [found for sql in statements.values() if (found := insert_columns(sql))]
    assert inserts, "no INSERT found: is the parser right?"
    for table, columns in inserts:
        assert set(columns) <= set(ddl[table]), (table, set(columns) - set(ddl[table]))


def test_select_list_quotes_each_column() -> None:
    assert select_list(RejectRow, "r") == 'r."line_no", r."reason", r."detail", r."raw"'
