"""The data-plane mapper: captures of the tables' pipelines, rows loaded with their prefix."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from projections.captured_rows import ANALYZE_MIN_ROWS, CaptureInfo, TableSpec, capture_info, map_event
from projections.finra_otc.tables import INGEST_PIPELINE, TABLES
from projections.ops import CopyRows, Op
from tests.unit.projections.envelopes import AT, capture_started, envelope

PARTITION = {"week_ending": "2025-11-14", "tier": "NMS_TIER_1"}
COLUMNS = [
    "line_no",
    "symbol",
    "issue_name",
    "mpid",
    "participant_name",
    "total_shares",
    "total_trades",
    "last_update_date",
]
BLOCK = b"1\tAAPL\tApple Inc.\tMPID\tVenue\t100\t3\t2025-11-20\n"
VENUES = TABLES[INGEST_PIPELINE]


def _info(capture_id: uuid.UUID) -> dict[uuid.UUID, CaptureInfo]:
    return {
        capture_id: CaptureInfo(
            capture_id,
            "venue_volume",
            ("week_ending", "tier"),
            ("2025-11-14", "NMS_TIER_1"),
            tuple(COLUMNS),
            "symbol_totals",
            analyze=True,
        )
    }


def test_capture_info_of_an_ingest_capture() -> None:
    capture_id = uuid.uuid4()
    env = capture_started(capture_id, pipeline=INGEST_PIPELINE, partition=PARTITION, row_columns=COLUMNS)
    assert capture_info(env, TABLES) == _info(capture_id)[capture_id]


def test_capture_started_of_a_pipeline_without_a_table_is_ignored() -> None:
    capture_id = uuid.uuid4()
    env = capture_started(
        capture_id, pipeline="reference.exchange_calendar.ingest_year", partition={}, row_columns=["date"]
    )
    assert capture_info(env, TABLES) is None
    assert map_event(env, None, {}) == []


def test_columns_the_table_lacks_raise_naming_them() -> None:
    env = capture_started(uuid.uuid4(), pipeline=INGEST_PIPELINE, partition=PARTITION, row_columns=[*COLUMNS, "colour"])
    with pytest.raises(ValueError, match=r"\['colour'\].*add a migration"):
        capture_info(env, TABLES)


def test_capture_started_maps_to_an_op_with_clocks_and_lineage() -> None:
    capture_id, execution_id = uuid.uuid4(), uuid.uuid4()
    env = capture_started(
        capture_id,
        pipeline=INGEST_PIPELINE,
        partition=PARTITION,
        row_columns=COLUMNS,
        source={"sha256": "ff", "name": "f.psv"},
        execution_id=execution_id,
    )
    (op,) = map_event(env, None, _info(capture_id))
    assert isinstance(op, Op) and op.name == "capture_started"
    assert op.args[:7] == (capture_id, execution_id, INGEST_PIPELINE, env.data["partition_key"],
                           '{"tier": "NMS_TIER_1", "week_ending": "2025-11-14"}', date(2025, 11, 14), "NMS_TIER_1")  # fmt: skip
    assert op.args[-3:] == (COLUMNS, AT, env.position)


def test_rows_captured_is_copied_with_the_capture_prefix() -> None:
    capture_id = uuid.uuid4()
    env = envelope(
        "RowsCaptured",
        {"chunk_no": 0, "first_line": 1, "last_line": 1, "row_count": 1},
        stream_id=capture_id,
        block=BLOCK,
    )
    (change,) = map_event(env, BLOCK, _info(capture_id))
    assert change == CopyRows(
        "venue_volume", ("capture_id", "week_ending", "tier", *COLUMNS), (capture_id, "2025-11-14", "NMS_TIER_1"), BLOCK
    )


def test_rows_captured_without_a_block_raises() -> None:
    capture_id = uuid.uuid4()
    env = envelope(
        "RowsCaptured", {"chunk_no": 0, "first_line": 1, "last_line": 1, "row_count": 1}, stream_id=capture_id
    )
    with pytest.raises(ValueError, match="carries no rows"):
        map_event(env, None, _info(capture_id))


def test_events_of_unknown_captures_are_ignored() -> None:
    env = envelope("RowsCaptured", {"chunk_no": 0, "first_line": 1, "last_line": 1, "row_count": 1}, block=BLOCK)
    assert map_event(env, BLOCK, _info(uuid.uuid4())) == []


def test_stage_completed_records_the_source_clock_and_fills_the_rollup() -> None:
    capture_id = uuid.uuid4()
    details = {"source_last_update_max": "2025-12-15", "a": 0}
    env = envelope(
        "StageCompleted",
        {"stage": "ingest", "rows_accepted": ANALYZE_MIN_ROWS, "rows_rejected": 0, "details": details},
        stream_id=capture_id,
    )
    assert map_event(env, None, _info(capture_id)) == [
        Op(
            "capture_completed",
            (
                capture_id,
                ANALYZE_MIN_ROWS,
                0,
                '{"a": 0, "source_last_update_max": "2025-12-15"}',
                date(2025, 12, 15),
                AT,
                env.position,
            ),
        ),
        Op("delete:symbol_totals", (capture_id,)),
        Op("rollup:symbol_totals", (capture_id,)),
        Op("analyze:venue_volume", ()),
    ]


@pytest.mark.parametrize(("rows", "analyzed"), [(ANALYZE_MIN_ROWS - 1, False), (ANALYZE_MIN_ROWS, True)])
def test_only_a_large_capture_refreshes_the_planner_statistics(rows: int, analyzed: bool) -> None:
    capture_id = uuid.uuid4()
    env = envelope(
        "StageCompleted",
        {"stage": "ingest", "rows_accepted": rows, "rows_rejected": 0, "details": {}},
        stream_id=capture_id,
    )
    names = [c.name for c in map_event(env, None, _info(capture_id)) if isinstance(c, Op)]
    assert ("analyze:venue_volume" in names) is analyzed
    assert names[:3] == ["capture_completed", "delete:symbol_totals", "rollup:symbol_totals"]


def test_a_table_without_rollup_completes_without_one() -> None:
    capture_id = uuid.uuid4()
    info = CaptureInfo(capture_id, "symbol_summary", ("week_ending",), ("2025-11-14",), ("symbol",))
    env = envelope(
        "StageCompleted",
        {"stage": "aggregate", "rows_accepted": 1, "rows_rejected": 0, "details": {}},
        stream_id=capture_id,
    )
    assert [c.name for c in map_event(env, None, {capture_id: info}) if isinstance(c, Op)] == ["capture_completed"]


def test_capture_abandoned_sets_status_and_deletes_rows() -> None:
    capture_id = uuid.uuid4()
    env = envelope("CaptureAbandoned", {"reason": "bad layout"}, stream_id=capture_id)
    assert map_event(env, None, _info(capture_id)) == [
        Op("capture_abandoned", (capture_id, AT)),
        Op("delete:venue_volume", (capture_id,)),
        Op("delete:symbol_totals", (capture_id,)),
    ]


def test_every_finra_pipeline_has_a_table_that_holds_its_columns() -> None:
    """No pipeline's output goes unpersisted (the original had two such pipelines)."""
    import spine_domains

    finra = [p for p in spine_domains.build_registry().all() if p.name.startswith("finra.otc_transparency.")]
    assert len(finra) >= 2
    for pipeline in finra:
        spec: TableSpec | None = TABLES.get(pipeline.name)
        assert spec is not None, f"{pipeline.name} has no read model"
        assert set(pipeline.row_columns) <= spec.columns, (pipeline.name, set(pipeline.row_columns) - spec.columns)
