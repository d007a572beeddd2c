"""Quality check results and anomalies, as value types."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

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
    value: float | None = None
    threshold: float | None = None
