"""Fill the week and tier a command left out, from the first lines of the source.

* FINRA API records: the first record's ``weekStartDate`` (its Friday) and tier;
* simple / fixture layouts: the first data row's week column (and the simple layout's tier);
* the download file has no week column: its tier is read from the first row, and its week is
  *inferred* from the earliest ``lastUpdateDate`` (:func:`~spine_domains.finra_otc.publication.infer_week_ending`).

The resolved parameters say where each value came from: ``week_source`` and ``tier_source`` are
``"command"``, ``"file"`` or (the week only) ``"inferred"``, with ``week_inference`` describing
the inference.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from spine_core.errors import InvalidParameter, SourceUnreadable, SpineError
from spine_core.framework.pipeline import HEAD_LINES, CaptureReader
from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.api_records import canonical_name
from spine_domains.finra_otc.api_sources import ApiCsv, ApiJson, parse_json_array
from spine_domains.finra_otc.fields import iso_date
from spine_domains.finra_otc.formats import DELIMITER, FINRA_DOWNLOAD, FIXTURE_VENUE, Field, Layout
from spine_domains.finra_otc.publication import infer_week_ending
from spine_domains.finra_otc.source_format import detect_format, read_first_line
from spine_domains.finra_otc.tiers import Tier
from spine_domains.reference.exchange_calendar.calendar import DEFAULT_EXCHANGE, read_holidays

__all__ = ["resolve_week_and_tier", "RESOLUTION_KEYS"]

#: The keys resolution adds to the parameters (and the run summary repeats).
RESOLUTION_KEYS = ("week_source", "tier_source", "week_inference")
_WEEK_HINT = "pass --week-ending with the Friday of the traded week, e.g. --week-ending 2025-11-14"
_TIER_HINT = "pass --tier NMS_TIER_1, NMS_TIER_2 or OTC"
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass
class _FirstFacts:
    """What the head of a source says about its week and tier."""

    format_name: str
    week_text: str | None = None  # the first row's week value, as written
    week_column: str = ""
    week_is_start: bool = False  # the API names weeks by their Monday
    tier_text: str | None = None
    tier_column: str = ""
    has_tier_column: bool = True
    has_rows: bool = False
    update_dates: list[date] = field(default_factory=list)  # the download layout's lastUpdateDate values


def resolve_week_and_tier(
    params: Mapping[str, Any], head: Sequence[str] | None, reader: CaptureReader | None
) -> dict[str, Any]:
    """``params`` with ``week_ending`` (WeekEnding) and ``tier`` (Tier) set and their sources named.

    Raises :class:`InvalidParameter` when a value is neither given nor readable,
    :class:`MissingData` when inferring the week needs an exchange calendar not yet captured,
    and :class:`SourceUnreadable` when the source cannot be read or its publication date names
    no week.
    """
    out = dict(params)
    week = WeekEnding.parse(params["week_ending"]) if params.get("week_ending") is not None else None
    tier = Tier.parse(params["tier"]) if params.get("tier") is not None else None
    facts = _first_facts(head) if week is None or tier is None else None
    out["tier_source"] = "command"
    if tier is None:
        assert facts is not None
        tier = _tier_from(facts)
        out["tier_source"] = "file"
    out["week_source"] = "command"
    out.pop("week_inference", None)
    if week is None:
        assert facts is not None
        if facts.format_name == FINRA_DOWNLOAD.name:
            week, inference = _inferred_week(facts, tier, reader)
            out["week_source"] = "inferred"
            out["week_inference"] = inference
        else:
            week = _week_from(facts)
            out["week_source"] = "file"
    out["week_ending"] = week
    out["tier"] = tier
    return out


# --------------------------------------------------------------------------- reading the head
def _first_facts(head: Sequence[str] | None) -> _FirstFacts:
    if not head:
        raise InvalidParameter(
            "week_ending or tier was not given, and the source's first lines are not available to read them from",
            hint=f"{_WEEK_HINT}, and {_TIER_HINT}",
        )
    lines = iter(head)
    first, line_no, _ = read_first_line(lines)
    source_format = detect_format(first, line_no)
    rest = list(lines)
    if isinstance(source_format, Layout):
        return _layout_facts(source_format, rest)
    if isinstance(source_format, ApiCsv):
        record = _first_csv_record(source_format, rest)
    elif source_format.lines:
        record = _first_json_line(first)
    else:
        record = _first_json_record([first, *rest])
    return _record_facts(source_format, record)


def _layout_facts(layout: Layout, data: list[str]) -> _FirstFacts:
    facts = _FirstFacts(layout.name)
    width = len(layout.fields)
    rows = [parts for parts in (line.split(DELIMITER) for line in data if line.strip()) if len(parts) == width]
    week_at, tier_at, update_at = (layout.index(f) for f in (Field.WEEK, Field.TIER, Field.UPDATE_DATE))
    facts.has_tier_column = tier_at is not None
    facts.has_rows = bool(rows)
    if week_at is not None:
        facts.week_column = layout.columns[week_at]
    if tier_at is not None:
        facts.tier_column = layout.columns[tier_at]
    if rows:
        facts.week_text = rows[0][week_at] if week_at is not None else None
        facts.tier_text = rows[0][tier_at] if tier_at is not None else None
    if update_at is not None:
        facts.update_dates = [day for parts in rows if (day := iso_date(parts[update_at].strip())) is not None]
    return facts


def _first_csv_record(layout: ApiCsv, data: list[str]) -> dict[str, object] | None:
    for line in data:
        if not line.strip():
            continue
        try:
            values = next(csv.reader([line.rstrip("\r")]))
        except csv.Error:
            return None
        return dict(zip(layout.columns, values, strict=False))
    return None


def _first_json_line(first: str) -> dict[str, object] | None:
    record = json.loads(first.replace("\ufeff", ""))
    return record if isinstance(record, dict) else None


def _first_json_record(head: list[str]) -> dict[str, object] | None:
    """The first element of a JSON array from the head of the source (which may cut it short)."""
    text = "\n".join(head).replace("\ufeff", "").lstrip()
    if text.startswith("{"):
        # A document that is an object: the full parse explains why it is not a list of records.
        if len(head) < HEAD_LINES:
            parse_json_array(head)
        raise SourceUnreadable(
            "the JSON source is an object, not a list of weeklySummary records",
            hint="pass a JSON array of weeklySummary objects as FINRA's API returns it, or JSON Lines",
        )
    at = 1
    while at < len(text) and text[at].isspace():
        at += 1
    try:
        record, _ = json.JSONDecoder().raw_decode(text, at)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def _record_facts(source_format: ApiCsv | ApiJson, record: dict[str, object] | None) -> _FirstFacts:
    facts = _FirstFacts(source_format.name, week_column="weekStartDate", week_is_start=True)
    if record is None:
        return facts
    fields = {canonical_name(str(k)): v for k, v in record.items()}
    facts.has_rows = True
    week = fields.get("weekStartDate")
    facts.week_text = None if week is None else str(week)
    for column in ("tierIdentifier", "tierDescription"):
        value = fields.get(column)
        if value is not None and str(value).strip():
            facts.tier_text, facts.tier_column = str(value), column
            break
    return facts


# --------------------------------------------------------------------------- week and tier
def _tier_from(facts: _FirstFacts) -> Tier:
    if not facts.has_tier_column and facts.format_name == FIXTURE_VENUE.name:
        raise InvalidParameter(
            "the tier cannot be read from this file; pass --tier",
            hint=f"{_TIER_HINT}; the {facts.format_name} layout has no tier column",
        )
    if facts.tier_text is None or not facts.tier_text.strip():
        what = "has no data row in its first lines" if not facts.has_rows else "does not state its tier"
        raise InvalidParameter(f"the tier cannot be read from this file: it {what}; pass --tier", hint=_TIER_HINT)
    try:
        return Tier.parse(facts.tier_text)
    except SpineError:
        raise InvalidParameter(
            f"the tier cannot be read from this file: the first row's {facts.tier_column} "
            f"{facts.tier_text!r} is not a known tier; pass --tier",
            hint=_TIER_HINT,
        ) from None


def _week_from(facts: _FirstFacts) -> WeekEnding:
    if facts.week_text is None or not facts.week_text.strip():
        what = "has no data row in its first lines" if not facts.has_rows else f"has no {facts.week_column}"
        raise InvalidParameter(f"the week cannot be read from this file: its first row {what}", hint=_WEEK_HINT)
    day = iso_date(facts.week_text.strip())
    if day is None:
        raise InvalidParameter(
            f"the week cannot be read from this file: the first row's {facts.week_column} "
            f"{facts.week_text!r} is not a date of the form YYYY-MM-DD",
            hint=_WEEK_HINT,
        )
    wanted = 0 if facts.week_is_start else 4
    if day.weekday() != wanted:
        nearest = WeekEnding.nearest_friday(day).isoformat()
        raise InvalidParameter(
            f"the week cannot be read from this file: the first row's {facts.week_column} {day} is a "
            f"{_DAY_NAMES[day.weekday()]}, not a {_DAY_NAMES[wanted]}",
            hint=_WEEK_HINT if facts.week_is_start else f"{_WEEK_HINT}; the nearest Friday is {nearest}",
            details={"given": day.isoformat(), "column": facts.week_column},
        )
    return WeekEnding.from_week_start(day) if facts.week_is_start else WeekEnding(day)


def _inferred_week(facts: _FirstFacts, tier: Tier, reader: CaptureReader | None) -> tuple[WeekEnding, dict[str, Any]]:
    if not facts.update_dates:
        what = "has no data row in its first lines" if not facts.has_rows else "has no valid lastUpdateDate"
        raise InvalidParameter(f"the week cannot be inferred: the file {what}", hint=_WEEK_HINT)
    # Revisions only move lastUpdateDate later: the earliest is the week's first publication.
    published = min(facts.update_dates)
    return infer_week_ending(published, tier, lambda year: read_holidays(reader, DEFAULT_EXCHANGE, year))
