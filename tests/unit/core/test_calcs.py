"""Calc version safety: v10 > v2, deprecated versions warn, versions are never removed."""

from __future__ import annotations

import pytest

from spine_core.calcs import CalcRegistry, parse_version
from spine_core.errors import InvalidParameter, UnknownCalc


@pytest.fixture
def calcs() -> CalcRegistry:
    registry = CalcRegistry()
    for version in ("v1", "v2", "v10"):
        registry.register("venue_share", version, description=f"venue share {version}")
    registry.register("hhi", "v1", description="concentration")
    return registry


def test_versions_compare_numerically(calcs: CalcRegistry) -> None:
    assert [v.version for v in calcs.versions("venue_share")] == ["v1", "v2", "v10"]
    assert calcs.current("venue_share").version == "v10"
    assert calcs.resolve("venue_share").version == "v10"


def test_registration_order_does_not_matter() -> None:
    registry = CalcRegistry()
    registry.register("c", "v10")
    registry.register("c", "v9")
    assert registry.current("c").version == "v10"


def test_resolve_current_has_no_warning(calcs: CalcRegistry) -> None:
    resolved = calcs.resolve("venue_share")
    assert (resolved.calc, resolved.version, resolved.deprecated, resolved.warning) == (
        "venue_share",
        "v10",
        False,
        None,
    )


def test_deprecating_the_highest_makes_the_next_one_current(calcs: CalcRegistry) -> None:
    calcs.deprecate("venue_share", "v10", "double counts ATS volume")

    assert calcs.current("venue_share").version == "v2"
    resolved = calcs.resolve("venue_share")
    assert (resolved.version, resolved.deprecated, resolved.warning) == ("v2", False, None)


def test_deprecated_version_on_request_is_served_with_a_warning(calcs: CalcRegistry) -> None:
    calcs.deprecate("venue_share", "v1", "rounds shares")

    resolved = calcs.resolve("venue_share", "v1")

    assert resolved.version == "v1" and resolved.deprecated is True
    assert resolved.warning == "venue_share v1 is deprecated: rounds shares; the current version is v10"


def test_deprecated_warning_without_a_note(calcs: CalcRegistry) -> None:
    calcs.deprecate("venue_share", "v2", "")
    assert calcs.resolve("venue_share", "v2").warning == "venue_share v2 is deprecated; the current version is v10"


def test_versions_are_never_removed(calcs: CalcRegistry) -> None:
    calcs.deprecate("venue_share", "v2", "superseded")

    listed = calcs.versions("venue_share")
    assert [v.version for v in listed] == ["v1", "v2", "v10"]
    assert [v.deprecated for v in listed] == [False, True, False]
    assert calcs.get("venue_share", "v2").deprecation_note == "superseded"
    assert calcs.get("venue_share", "v2").description == "venue share v2"


def test_registering_again_is_idempotent_but_a_different_definition_is_refused(calcs: CalcRegistry) -> None:
    again = calcs.register("venue_share", "v2", description="venue share v2")
    assert again is calcs.get("venue_share", "v2")

    with pytest.raises(InvalidParameter, match="already registered differently"):
        calcs.register("venue_share", "v2", description="something else")


def test_every_version_deprecated_means_no_current(calcs: CalcRegistry) -> None:
    calcs.deprecate("hhi", "v1", "wrong")
    with pytest.raises(UnknownCalc, match="no version that is not deprecated"):
        calcs.resolve("hhi")


def test_deprecated_version_is_still_served_on_request_when_all_are_deprecated(calcs: CalcRegistry) -> None:
    calcs.deprecate("hhi", "v1", "wrong")

    resolved = calcs.resolve("hhi", "v1")

    assert resolved.deprecated is True
    assert resolved.warning is not None and "hhi v1 is deprecated" in resolved.warning


def test_unknown_calc_lists_known_calcs(calcs: CalcRegistry) -> None:
    with pytest.raises(UnknownCalc) as raised:
        calcs.resolve("venue_shares")
    assert raised.value.hint == "known calcs: hhi, venue_share"
    assert raised.value.code == "unknown_calc"


def test_unknown_version_lists_known_versions(calcs: CalcRegistry) -> None:
    with pytest.raises(UnknownCalc) as raised:
        calcs.resolve("venue_share", "v3")
    assert "has no version v3" in raised.value.message
    assert raised.value.hint == "known versions: v1, v2, v10"


def test_deprecating_an_unknown_version_fails(calcs: CalcRegistry) -> None:
    with pytest.raises(UnknownCalc):
        calcs.deprecate("venue_share", "v4", "never existed")


@pytest.mark.parametrize("text", ["2", "version2", "v", "v1.5", "V2", "v-1"])
def test_bad_version_format_is_refused(text: str) -> None:
    with pytest.raises(InvalidParameter, match="not of the form v<number>"):
        parse_version(text)


def test_parse_version_is_numeric() -> None:
    assert parse_version(" v10 ") == 10
    assert parse_version("v02") == 2


def test_leading_zero_registers_the_canonical_name() -> None:
    registry = CalcRegistry()
    entry = registry.register("c", "v02")
    assert entry.version == "v2"
    assert registry.resolve("c", "v2").version == "v2"


def test_empty_registry_names_no_calcs() -> None:
    with pytest.raises(UnknownCalc) as raised:
        CalcRegistry().current("anything")
    assert raised.value.hint == "known calcs: none registered"
