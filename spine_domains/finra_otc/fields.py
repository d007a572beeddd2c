"""Field checks shared by every input format: counts, dates, and how a value is shown in a reject.

A check raises :class:`Invalid` with the reject reason and a detail naming the column and the
value; the validators turn it into a :class:`~spine_core.rejects.Reject`.
"""

from __future__ import annotations

import re
from datetime import date

from spine_core.rejects import RejectReason
from spine_domains.finra_otc.row import MAX_INT64

__all__ = ["Invalid", "parse_count", "check_count", "iso_date", "shown"]

_INTEGER = re.compile(r"[+-]?[0-9]+")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_SHOWN_MAX = 40


class Invalid(Exception):
    """The first problem found on a line or record."""

    def __init__(self, reason: RejectReason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def parse_count(column: str, raw: str) -> int:
    """A share or trade count written as text: a base-10 integer in [0, 2**63-1]."""
    text = raw.strip()
    if not text:
        raise Invalid(RejectReason.MISSING_FIELD, f"{column} is empty")
    if not _INTEGER.fullmatch(text):
        raise Invalid(RejectReason.INVALID_NUMBER, f"{column} {shown(raw)} is not a whole number")
    digits = text.lstrip("+-").lstrip("0")
    if text[0] == "-" and digits:
        raise Invalid(RejectReason.NEGATIVE_VALUE, f"{column} {shown(raw)} is negative")
    # Compare digit counts before int(): a 5,000-digit value would exceed int()'s digit limit.
    if len(digits) > 19 or (len(digits) == 19 and int(digits) > MAX_INT64):
        raise Invalid(RejectReason.OUT_OF_RANGE, f"{column} {shown(raw)} exceeds the 64-bit limit 2**63-1")
    return int(digits or "0")


def check_count(column: str, value: int) -> int:
    """A count that arrived as a number (JSON): non-negative and within 64 bits."""
    if value < 0:
        raise Invalid(RejectReason.NEGATIVE_VALUE, f"{column} {value} is negative")
    if value > MAX_INT64:
        raise Invalid(RejectReason.OUT_OF_RANGE, f"{column} {shown(str(value))} exceeds the 64-bit limit 2**63-1")
    return value


def iso_date(text: str) -> date | None:
    """``YYYY-MM-DD`` as a date, else None."""
    # fromisoformat alone would also take 20251114 or 2025-W46-5; the files use YYYY-MM-DD.
    if not _ISO_DATE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def shown(raw: str) -> str:
    """A value quoted for a reject detail, cut short so a detail stays one short sentence."""
    return repr(raw) if len(raw) <= _SHOWN_MAX else repr(raw[:_SHOWN_MAX]) + f"... ({len(raw)} characters)"
