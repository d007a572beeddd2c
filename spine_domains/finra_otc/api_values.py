"""Values of FINRA API records (parsed from JSON or CSV): text, whole counts and notional sums,
each checked the way :class:`~spine_domains.finra_otc.api_records.RecordValidator` needs."""

from __future__ import annotations

import json
import math
import re
from decimal import ROUND_HALF_EVEN, Decimal

from spine_core.rejects import RejectReason
from spine_domains.finra_otc.fields import Invalid, check_count, parse_count, shown

__all__ = ["compact", "json_type", "record_count", "record_notional", "record_text"]

_DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
_MAX_EXACT_FLOAT = 2**53


def record_text(record: dict[str, object], column: str) -> str | None:
    """A text field verbatim; None when absent, null or blank. Numbers become their digits."""
    value = record.get(column)
    if value is None:
        return None
    if isinstance(value, str):
        if "\x00" in value or "\ufffd" in value:
            # Keys rely on NUL never being in a value; U+FFFD marks bytes that were not UTF-8.
            what = "a NUL character" if "\x00" in value else "bytes that are not UTF-8 (shown as U+FFFD)"
            raise Invalid(RejectReason.INVALID_ENCODING, f"{column} holds {what}")
        return value if value.strip() else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Invalid(RejectReason.INVALID_RECORD, f"{column} is a JSON {json_type(value)}, expected text")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def record_count(record: dict[str, object], column: str) -> int:
    value = record.get(column)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise Invalid(RejectReason.MISSING_FIELD, f"{column} is missing or empty")
    if isinstance(value, str):
        return parse_count(column, value)
    if isinstance(value, bool):
        raise Invalid(RejectReason.INVALID_NUMBER, f"{column} {value} is not a whole number")
    if isinstance(value, int):
        return check_count(column, value)
    # A float is exact only up to 2**53; an integral one (pandas writes 139478804.0) is a count.
    if isinstance(value, float) and value.is_integer() and abs(value) <= _MAX_EXACT_FLOAT:
        return check_count(column, int(value))
    raise Invalid(RejectReason.INVALID_NUMBER, f"{column} {shown(_json_text(value))} is not a whole number")


def record_notional(record: dict[str, object]) -> int | None:
    """``totalNotionalSum`` in whole dollars (rounded half to even), or None when absent."""
    column = "totalNotionalSum"
    value = record.get(column)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise Invalid(RejectReason.INVALID_NUMBER, f"{column} {value} is not a number")
    if isinstance(value, int):
        return check_count(column, value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise Invalid(RejectReason.INVALID_NUMBER, f"{column} {value} is not a number")
        return check_count(column, round(value))
    if isinstance(value, str) and _DECIMAL.fullmatch(value.strip()):
        if len(value) > 40:
            raise Invalid(RejectReason.OUT_OF_RANGE, f"{column} {shown(value)} exceeds the 64-bit limit 2**63-1")
        return check_count(column, int(Decimal(value.strip()).to_integral_value(ROUND_HALF_EVEN)))
    raise Invalid(RejectReason.INVALID_NUMBER, f"{column} {shown(_json_text(value))} is not a number")


def compact(value: object) -> str:
    """A record as compact JSON (how a reject shows a JSON record)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, str):
        return "string"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, list):
        return "array"
    return "object" if isinstance(value, dict) else type(value).__name__


def _json_text(value: object) -> str:
    return value if isinstance(value, str) else repr(value)
