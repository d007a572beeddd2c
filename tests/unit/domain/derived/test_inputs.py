"""Input lookup, column access, direct calls and the calc version a run serves."""

from __future__ import annotations

import uuid

import pytest

from spine_core.errors import MissingData, SpineError
from spine_core.framework.pipeline import PipelineInputs, StageSummary
from spine_domains.finra_otc.calcs import CALCS
from spine_domains.finra_otc.derived.base import DerivedPipeline
from spine_domains.finra_otc.derived.inputs import InputSpec, column_getter, find_inputs, run_command
from spine_domains.finra_otc.derived.normalize import NormalizeWeek
from spine_domains.finra_otc.derived.pipelines import DERIVED_PIPELINES
from spine_domains.finra_otc.derived.symbol_summary import AggregateWeek
from spine_domains.finra_otc.derived.venue_share import ComputeVenueShare
from tests.unit.domain.derived.support import FakeReader, ats, load_week, run

WEEK = "2025-11-14"


def test_run_command() -> None:
    assert run_command("p") == "spine run p"
    assert run_command("p", params={"window": 4}, file="<f>") == "spine run p -p window=4 --file <f>"


def test_find_inputs_collects_every_missing_required_input() -> None:
    reader = FakeReader()
    present = reader.add("x", {"k": "1"}, ("a", "b"), [(1, 2)])
    specs = [
        InputSpec("there", "x", {"k": "1"}, "make x 1"),
        InputSpec("optional", "x", {"k": "2"}, "make x 2", required=False),
        InputSpec("first", "y", {"k": "1"}, "make y"),
        InputSpec("second", "z", {"k": "1"}, "make z"),
    ]
    with pytest.raises(MissingData) as raised:
        find_inputs(reader, specs)
    assert raised.value.message == "missing input: no capture of y for k=1; no capture of z for k=1"
    assert raised.value.hint == "make y && make z"
    assert find_inputs(reader, specs[:2]) == {"there": present}


def test_column_getter_by_name_with_optional_columns() -> None:
    reader = FakeReader()
    ref = reader.add("x", {}, ("a", "b", "c"), [])
    assert column_getter(ref, ("c", "a"))(("1", "2", "3")) == ("3", "1")
    assert column_getter(ref, ("c", "d"), optional=("d",))(("1", "2", "3")) == ("3", None)
    with pytest.raises(MissingData) as raised:
        column_getter(ref, ("a", "d"))
    assert "no column d" in raised.value.message


def test_a_normalized_capture_with_other_columns_is_refused_with_the_fix() -> None:
    reader = FakeReader()
    reader.add(NormalizeWeek.name, {"week_ending": WEEK, "tier": "OTC"}, ("symbol", "venue_id"), [("A", "X")])
    with pytest.raises(MissingData) as raised:
        run(AggregateWeek(), reader, week_ending=WEEK, tier="OTC")
    assert raised.value.hint == (
        "spine run finra.otc_transparency.normalize_week --week-ending 2025-11-14 --tier OTC --force"
    )


def test_direct_call_resolves_inputs_and_the_current_version() -> None:
    # Without the framework: no calc_version resolved, no captures handed over.
    reader = FakeReader()
    reader.add_ingest(WEEK, "OTC", [ats(2, "A", "X", 1)])
    run(NormalizeWeek(), reader, week_ending=WEEK, tier="OTC")
    pipeline = ComputeVenueShare()
    params = pipeline.parse_params({"week_ending": WEEK, "tier": "OTC"})
    assert params["calc_version"] is None
    outputs = list(pipeline.run(params, PipelineInputs(reader=reader)))
    summary = outputs[-1]
    assert isinstance(summary, StageSummary) and summary.details["calc"]["version"] == "v2"


def test_a_reader_is_required() -> None:
    pipeline = NormalizeWeek()
    params = pipeline.parse_params({"week_ending": WEEK, "tier": "OTC"})
    with pytest.raises(SpineError):
        list(pipeline.run(params, PipelineInputs()))


@pytest.mark.parametrize("cls", [c for c in DERIVED_PIPELINES if c.calc is not None], ids=lambda c: c.stage)
def test_every_registered_version_runs(cls: type[DerivedPipeline]) -> None:
    assert cls.calc is not None
    reader = FakeReader()
    reader.add_calendar(2025, [])
    for week in ("2025-11-07", WEEK):
        load_week(reader, week, "OTC", {"A": 10, "B": 5})
    for version in CALCS.versions(cls.calc):
        result = run(cls(), reader, week_ending=WEEK, tier="OTC", calc_version=version.version)
        assert result.summary["calc"]["version"] == version.version
        assert result.capture is not None and result.capture.partition["calc_version"] == version.version


def test_inputs_are_named_by_capture_id() -> None:
    reader = FakeReader()
    result = load_week(reader, WEEK, "OTC", {"A": 1})
    [(role, capture_id)] = result.summary["inputs"].items()
    assert role == "normalized" and uuid.UUID(capture_id)
    assert result.summary["input_rows"] == {"normalized": 1}
