"""The rows the FINRA OTC data plane's queries return (:mod:`projections.finra_otc.queries`):
frozen dataclasses of Python values, whose fields are the columns the statements select."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from projections.querying import JsonObject

__all__ = ["ServedCapture", "WeekRow", "SymbolRow", "VenueRow", "CalcCell", "CalcRows"]


@dataclass(frozen=True, slots=True)
class ServedCapture:
    """The capture a query serves, with the three clocks and the calc it came from."""

    capture_id: UUID
    pipeline: str
    week_ending: date | None
    tier: str | None
    captured_at: datetime
    source_updated: date | None
    rows_accepted: int
    calc_name: str | None
    calc_version: str | None
    #: the captures it was computed from (lineage documents: role, pipeline, capture_id, partition_key)
    inputs: list[JsonObject]
    #: False when ``capture_id`` or ``as_of`` chose an earlier capture than the latest
    latest: bool


@dataclass(frozen=True, slots=True)
class WeekRow:
    """A week and tier with data: its latest complete ingest capture."""

    week_ending: date
    tier: str
    capture_id: UUID
    captured_at: datetime
    source_updated: date | None
    rows: int
    rows_rejected: int
    #: complete ingest captures of the week (revisions)
    captures: int


@dataclass(frozen=True, slots=True)
class SymbolRow:
    """A symbol's totals over the venue-level rows of an ingest capture (``symbol_totals``)."""

    symbol: str
    issue_name: str | None
    total_shares: int
    total_trades: int
    venues: int


@dataclass(frozen=True, slots=True)
class VenueRow:
    """One line of the source: a symbol's volume on one venue in the week. Its fields are
    :data:`~projections.finra_otc.views.VENUE_ROW_COLUMNS` (a test keeps them equal)."""

    line_no: int
    symbol: str | None
    issue_name: str | None
    mpid: str | None
    participant_name: str | None
    total_shares: int
    total_trades: int
    last_update_date: date | None
    summary_type_code: str
    firm_crd: str | None


#: A calc's columns vary by view; a cell is one of these.
CalcCell = str | int | float | bool | date | Decimal | None


@dataclass(frozen=True, slots=True)
class CalcRows:
    """A page of one calc table's rows: the columns (in the view's order), each row's cells in
    that order, and how many rows match over every page."""

    columns: tuple[str, ...]
    rows: list[tuple[CalcCell, ...]]
    total: int
