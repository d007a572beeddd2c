"""Quality check results and anomalies, as value types.

A pipeline yields :class:`QualityResult` values beside its rows; the framework records each as
a ``QualityChecked`` event on the capture. A result whose status is not PASS is an anomaly
(e.g. insufficient history, zero volume, a suspicious row count, a missing tier).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = ["Severity", "CheckStatus", "QualityResult"]


class Severity(StrEnum):
    INFO = "INFO"
    WARN = "WARN"
    ERROR = "ERROR"


class CheckStatus(StrEnum):
    PASS = "PASS"
    WARN = "WARN"
    FAIL = "FAIL"


@dataclass(frozen=True, slots=True)
class QualityResult:
    check: str
    status: CheckStatus
    message: str
    severity: Severity = Severity.INFO
    value: float | None = None
    threshold: float | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    """JSON-ready facts, e.g. the missing weeks of an insufficient history."""

    @property
    def is_anomaly(self) -> bool:
        return self.status is not CheckStatus.PASS
