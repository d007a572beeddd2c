"""Typed pipeline parameters.

Parameters arrive as text from the CLI (``-p window_weeks=4``) or as JSON values from the API;
each :class:`ParamSpec` turns them into the declared type (``force=true`` becomes ``True``,
``window_weeks=4`` becomes ``4``) or raises :class:`InvalidParameter` naming the parameter.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from spine_core.errors import InvalidParameter, SpineError
from spine_core.temporal import WeekEnding

__all__ = ["ParamSpec", "parse_params", "parse_bool", "parse_int", "parse_key_values"]

_TRUE = {"true", "t", "yes", "y", "1", "on"}
_FALSE = {"false", "f", "no", "n", "0", "off"}


def parse_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError("expected true or false")


def parse_int(value: object) -> int:
    if isinstance(value, bool):
        raise ValueError("expected an integer")
    if isinstance(value, int):
        return value
    text = str(value).strip().replace("_", "")
    try:
        return int(text)
    except ValueError:
        raise ValueError("expected an integer") from None


def _parse_str(value: object) -> str:
    text = str(value).strip()
    if not text:
        raise ValueError("expected a non-empty value")
    return text


def _parse_date(value: object) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError("expected a date YYYY-MM-DD") from None


@dataclass(frozen=True, slots=True)
class ParamSpec:
    name: str
    type_name: str
    parser: Callable[[Any], Any]
    required: bool = False
    default: Any = None
    help: str = ""
    minimum: int | None = None

    @classmethod
    def integer(
        cls,
        name: str,
        *,
        default: int | None = None,
        required: bool = False,
        minimum: int | None = None,
        help: str = "",
    ) -> ParamSpec:
        return cls(name, "int", parse_int, required, default, help, minimum)

    @classmethod
    def boolean(cls, name: str, *, default: bool = False, help: str = "") -> ParamSpec:
        return cls(name, "bool", parse_bool, False, default, help)

    @classmethod
    def text(cls, name: str, *, default: str | None = None, required: bool = False, help: str = "") -> ParamSpec:
        return cls(name, "str", _parse_str, required, default, help)

    @classmethod
    def day(cls, name: str, *, required: bool = False, help: str = "") -> ParamSpec:
        return cls(name, "date", _parse_date, required, None, help)

    @classmethod
    def week_ending(cls, name: str = "week_ending", *, required: bool = False, help: str = "") -> ParamSpec:
        return cls(name, "week_ending (a Friday, YYYY-MM-DD)", WeekEnding.parse, required, None, help)

    @classmethod
    def custom(
        cls,
        name: str,
        type_name: str,
        parser: Callable[[Any], Any],
        *,
        required: bool = False,
        default: Any = None,
        help: str = "",
    ) -> ParamSpec:
        return cls(name, type_name, parser, required, default, help)

    def parse(self, value: object) -> Any:
        try:
            parsed = self.parser(value)
        except SpineError as exc:
            raise InvalidParameter(
                f"parameter '{self.name}': {exc.message}", hint=exc.hint, details={"parameter": self.name}
            ) from None
        except (ValueError, TypeError) as exc:
            raise InvalidParameter(
                f"parameter '{self.name}' must be {self.type_name}, got {value!r} ({exc})",
                details={"parameter": self.name},
            ) from None
        if self.minimum is not None and parsed < self.minimum:
            raise InvalidParameter(
                f"parameter '{self.name}' must be at least {self.minimum}, got {parsed}",
                details={"parameter": self.name},
            )
        return parsed


def parse_params(specs: tuple[ParamSpec, ...], raw: Mapping[str, object]) -> dict[str, Any]:
    """Parse raw values against the specs: unknown names, missing required ones and bad values fail."""
    by_name = {spec.name: spec for spec in specs}
    unknown = sorted(set(raw) - set(by_name))
    if unknown:
        known = ", ".join(sorted(by_name)) or "none"
        raise InvalidParameter(
            f"unknown parameter{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}",
            hint=f"this pipeline takes: {known}",
        )
    out: dict[str, Any] = {}
    for spec in specs:
        value = raw.get(spec.name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if spec.required:
                raise InvalidParameter(
                    f"missing required parameter '{spec.name}' ({spec.type_name})",
                    hint=spec.help or None,
                    details={"parameter": spec.name},
                )
            out[spec.name] = spec.default
        else:
            out[spec.name] = spec.parse(value)
    return out


def parse_key_values(pairs: list[str] | tuple[str, ...]) -> dict[str, str]:
    """``["a=1", "b=x"]`` -> ``{"a": "1", "b": "x"}``; values stay text until a spec types them."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InvalidParameter(f"parameter {pair!r} is not of the form key=value", hint="e.g. -p window_weeks=4")
        out[key.strip()] = value.strip()
    return out
