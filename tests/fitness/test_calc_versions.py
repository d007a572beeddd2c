"""Calc version safety through the API: the current version by default, a deprecated version only
on request and always with a warning, unknown calcs and versions a clear error."""

from __future__ import annotations

import pytest

from services.cli.client import ApiError
from spine_domains.finra_otc.calcs import CALCS
from tests.fitness.conftest import Populated
from tests.fitness.helpers import api

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

WEEK, TIER = "2025-11-21", "OTC"


def test_registry_contracts_of_the_domain_calcs() -> None:
    for calc in CALCS.calcs():
        current = CALCS.current(calc)
        assert not current.deprecated and current in CALCS.versions(calc)
    assert CALCS.current("venue_share").version == "v2"
    assert CALCS.get("venue_share", "v1").deprecated


def test_default_serves_the_current_version_without_warning(populated: Populated) -> None:
    body = api(populated, "/v1/data/venue-shares", week_ending=WEEK, tier=TIER)
    assert body["meta"]["calc"] == {"name": "venue_share", "version": "v2"}
    assert "warning" not in body["meta"]


def test_a_deprecated_version_is_served_only_on_request_and_with_a_warning(populated: Populated) -> None:
    # Not computed yet: asking for it says how to compute it.
    with pytest.raises(ApiError) as missing:
        api(populated, "/v1/data/venue-shares", week_ending=WEEK, tier=TIER, calc_version="v1")
    assert missing.value.status == 404 and "calc_version=v1" in (missing.value.hint or "")

    result = populated.run(
        "finra.otc_transparency.compute_venue_share", {"week_ending": WEEK, "tier": TIER, "calc_version": "v1"}
    )
    assert result["status"] == "completed"
    body = api(populated, "/v1/data/venue-shares", week_ending=WEEK, tier=TIER, calc_version="v1")
    assert body["meta"]["calc"]["version"] == "v1"
    assert "deprecated" in body["meta"]["warning"] and "v2" in body["meta"]["warning"]
    # The default still serves v2: computing v1 did not replace the current version's results.
    assert api(populated, "/v1/data/venue-shares", week_ending=WEEK, tier=TIER)["meta"]["calc"]["version"] == "v2"


def test_unknown_version_and_unknown_calc_are_clear_errors(populated: Populated) -> None:
    with pytest.raises(ApiError) as unknown:
        api(populated, "/v1/data/venue-shares", week_ending=WEEK, tier=TIER, calc_version="v9")
    assert unknown.value.status == 404 and "v1" in (unknown.value.hint or "") and "v2" in (unknown.value.hint or "")
    with pytest.raises(ApiError) as malformed:
        api(populated, "/v1/data/venue-shares", week_ending=WEEK, tier=TIER, calc_version="latest")
    assert malformed.value.status == 400
    listed = {c["calc"]: c for c in api(populated, "/v1/calcs")["data"]}
    assert [v["version"] for v in listed["venue_share"]["versions"]] == ["v1", "v2"]
    assert listed["venue_share"]["versions"][0]["deprecated"] is True
