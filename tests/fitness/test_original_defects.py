"""Each defect of the original project (DOMAIN.md) has a test showing Spine does not have it."""

from __future__ import annotations

import pytest

from tests.fitness.conftest import FIXTURE_WEEKS, REAL_WEEKS, Populated
from tests.fitness.helpers import api

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_query_weeks_is_not_empty_after_an_ingest(populated: Populated) -> None:
    """Original: queries read a table no pipeline writes, so `query weeks` was empty."""
    weeks = {(w["week_ending"], w["tier"]) for w in api(populated, "/v1/data/weeks")["data"]}
    assert {(w, "OTC") for w in REAL_WEEKS} <= weeks
    assert {(w, "NMS_TIER_1") for w in FIXTURE_WEEKS} <= weeks


def test_symbols_endpoint_answers(populated: Populated) -> None:
    """Original: a missing column made /v1/data/symbols fail."""
    body = api(populated, "/v1/data/symbols", week_ending=sorted(REAL_WEEKS)[0], tier="OTC", limit=5)
    assert len(body["data"]) == 5 and {"symbol", "total_shares", "venues"} <= set(body["data"][0])


def test_rolling_survives_short_history_and_honours_its_window(populated: Populated) -> None:
    """Original: rolling crashed on short history and ignored its window parameter."""
    week = FIXTURE_WEEKS[2]  # only two prior weeks exist
    result = populated.run(
        "finra.otc_transparency.compute_rolling", {"week_ending": week, "tier": "NMS_TIER_1", "window": 5}
    )
    assert result["status"] == "completed"
    rows = api(populated, "/v1/data/rolling", week_ending=week, tier="NMS_TIER_1", window=5, limit=10)["data"]
    assert rows and all(r["window"] == 5 and r["weeks_present"] == 3 and not r["complete"] for r in rows)


def test_rejected_rows_do_not_crash_normalize(populated: Populated) -> None:
    """Original: rejected rows crashed normalize."""
    text = (
        "WeekEnding|Tier|Symbol|MPID|TotalShares|TotalTrades\n"
        "2025-10-03|NMS Tier 1|AAA|XXXX|100|2\n"
        "2025-10-03|NMS Tier 1|BBB|XXXX|-5|2\n"
        "2025-10-03,NMS Tier 1,CCC,XXXX,7,1\n"
        "2025-10-03|NMS Tier 1|DDD|YYYY|50|1\n"
    )
    path = populated.settings.data_dir / "with_rejects.psv"
    path.write_text(text)
    result = populated.run(
        "finra.otc_transparency.ingest_week",
        {"week_ending": "2025-10-03", "tier": "NMS_TIER_1"},
        path,
        through="normalize",
    )
    assert result["rows_rejected"] == 2
    normalize = next(s for s in result["stages"] if s["pipeline"].endswith("normalize_week"))
    assert normalize["status"] == "completed" and normalize["rows"] == 2


def test_the_domain_name_is_spelled_one_way() -> None:
    """Original: the domain name was spelled two ways."""
    import spine_domains

    finra = [p for p in spine_domains.build_registry().all() if "finra" in p.name or "finra" in p.domain]
    assert len(finra) >= 10
    assert {p.domain for p in finra} == {"finra.otc_transparency"}
    assert all(p.name.startswith("finra.otc_transparency.") for p in finra)


def test_cli_parameters_arrive_typed(populated: Populated) -> None:
    """Original: `-p key=value` values stayed strings, so int and bool parameters failed."""
    import spine_domains
    from services.cli.commands.run import build_params

    registry = spine_domains.build_registry()
    params, _ = build_params(
        registry,
        "finra.otc_transparency.compute_rolling",
        "2026-01-02",
        "NMS_TIER_1",
        ["window=3", "force=true"],
        False,
    )
    parsed = registry.get("finra.otc_transparency.compute_rolling").parse_params(params)
    assert parsed["window"] == 3 and parsed["force"] is True
    result = populated.run("finra.otc_transparency.compute_rolling", params)
    assert result["status"] == "completed"
    rows = api(populated, "/v1/data/rolling", week_ending="2026-01-02", tier="NMS_TIER_1", window=3, limit=5)["data"]
    assert rows and rows[0]["window"] == 3


def test_every_stage_persists_its_output(populated: Populated) -> None:
    """Original: two pipelines never persisted their output. Here every stage of the weekly
    workflow has a complete capture with rows in its read model."""
    manifest = api(populated, "/v1/manifest", week_ending=sorted(REAL_WEEKS)[1], tier="OTC")
    assert manifest["meta"]["stages_missing"] == []
    assert len({r["pipeline"] for r in manifest["data"]}) == 10
    assert all(r["rows_accepted"] > 0 for r in manifest["data"] if not r["pipeline"].endswith("compute_ats_share"))


def test_the_week_is_not_the_friday_before_the_publication_date(populated: Populated) -> None:
    """Original: the week was taken as the Friday before lastUpdateDate (a publication date)."""
    run = populated.runs[f"real {sorted(REAL_WEEKS)[0]}"]
    assert run["partition_key"] == "week_ending=2025-11-14/tier=OTC"  # not 2025-12-12
