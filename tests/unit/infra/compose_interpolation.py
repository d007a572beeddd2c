"""Variable interpolation as the Compose Specification defines it, for validating compose.yaml.

Compose substitutes variables in every value (never in keys) before it validates the file against
its schema, so the schema sees ``SPINE_NATS_PASSWORD: s3cret``, not ``${SPINE_NATS_PASSWORD:?...}``.
Supported: ``$VAR``, ``${VAR}``, ``${VAR:-default}`` / ``${VAR-default}`` (unset or empty / unset),
``${VAR:?error}`` / ``${VAR?error}`` (required), ``${VAR:+other}`` / ``${VAR+other}`` and ``$$`` for
a literal ``$``. Nested expressions in a default are not (compose.yaml does not use them).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["MissingVariable", "interpolate", "required_variables"]

_NAME = r"[_a-zA-Z][_a-zA-Z0-9]*"
_PATTERN = re.compile(
    rf"\$(?:(?P<escaped>\$)|(?P<named>{_NAME})|\{{(?P<braced>{_NAME})(?:(?P<op>:?[-?+])(?P<arg>[^}}]*))?\}}|(?P<invalid>))"
)


class MissingVariable(ValueError):
    """A required variable (``${VAR:?message}``) is unset, or empty where ``:?`` says it may not be."""


def _substitute(text: str, env: Mapping[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        if match["escaped"]:
            return "$"
        if match["named"]:
            return env.get(match["named"], "")
        if match["invalid"] is not None and match["braced"] is None:
            raise ValueError(f"invalid interpolation format in {text!r}")
        name, op, arg = match["braced"], match["op"] or "", match["arg"] or ""
        value = env.get(name)
        present = value is not None and (value != "" or not op.startswith(":"))
        if op.endswith("-"):
            return value if present and value is not None else arg
        if op.endswith("?"):
            if not present:
                raise MissingVariable(f"{name}: {arg}")
            return value or ""
        if op.endswith("+"):
            return arg if present else ""
        return value or ""

    return _PATTERN.sub(replace, text)


def interpolate(node: Any, env: Mapping[str, str]) -> Any:
    """``node`` (a loaded YAML document) with every string value interpolated from ``env``."""
    if isinstance(node, str):
        return _substitute(node, env)
    if isinstance(node, dict):
        return {key: interpolate(value, env) for key, value in node.items()}
    if isinstance(node, list):
        return [interpolate(item, env) for item in node]
    return node


def required_variables(text: str) -> set[str]:
    """The variables of ``text`` that Compose refuses to start without (``${VAR:?...}``, ``${VAR?...}``)."""
    return {match["braced"] for match in _PATTERN.finditer(text) if match["braced"] and "?" in (match["op"] or "")}
