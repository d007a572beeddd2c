"""Tier spellings, FINRA's texts and codes, and the tier parameter of the pipeline."""

from __future__ import annotations

import pytest

from spine_core.errors import InvalidParameter, UnknownTier
from spine_domains.finra_otc.pipelines import IngestWeek
from spine_domains.finra_otc.tiers import Tier

SPELLINGS = {
    Tier.NMS_TIER_1: [
        "NMS_TIER_1",
        "NMS Tier 1",
        "nms tier 1",
        "tier1",
        "Tier 1",
        "T1",
        "t1",
        "nms1",
        "NMS-Tier-1",
        " tier_1 ",
    ],
    Tier.NMS_TIER_2: ["NMS_TIER_2", "NMS Tier 2", "tier2", "Tier 2", "T2", "nms2", "nms-tier-2"],
    Tier.OTC: ["OTC", "otc", "OTCE", "otce", " Otc "],
}


@pytest.mark.parametrize(("text", "tier"), [(t, tier) for tier, texts in SPELLINGS.items() for t in texts])
def test_every_documented_spelling_parses(text: str, tier: Tier) -> None:
    assert Tier.parse(text) is tier


@pytest.mark.parametrize("text", ["", "tier 3", "T3", "NMS", "OTC Tier 1", "pink", "1"])
def test_unknown_tier_raises_with_the_accepted_spellings(text: str) -> None:
    with pytest.raises(UnknownTier) as raised:
        Tier.parse(text)
    error = raised.value
    assert error.code == "unknown_tier"
    assert repr(text) in error.message
    assert error.hint is not None
    for spelling in ("NMS_TIER_1", "NMS Tier 1", "T1", "NMS_TIER_2", "OTC", "OTCE"):
        assert spelling in error.hint


def test_parse_accepts_a_tier_and_any_object() -> None:
    assert Tier.parse(Tier.OTC) is Tier.OTC
    with pytest.raises(UnknownTier):
        Tier.parse(None)


def test_str_is_the_canonical_value_used_in_partition_keys() -> None:
    assert [str(t) for t in Tier] == ["NMS_TIER_1", "NMS_TIER_2", "OTC"]
    assert f"{Tier.NMS_TIER_2}" == "NMS_TIER_2"


def test_finra_texts_and_codes() -> None:
    assert [t.description for t in Tier] == ["NMS Tier 1", "NMS Tier 2", "OTC"]
    assert [t.api_code for t in Tier] == ["T1", "T2", "OTCE"]
    # Each description and code parses back to its tier.
    for tier in Tier:
        assert Tier.parse(tier.description) is tier
        assert Tier.parse(tier.api_code) is tier


def test_publication_lag_lands_on_a_monday() -> None:
    assert Tier.NMS_TIER_1.publication_lag_days == 17
    assert Tier.NMS_TIER_2.publication_lag_days == Tier.OTC.publication_lag_days == 31
    assert all(t.publication_lag_days % 7 == 3 for t in Tier)  # Friday + 3 days = Monday


def test_the_pipeline_tier_parameter_uses_tier_parse() -> None:
    params = IngestWeek().parse_params({"week_ending": "2025-11-14", "tier": "otce"})
    assert params["tier"] is Tier.OTC
    with pytest.raises(InvalidParameter) as raised:
        IngestWeek().parse_params({"week_ending": "2025-11-14", "tier": "tier 9"})
    assert "tier" in raised.value.message
    assert raised.value.hint is not None and "NMS_TIER_1" in raised.value.hint
