"""The benchmark suite's bookkeeping: ratios to the bound, targets met or not, the table, which
measurements run. No measurement runs here and no time is asserted."""

from __future__ import annotations

import argparse

import pytest

from benchmarks.__main__ import NAMES, _names, plan
from benchmarks.figures import Figure, Target, failed, format_table
from benchmarks.session import QUICK, Sizes, add_size_args, sizes_from


def test_ratio_of_a_time_is_measured_over_bound_and_of_a_rate_bound_over_measured() -> None:
    time = Figure("t", "a time", 6.0, "s", bound=2.0)
    rate = Figure("r", "a rate", 250_000.0, "rows/s", bound=1_000_000.0, higher_is_better=True)
    assert time.ratio == pytest.approx(3.0)
    assert rate.ratio == pytest.approx(4.0)
    assert Figure("n", "no bound", 1.0, "s").ratio is None


@pytest.mark.parametrize(
    ("figure", "met"),
    [
        (Figure("a", "a", 7.9, "s", Target("<=", 8.0)), True),
        (Figure("a", "a", 8.1, "s", Target("<=", 8.0)), False),
        (Figure("a", "a", 60.0, "s", Target("<", 60.0)), False),
        (Figure("a", "a", 1_200.0, "cmd/s", Target(">=", 1_000.0)), True),
        (Figure("a", "a", 2.0, "s", Target("<=", 3.0, on="ratio"), bound=0.5), False),  # 4x the bound
        (Figure("a", "a", 1.0, "s", Target("<=", 3.0, on="ratio"), bound=0.5), True),
        (Figure("a", "a", 1.0, "s", Target("<=", 3.0, on="ratio")), None),  # no bound measured
        (Figure("a", "a", 1.0, "s"), None),  # reported only
        (Figure("a", "a", None, "s", Target("<=", 8.0), error="boom"), None),
    ],
)
def test_a_target_is_met_on_the_value_or_on_the_ratio(figure: Figure, met: bool | None) -> None:
    assert figure.met is met


def test_the_table_has_a_line_per_figure_and_shows_errors() -> None:
    figures = [
        Figure("t", "through all", 7.5, "s", Target("<=", 8.0), 1.0, "plain COPY"),
        Figure("d", "disk, WAL", 50.3, "MB"),
        *failed([("x", "replay"), ("y", "replay, again")], RuntimeError("no database\nsecond line")).figures,
    ]
    table = format_table(figures).splitlines()
    assert table[0].split(" | ")[0].strip() == "figure"
    body = table[2:-1]
    assert len(body) == 4
    assert "7.50 s" in body[0] and "<= 8 s" in body[0] and "7.50x" in body[0] and body[0].endswith("yes")
    assert "(reported)" in body[1]
    assert "ERROR RuntimeError: no database" in body[2] and "second line" not in body[2]
    assert body[3].endswith("error")
    assert all(f.as_dict()["error"] for f in figures[2:])


def test_lanes_and_backfill_share_one_backfill_and_keep_the_suite_order() -> None:
    steps = [name for name, _, _ in plan([], [])]
    assert steps == ["through_all", "venue_share", "ingest", "replay", "lanes+backfill", "commands"]
    assert [name for name, _, _ in plan(["backfill"], [])] == ["backfill"]
    assert [name for name, _, _ in plan([], ["lanes", "commands"])][-1] == "backfill"
    assert plan(["replay"], ["replay"]) == []


def test_unknown_measurement_names_are_refused() -> None:
    assert _names("replay, ingest") == ["replay", "ingest"]
    assert set(NAMES) >= {"through_all", "backfill", "lanes", "commands"}
    with pytest.raises(SystemExit, match="unknown measurement"):
        _names("replay,nope")


def test_quick_sizes_and_flags_override_the_defaults() -> None:
    parser = argparse.ArgumentParser()
    add_size_args(parser)
    assert sizes_from(parser.parse_args([])) == Sizes()
    assert sizes_from(parser.parse_args(["--quick"])) == QUICK
    sizes = sizes_from(parser.parse_args(["--quick", "--rows", "5000", "--year-rows-scale", "0.5"]))
    assert (sizes.rows, sizes.year_rows_scale, sizes.year_weeks) == (5000, 0.5, QUICK.year_weeks)
