"""The data plane: weeks, symbols, venue rows, calc rows and the calc registry."""

from __future__ import annotations

from pydantic import Field

from services.apps.gateway.models.envelope import (
    ApiModel,
    CaptureMeta,
    CountMeta,
    Day,
    ListEnvelope,
    PagedListEnvelope,
    Timestamp,
    Uuid,
)

__all__ = [
    "CalcCell",
    "CalcRow",
    "Week",
    "WeeksMeta",
    "WeekList",
    "Symbol",
    "SymbolsMeta",
    "SymbolList",
    "VenueRow",
    "VenuePageMeta",
    "VenueRowList",
    "CalcMeta",
    "CalcRowList",
    "CalcVersion",
    "Calc",
    "CalcList",
]

#: A calc's columns vary by view (``meta.columns`` lists them, in order): a row maps each to a scalar.
CalcCell = str | int | float | bool | None
CalcRow = dict[str, CalcCell]


class Week(ApiModel):
    week_ending: Day
    tier: str
    capture_id: Uuid
    captured_at: Timestamp
    source_updated: Day | None
    rows: int
    rows_rejected: int
    captures: int = Field(description="complete captures of the week (revisions)")


class WeeksMeta(CountMeta):
    tier: str | None


class WeekList(ListEnvelope[Week, WeeksMeta]):
    pass


class Symbol(ApiModel):
    symbol: str
    issue_name: str | None
    total_shares: int
    total_trades: int
    venues: int


class SymbolsMeta(CaptureMeta):
    limit: int


class SymbolList(ListEnvelope[Symbol, SymbolsMeta]):
    pass


class VenueRow(ApiModel):
    """One line of the source: a symbol's volume on one venue (MPID) in the week."""

    line_no: int
    symbol: str | None
    issue_name: str | None
    mpid: str | None
    participant_name: str | None
    total_shares: int | None
    total_trades: int | None
    last_update_date: Day | None
    summary_type_code: str | None
    firm_crd: str | int | None


class VenuePageMeta(CaptureMeta):
    total: int
    limit: int
    offset: int


class VenueRowsMeta(VenuePageMeta):
    after_line: int | None = Field(default=None, description="the keyset cursor this page was asked after")
    next_after_line: int | None = Field(
        default=None, description="pass as after_line for the next page (null on the last page)"
    )


class VenueRowList(PagedListEnvelope[VenueRow, VenueRowsMeta]):
    pass


class CalcMeta(VenuePageMeta):
    columns: list[str] = Field(description="the columns of each row, in order")
    warning: str | None = Field(default=None, description="set when a deprecated calc version is served")


class CalcRowList(ListEnvelope[CalcRow, CalcMeta]):
    pass


class CalcVersion(ApiModel):
    version: str
    deprecated: bool
    note: str | None
    description: str


class Calc(ApiModel):
    calc: str
    pipeline: str
    current: str
    versions: list[CalcVersion]


class CalcList(ListEnvelope[Calc, CountMeta]):
    pass
