"""A rebuild holds rollups and ANALYZEs back until its rows are loaded, and still runs each
rollup before any later change to its capture (so it computes what live projection did)."""

from __future__ import annotations

import uuid

from projections.deferred import HeldBack
from projections.ops import CopyRows, Op

A, B = uuid.uuid4(), uuid.uuid4()


def _rows(capture: uuid.UUID) -> CopyRows:
    return CopyRows("venue_volume", ("capture_id", "line_no"), (capture,), b"1\n")


def _completed(capture: uuid.UUID) -> list[Op]:
    return [
        Op("capture_completed", (capture, 1)),
        Op("rollup:symbol_totals", (capture,)),
        Op("analyze:venue_volume", ()),
    ]


def test_rollups_and_analyze_wait_for_the_release_in_order() -> None:
    held = HeldBack()
    out = held.filter([_rows(A), *_completed(A), _rows(B), *_completed(B)])
    assert out == [_rows(A), Op("capture_completed", (A, 1)), _rows(B), Op("capture_completed", (B, 1))]
    assert held.release() == [
        Op("rollup:symbol_totals", (A,)),
        Op("rollup:symbol_totals", (B,)),
        Op("analyze:venue_volume", ()),
    ]
    assert held.release() == []


def test_a_held_rollup_runs_before_a_later_change_to_its_capture() -> None:
    held = HeldBack()
    held.filter([_rows(A), *_completed(A)])
    # More rows for A after its completion: the rollup live projection ran first must run first.
    assert held.filter([_rows(B), _rows(A)]) == [_rows(B), Op("rollup:symbol_totals", (A,)), _rows(A)]
    held.filter(_completed(A))
    abandon = [Op("capture_abandoned", (A, None)), Op("delete:symbol_totals", (A,))]
    assert held.filter(abandon) == [Op("rollup:symbol_totals", (A,)), *abandon]
    assert held.release() == [Op("analyze:venue_volume", ())]
