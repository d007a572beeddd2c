"""Typed parameters: text from the CLI and JSON from the API become declared types, or fail naming the parameter."""

from __future__ import annotations

from datetime import date

import pytest

from spine_core.errors import InvalidParameter
from spine_core.framework.params import ParamSpec, parse_bool, parse_int, parse_key_values, parse_params
from spine_core.temporal import WeekEnding

SPECS = (
    ParamSpec.week_ending(required=True, help="the Friday closing the week"),
    ParamSpec.integer("window_weeks", default=6, minimum=1),
    ParamSpec.boolean("force"),
    ParamSpec.text("tier"),
    ParamSpec.day("as_of"),
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("true", True),
        ("YES", True),
        (" on ", True),
        ("1", True),
        (1, True),
        ("false", False),
        ("No", False),
        ("0", False),
        (0, False),
        (False, False),
    ],
)
def test_parse_bool(raw: object, expected: bool) -> None:
    assert parse_bool(raw) is expected


@pytest.mark.parametrize("raw", ["maybe", "", 2, "tru"])
def test_parse_bool_refuses_anything_else(raw: object) -> None:
    with pytest.raises(ValueError, match="true or false"):
        parse_bool(raw)


@pytest.mark.parametrize(("raw", "expected"), [("4", 4), (" -3 ", -3), ("1_000", 1000), (7, 7)])
def test_parse_int(raw: object, expected: int) -> None:
    assert parse_int(raw) == expected


@pytest.mark.parametrize("raw", ["4.5", "four", True, 4.5])
def test_parse_int_refuses_non_integers(raw: object) -> None:
    with pytest.raises(ValueError):
        parse_int(raw)


def test_parse_params_types_every_value() -> None:
    parsed = parse_params(
        SPECS,
        {
            "week_ending": "2025-11-14",
            "window_weeks": "4",
            "force": "true",
            "tier": " NMS_TIER_1 ",
            "as_of": "2025-11-20",
        },
    )

    assert parsed == {
        "week_ending": WeekEnding(date(2025, 11, 14)),
        "window_weeks": 4,
        "force": True,
        "tier": "NMS_TIER_1",
        "as_of": date(2025, 11, 20),
    }


def test_defaults_fill_missing_and_blank_optional_params() -> None:
    parsed = parse_params(SPECS, {"week_ending": "2025-11-14", "tier": "  "})
    assert parsed["window_weeks"] == 6
    assert parsed["force"] is False
    assert parsed["tier"] is None
    assert parsed["as_of"] is None


def test_falsy_values_are_values_not_missing() -> None:
    specs = (ParamSpec.integer("n", default=9), ParamSpec.boolean("flag", default=True))
    assert parse_params(specs, {"n": 0, "flag": False}) == {"n": 0, "flag": False}


def test_unknown_parameter_lists_the_known_ones() -> None:
    with pytest.raises(InvalidParameter) as raised:
        parse_params(SPECS, {"week_ending": "2025-11-14", "windows": "4", "colour": "red"})
    assert raised.value.message == "unknown parameters: colour, windows"
    assert raised.value.hint == "this pipeline takes: as_of, force, tier, week_ending, window_weeks"


def test_missing_required_parameter_is_named() -> None:
    with pytest.raises(InvalidParameter) as raised:
        parse_params(SPECS, {"force": "true"})
    assert "missing required parameter 'week_ending'" in raised.value.message
    assert raised.value.details == {"parameter": "week_ending"}
    assert raised.value.hint == "the Friday closing the week"


def test_bad_value_names_parameter_type_and_value() -> None:
    with pytest.raises(InvalidParameter) as raised:
        parse_params(SPECS, {"week_ending": "2025-11-14", "window_weeks": "four"})
    assert "'window_weeks'" in raised.value.message
    assert "int" in raised.value.message and "'four'" in raised.value.message
    assert raised.value.details == {"parameter": "window_weeks"}


def test_bad_date_is_refused() -> None:
    with pytest.raises(InvalidParameter, match=r"'as_of'.*YYYY-MM-DD"):
        parse_params(SPECS, {"week_ending": "2025-11-14", "as_of": "20/11/2025"})


def test_week_ending_error_keeps_the_nearest_friday_hint() -> None:
    with pytest.raises(InvalidParameter) as raised:
        parse_params(SPECS, {"week_ending": "2025-11-13"})
    assert raised.value.message.startswith("parameter 'week_ending': ")
    assert raised.value.hint == "the nearest Friday is 2025-11-14"
    assert raised.value.details == {"parameter": "week_ending"}


def test_minimum_is_enforced() -> None:
    with pytest.raises(InvalidParameter, match="'window_weeks' must be at least 1, got 0"):
        parse_params(SPECS, {"week_ending": "2025-11-14", "window_weeks": "0"})


def test_custom_spec_uses_its_parser() -> None:
    spec = ParamSpec.custom("tier", "tier name", lambda v: str(v).upper(), required=True)
    assert parse_params((spec,), {"tier": "otc"}) == {"tier": "OTC"}


def test_parse_key_values() -> None:
    assert parse_key_values(["a=1", " b = x=y ", "c="]) == {"a": "1", "b": "x=y", "c": ""}


@pytest.mark.parametrize("pair", ["novalue", "=3", " =3"])
def test_parse_key_values_refuses_malformed_pairs(pair: str) -> None:
    with pytest.raises(InvalidParameter, match="is not of the form key=value") as raised:
        parse_key_values([pair])
    assert raised.value.hint is not None and "window_weeks=4" in raised.value.hint
