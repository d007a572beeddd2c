"""The calc registry, the registered pipelines and the weekly refresh workflow."""

from __future__ import annotations

import pytest

import spine_domains
from spine_core.errors import InvalidParameter, UnknownCalc
from spine_domains.finra_otc.calcs import CALCS, VENUE_SHARE_V1_NOTE
from spine_domains.finra_otc.derived.pipelines import DERIVED_PIPELINES
from spine_domains.finra_otc.pipelines import IngestWeek
from spine_domains.finra_otc.workflow import WEEKLY_REFRESH

P = "finra.otc_transparency."
EVERY_PIPELINE = {
    P + "ingest_week",
    P + "normalize_week",
    P + "aggregate_week",
    P + "compute_venue_share",
    P + "compute_symbol_concentration",
    P + "compute_tier_share",
    P + "compute_ats_share",
    P + "compute_week_over_week",
    P + "compute_rolling",
    P + "compute_volume_per_day",
}


def test_calc_versions() -> None:
    assert CALCS.calcs() == sorted(
        [
            "ats_share",
            "rolling",
            "symbol_concentration",
            "symbol_summary",
            "tier_volume_share",
            "venue_share",
            "volume_per_trading_day",
            "week_over_week",
        ]
    )
    assert [v.version for v in CALCS.versions("venue_share")] == ["v1", "v2"]
    assert CALCS.current("venue_share").version == "v2"
    v1 = CALCS.get("venue_share", "v1")
    assert v1.deprecated and v1.deprecation_note == VENUE_SHARE_V1_NOTE
    resolved = CALCS.resolve("venue_share", "v1")
    assert resolved.deprecated and resolved.warning is not None and "the current version is v2" in resolved.warning
    for calc in CALCS.calcs():
        if calc != "venue_share":
            assert [v.version for v in CALCS.versions(calc)] == ["v1"]
            assert not CALCS.current(calc).deprecated
    with pytest.raises(UnknownCalc):
        CALCS.resolve("venue_share", "v3")


def test_every_calc_pipeline_names_a_registered_calc_and_every_calc_has_a_pipeline() -> None:
    calc_pipelines = [p for p in DERIVED_PIPELINES if p.calc is not None]
    assert sorted(p.calc for p in calc_pipelines) == CALCS.calcs()  # type: ignore[type-var]
    for pipeline in calc_pipelines:
        assert pipeline.calc_registry is CALCS
        assert pipeline().partition_names()[-1] == "calc_version"


def test_build_registry_registers_the_pipelines_and_the_workflow() -> None:
    registry = spine_domains.build_registry()
    assert set(registry.names()) >= EVERY_PIPELINE
    for cls in DERIVED_PIPELINES:
        assert isinstance(registry.get(cls.name), cls)
        assert cls.domain == "finra.otc_transparency"
    assert registry.workflow_of(P + "compute_rolling") is WEEKLY_REFRESH
    assert WEEKLY_REFRESH.name in [w.name for w in registry.workflows()]
    assert isinstance(registry.get(WEEKLY_REFRESH.root), IngestWeek)


def test_workflow_shape() -> None:
    assert WEEKLY_REFRESH.name == "finra.otc_transparency.weekly_refresh"
    assert WEEKLY_REFRESH.root == P + "ingest_week"
    assert WEEKLY_REFRESH.edges[P + "ingest_week"] == (P + "normalize_week",)
    assert set(WEEKLY_REFRESH.edges[P + "normalize_week"]) == {
        P + "aggregate_week",
        P + "compute_venue_share",
        P + "compute_symbol_concentration",
        P + "compute_tier_share",
        P + "compute_ats_share",
    }
    assert set(WEEKLY_REFRESH.edges[P + "aggregate_week"]) == {
        P + "compute_week_over_week",
        P + "compute_rolling",
        P + "compute_volume_per_day",
    }
    for cls in DERIVED_PIPELINES:
        assert WEEKLY_REFRESH.stage_names[cls.name] == cls.stage


def test_workflow_scope() -> None:
    assert WEEKLY_REFRESH.scope("venue_share") == {P + "ingest_week", P + "normalize_week", P + "compute_venue_share"}
    assert WEEKLY_REFRESH.scope("rolling") == {
        P + "ingest_week",
        P + "normalize_week",
        P + "aggregate_week",
        P + "compute_rolling",
    }
    # "all": the ingest and the nine derived pipelines
    assert WEEKLY_REFRESH.scope("all") == EVERY_PIPELINE
    assert len(EVERY_PIPELINE) == 1 + len(DERIVED_PIPELINES) == 10
    assert WEEKLY_REFRESH.scope(WEEKLY_REFRESH.name) == EVERY_PIPELINE
    assert WEEKLY_REFRESH.next_after(P + "normalize_week", "venue_share") == (P + "compute_venue_share",)
    with pytest.raises(InvalidParameter) as raised:
        WEEKLY_REFRESH.scope("venue_shares")
    assert raised.value.hint is not None and "venue_share" in raised.value.hint
