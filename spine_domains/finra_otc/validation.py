"""Validation of data lines: each line becomes an accepted row or a :class:`Reject`.

Two paths give the same answer. :meth:`LineValidator.validate` is the definition: it checks
every field and explains the first problem. For the FINRA download layout (the one that comes
in millions of lines), :meth:`LineValidator.check_batch` runs a lean fast path first (split,
field count, digit checks, set look-ups, one key comparison) that accepts only lines the full
check would accept with the same row, and hands every other line to ``validate``. Keeping the
fast path a strict subset is what lets the two never disagree.
"""

from __future__ import annotations

import re
from datetime import date

from spine_core.errors import UnknownTier
from spine_core.rejects import Reject, RejectReason
from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.download_fast_path import line_by_line
from spine_domains.finra_otc.formats import DELIMITER, FINRA_DOWNLOAD, Field, Layout
from spine_domains.finra_otc.natural_keys import NaturalKeys, natural_key
from spine_domains.finra_otc.row import MAX_INT64, ROW_COLUMNS, Row
from spine_domains.finra_otc.tiers import Tier

__all__ = ["Row", "ROW_COLUMNS", "MAX_INT64", "LineValidator"]

_INTEGER = re.compile(r"[+-]?[0-9]+")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CACHE_LIMIT = 4096
_SHOWN_MAX = 40


