"""Calculation version registry.

Each calculation has numbered versions (``v1``, ``v2``, ... ``v10``), compared numerically.
The current version is the highest one not deprecated. Deprecated versions stay listed and are
served only when asked for, always with a warning. Versions are never removed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from spine_core.errors import InvalidParameter, UnknownCalc

__all__ = ["CalcVersion", "ResolvedCalc", "CalcRegistry", "parse_version"]

_VERSION = re.compile(r"^v(\d+)$")


def parse_version(version: str) -> int:
    match = _VERSION.match(version.strip())
    if not match:
        raise InvalidParameter(f"calc version {version!r} is not of the form v<number>", hint="e.g. v1, v2, v10")
    return int(match.group(1))


@dataclass(frozen=True, slots=True)
class CalcVersion:
    calc: str
    version: str
    number: int
    description: str = ""
    deprecated: bool = False
    deprecation_note: str = ""


@dataclass(frozen=True, slots=True)
class ResolvedCalc:
    calc: str
    version: str
    deprecated: bool
    warning: str | None


class CalcRegistry:
    def __init__(self) -> None:
        self._calcs: dict[str, dict[int, CalcVersion]] = {}

    def register(self, calc: str, version: str, *, description: str = "") -> CalcVersion:
        number = parse_version(version)
        versions = self._calcs.setdefault(calc, {})
        if number in versions:
            existing = versions[number]
            if existing.description != description:
                raise InvalidParameter(f"calc {calc} {version} is already registered differently")
            return existing
        entry = CalcVersion(calc=calc, version=f"v{number}", number=number, description=description)
        versions[number] = entry
        return entry

    def deprecate(self, calc: str, version: str, note: str) -> None:
        entry = self.get(calc, version)
        self._calcs[calc][entry.number] = CalcVersion(
            calc=calc,
            version=entry.version,
            number=entry.number,
            description=entry.description,
            deprecated=True,
            deprecation_note=note,
        )

    def calcs(self) -> list[str]:
        return sorted(self._calcs)

    def versions(self, calc: str) -> list[CalcVersion]:
        return [self._entries(calc)[n] for n in sorted(self._entries(calc))]

    def get(self, calc: str, version: str) -> CalcVersion:
        number = parse_version(version)
        entries = self._entries(calc)
        if number not in entries:
            known = ", ".join(v.version for v in self.versions(calc))
            raise UnknownCalc(f"calc {calc} has no version {version}", hint=f"known versions: {known}")
        return entries[number]

    def current(self, calc: str) -> CalcVersion:
        live = [v for v in self.versions(calc) if not v.deprecated]
        if not live:
            raise UnknownCalc(f"calc {calc} has no version that is not deprecated")
        return live[-1]

    def resolve(self, calc: str, version: str | None = None) -> ResolvedCalc:
        """The version to serve: the current one by default, a named one on request (with a warning if deprecated)."""
        entry = self.current(calc) if version is None else self.get(calc, version)
        warning = None
        if entry.deprecated:
            note = f": {entry.deprecation_note}" if entry.deprecation_note else ""
            live = [v for v in self.versions(calc) if not v.deprecated]
            current = f"the current version is {live[-1].version}" if live else "no current version remains"
            warning = f"{calc} {entry.version} is deprecated{note}; {current}"
        return ResolvedCalc(calc=calc, version=entry.version, deprecated=entry.deprecated, warning=warning)

    def _entries(self, calc: str) -> dict[int, CalcVersion]:
        try:
            return self._calcs[calc]
        except KeyError:
            known = ", ".join(self.calcs()) or "none registered"
            raise UnknownCalc(f"unknown calc {calc!r}", hint=f"known calcs: {known}") from None
