"""Rejected input: every input line is either accepted or rejected with a reason."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

__all__ = ["RejectReason", "Reject", "REJECT_COLUMNS", "split_outcomes"]

T = TypeVar("T")


class RejectReason(StrEnum):
    WRONG_FIELD_COUNT = "WRONG_FIELD_COUNT"
    MISSING_FIELD = "MISSING_FIELD"
    INVALID_NUMBER = "INVALID_NUMBER"
    NEGATIVE_VALUE = "NEGATIVE_VALUE"
    OUT_OF_RANGE = "OUT_OF_RANGE"
    INVALID_DATE = "INVALID_DATE"
    WEEK_MISMATCH = "WEEK_MISMATCH"
    TIER_MISMATCH = "TIER_MISMATCH"
    UNKNOWN_TIER = "UNKNOWN_TIER"
    UNKNOWN_SUMMARY_TYPE = "UNKNOWN_SUMMARY_TYPE"
    INVALID_RECORD = "INVALID_RECORD"
    DUPLICATE_KEY = "DUPLICATE_KEY"
    INVALID_ENCODING = "INVALID_ENCODING"
    BLANK_LINE = "BLANK_LINE"


@dataclass(frozen=True, slots=True)
class Reject:
    """One rejected input line: where it was, why, and the line exactly as read."""

    line_no: int
    reason: RejectReason
    detail: str
    raw: str

    def as_row(self) -> tuple[int, str, str, str]:
        return (self.line_no, self.reason.value, self.detail, self.raw)


REJECT_COLUMNS: tuple[str, ...] = ("line_no", "reason", "detail", "raw")


def split_outcomes(outcomes: Iterable[T | Reject]) -> tuple[list[T], list[Reject]]:
    """Accepted values and rejects of a validation pass, each in input order."""
    accepted: list[T] = []
    rejects: list[Reject] = []
    for outcome in outcomes:
        if isinstance(outcome, Reject):
            rejects.append(outcome)
        else:
            accepted.append(outcome)
    return accepted, rejects