class _Invalid(Exception):
    """Internal: the first problem found on a line."""

    def __init__(self, reason: RejectReason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


class LineValidator:
    """Validates the data lines of one file against its layout and the run's week and tier.

    Stateful: it remembers the natural keys (symbol, MPID) seen so far, so a later duplicate
    is rejected naming the line of the first occurrence.
    """

    def __init__(self, layout: Layout, week_ending: WeekEnding, tier: Tier) -> None:
        self.layout = layout
        self.week_ending = week_ending
        self.tier = tier
        self.update_dates: set[str] = set()  # lastUpdateDate values of accepted rows
        self.keys = NaturalKeys()
        self._week_text = str(week_ending)
        self._tiers: dict[str, Tier | None] = {}
        self._dates: dict[str, date | None] = {}
        # Raw texts of the tier and lastUpdateDate columns that the full check accepted (and
        # that rows store verbatim): the download fast path takes them with a set look-up.
        self._tier_ok: set[str] = set()
        self._date_ok: set[str] = set()

    def check_batch(self, lines: list[str], first_line_no: int) -> tuple[list[Row], list[Reject]]:
        """Validate consecutive lines starting at physical line ``first_line_no``."""
        if self.layout is FINRA_DOWNLOAD:
            return line_by_line(lines, first_line_no, self._tier_ok, self._date_ok, self.keys, self.validate)
        # The simple and fixture layouts are small test files: the full check is fast enough.
        rows: list[Row] = []
        rejects: list[Reject] = []
        for line_no, line in enumerate(lines, first_line_no):
            outcome = self.validate(line_no, line)
            if isinstance(outcome, Reject):
                rejects.append(outcome)
            else:
                rows.append(outcome)
        return rows, rejects

    # ------------------------------------------------------------------ the definition
    def validate(self, line_no: int, line: str) -> Row | Reject:
        """Fully validate one line; the first problem found becomes the reject."""
        try:
            return self._accept(line_no, line)
        except _Invalid as problem:
            return Reject(line_no, problem.reason, problem.detail, line)

    def _accept(self, line_no: int, line: str) -> Row:
        if "\ufffd" in line:
            raise _Invalid(RejectReason.INVALID_ENCODING, "the line holds bytes that are not UTF-8 (shown as U+FFFD)")
        if "\x00" in line:
            raise _Invalid(RejectReason.INVALID_ENCODING, "the line holds a NUL character")
        if not line.strip():
            raise _Invalid(RejectReason.BLANK_LINE, "blank line")
        parts = line.split(DELIMITER)
        if len(parts) != len(self.layout.fields):
            raise _Invalid(RejectReason.WRONG_FIELD_COUNT, self._count_detail(line, len(parts)))
        values: dict[Field, object] = {}
        for raw, field, column in zip(parts, self.layout.fields, self.layout.columns, strict=True):
            if field is Field.TIER:
                self._check_tier(column, raw)
            elif field is Field.WEEK:
                self._check_week(column, raw)
            elif field is Field.SYMBOL or field is Field.MPID:
                if not raw.strip():
                    raise _Invalid(RejectReason.MISSING_FIELD, f"{column} is empty")
                values[field] = raw
            elif field is Field.ISSUE_NAME or field is Field.PARTICIPANT_NAME:
                values[field] = raw or None
            elif field is Field.SHARES or field is Field.TRADES:
                values[field] = _count(column, raw)
            elif field is Field.UPDATE_DATE:
                values[field] = self._date(column, raw).isoformat()
        symbol, mpid = str(values[Field.SYMBOL]), str(values[Field.MPID])
        first = self.keys.first_line(natural_key(symbol, mpid), line_no)
        if first != line_no:
            raise _Invalid(
                RejectReason.DUPLICATE_KEY,
                f"{self.layout.column(Field.SYMBOL)} {_shown(symbol)} with {self.layout.column(Field.MPID)} "
                f"{_shown(mpid)} already appeared on line {first}",
            )
        self._remember_for_fast_path(parts, values)
        shares, trades = values[Field.SHARES], values[Field.TRADES]
        assert isinstance(shares, int) and isinstance(trades, int)
        update = values.get(Field.UPDATE_DATE)
        return (
            line_no,
            symbol,
            _optional(values.get(Field.ISSUE_NAME)),
            mpid,
            _optional(values.get(Field.PARTICIPANT_NAME)),
            shares,
            trades,
            str(update) if update is not None else None,
        )

    def _remember_for_fast_path(self, parts: list[str], values: dict[Field, object]) -> None:
        # Only raw texts equal to what the row stores may skip the checks next time, so the
        # fast path copies them verbatim and still builds the very row this path would.
        tier_at = self.layout.index(Field.TIER)
        if tier_at is not None:
            self._tier_ok.add(parts[tier_at])
        update = values.get(Field.UPDATE_DATE)
        update_at = self.layout.index(Field.UPDATE_DATE)
        if update is not None and update_at is not None:
            self.update_dates.add(str(update))
            if parts[update_at] == update:
                self._date_ok.add(str(update))

    # ------------------------------------------------------------------ field checks
    def _check_tier(self, column: str, raw: str) -> None:
        text = raw.strip()
        if not text:
            raise _Invalid(RejectReason.MISSING_FIELD, f"{column} is empty")
        if text not in self._tiers:
            try:
                parsed: Tier | None = Tier.parse(text)
            except UnknownTier:
                parsed = None
            if len(self._tiers) < _CACHE_LIMIT:
                self._tiers[text] = parsed
        else:
            parsed = self._tiers[text]
        if parsed is None:
            raise _Invalid(RejectReason.UNKNOWN_TIER, f"{column} {_shown(raw)} is not a known tier")
        if parsed is not self.tier:
            raise _Invalid(
                RejectReason.TIER_MISMATCH,
                f"{column} {_shown(raw)} is {parsed.value}, but this run ingests {self.tier.value}",
            )

    def _check_week(self, column: str, raw: str) -> None:
        day = self._date(column, raw)
        if day != self.week_ending.value:
            raise _Invalid(
                RejectReason.WEEK_MISMATCH,
                f"{column} {_shown(raw)} is not the run's week ending {self._week_text}",
            )

    def _date(self, column: str, raw: str) -> date:
        text = raw.strip()
        if not text:
            raise _Invalid(RejectReason.MISSING_FIELD, f"{column} is empty")
        if text in self._dates:
            day = self._dates[text]
        else:
            day = _iso_date(text)
            if len(self._dates) < _CACHE_LIMIT:
                self._dates[text] = day
        if day is None:
            raise _Invalid(RejectReason.INVALID_DATE, f"{column} {_shown(raw)} is not a date of the form YYYY-MM-DD")
        return day

    def _count_detail(self, line: str, found: int) -> str:
        expected = len(self.layout.fields)
        if found == 1 and line.count(",") + 1 >= expected:
            return f"expected {expected} '|'-separated fields, found 1: the line seems to use ',' as delimiter"
        if found < expected:
            return f"expected {expected} '|'-separated fields, found {found}: the line looks truncated"
        return f"expected {expected} '|'-separated fields, found {found}: is there a '|' inside a value?"


def _count(column: str, raw: str) -> int:
    """A share or trade count: a base-10 integer in [0, 2**63-1]."""
    text = raw.strip()
    if not text:
        raise _Invalid(RejectReason.MISSING_FIELD, f"{column} is empty")
    if not _INTEGER.fullmatch(text):
        raise _Invalid(RejectReason.INVALID_NUMBER, f"{column} {_shown(raw)} is not a whole number")
    digits = text.lstrip("+-").lstrip("0")
    if text[0] == "-" and digits:
        raise _Invalid(RejectReason.NEGATIVE_VALUE, f"{column} {_shown(raw)} is negative")
    # Compare digit counts before int(): a 5,000-digit value would exceed int()'s digit limit.
    if len(digits) > 19 or (len(digits) == 19 and int(digits) > MAX_INT64):
        raise _Invalid(RejectReason.OUT_OF_RANGE, f"{column} {_shown(raw)} exceeds the 64-bit limit 2**63-1")
    return int(digits or "0")


def _iso_date(text: str) -> date | None:
    # fromisoformat alone would also take 20251114 or 2025-W46-5; the files use YYYY-MM-DD.
    if not _ISO_DATE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _shown(raw: str) -> str:
    """A value quoted for a reject detail, cut short so a detail stays one short sentence."""
    return repr(raw) if len(raw) <= _SHOWN_MAX else repr(raw[:_SHOWN_MAX]) + f"... ({len(raw)} characters)"


def _optional(value: object) -> str | None:
    return None if value is None else str(value)
