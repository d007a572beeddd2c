"""The pipe-delimited layouts the ingest pipeline understands, and how a header line picks one.

Every layout here is pipe-delimited with one header line (FINRA API records, JSON or CSV, are
read by :mod:`api_sources`). A layout says, per column, what the column means (:class:`Field`);
validation works from that description, so adding a layout is adding a :class:`Layout` here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from spine_core.errors import SourceUnreadable

__all__ = [
    "Field",
    "Layout",
    "FINRA_DOWNLOAD",
    "SIMPLE",
    "FIXTURE_VENUE",
    "LAYOUTS",
    "DELIMITER",
    "detect_layout",
    "detect_layout_or_none",
    "check_text",
    "check_other_delimiters",
    "no_layout_error",
    "is_comment",
]

DELIMITER = "|"
_BOM = "\ufeff"
_REPLACEMENT = "\ufffd"


class Field(Enum):
    """What a column means to the ingest pipeline."""

    TIER = "tier"  # must parse as a Tier equal to the run's tier
    WEEK = "week"  # ISO date that must equal the run's week ending
    SYMBOL = "symbol"  # required, kept verbatim
    ISSUE_NAME = "issue_name"  # optional, kept verbatim
    PARTICIPANT_NAME = "participant_name"  # optional, kept verbatim
    MPID = "mpid"  # kept verbatim; required unless a participant name marks a non-ATS firm row
    SHARES = "total_shares"  # non-negative 64-bit integer
    TRADES = "total_trades"  # non-negative 64-bit integer
    UPDATE_DATE = "last_update_date"  # ISO date, FINRA's publication date (source time)
    IGNORED = "ignored"  # present in the layout, not used


@dataclass(frozen=True, slots=True)
class Layout:
    """One file layout: its name (as reported in the run summary) and its columns."""

    name: str
    columns: tuple[str, ...]
    fields: tuple[Field, ...]

    @property
    def header(self) -> str:
        return DELIMITER.join(self.columns)

    def index(self, field: Field) -> int | None:
        """Position of ``field`` in a data line, or None when the layout lacks it."""
        return self.fields.index(field) if field in self.fields else None

    def column(self, field: Field) -> str:
        """The header name of ``field`` (used in reject details)."""
        position = self.index(field)
        return self.columns[position] if position is not None else field.value


FINRA_DOWNLOAD = Layout(
    "finra_download",
    (
        "tierDescription",
        "issueSymbolIdentifier",
        "issueName",
        "marketParticipantName",
        "MPID",
        "totalWeeklyShareQuantity",
        "totalWeeklyTradeCount",
        "lastUpdateDate",
    ),
    (
        Field.TIER,
        Field.SYMBOL,
        Field.ISSUE_NAME,
        Field.PARTICIPANT_NAME,
        Field.MPID,
        Field.SHARES,
        Field.TRADES,
        Field.UPDATE_DATE,
    ),
)

SIMPLE = Layout(
    "simple",
    ("WeekEnding", "Tier", "Symbol", "MPID", "TotalShares", "TotalTrades"),
    (Field.WEEK, Field.TIER, Field.SYMBOL, Field.MPID, Field.SHARES, Field.TRADES),
)

FIXTURE_VENUE = Layout(
    "fixture_venue",
    (
        "Symbol",
        "Venue",
        "Date",
        "TotalWeeklyShareVolume",
        "TotalWeeklyTrades",
        "AverageDailyShareVolume",
        "AverageTradeSize",
    ),
    (
        Field.SYMBOL,
        Field.MPID,
        Field.WEEK,
        Field.SHARES,
        Field.TRADES,
        Field.IGNORED,
        Field.IGNORED,
    ),
)

LAYOUTS: tuple[Layout, ...] = (FINRA_DOWNLOAD, SIMPLE, FIXTURE_VENUE)


def is_comment(line: str) -> bool:
    """A ``#`` line before the header (a leading BOM or spaces do not matter)."""
    return line.lstrip(_BOM + " \t").startswith("#")


def detect_layout(header: str, line_no: int = 1) -> Layout:
    """The pipe-delimited layout whose header is ``header`` (case, surrounding spaces and a BOM ignored).

    Raises :class:`SourceUnreadable` saying what is wrong: binary content, another
    delimiter, or a header no layout has. (:func:`~spine_domains.finra_otc.source_format.detect_format`
    also recognises FINRA API records, JSON and CSV.)
    """
    check_text(header, line_no)
    text = header.replace(_BOM, "").strip()
    layout = detect_layout_or_none(text)
    if layout is not None:
        return layout
    check_other_delimiters(text, line_no)
    raise no_layout_error(text, line_no)


def check_text(line: str, line_no: int) -> None:
    """Raise :class:`SourceUnreadable` when ``line`` shows the source is binary or UTF-16."""
    if not _looks_binary(line):
        return
    utf16 = line.count("\x00") * 3 >= len(line)  # every other byte NUL: UTF-16 text
    raise SourceUnreadable(
        f"the source looks {'UTF-16 encoded' if utf16 else 'binary'}, not UTF-8 text "
        f"(line {line_no} has NUL characters or undecodable bytes)",
        hint="save the file as UTF-8 text"
        if utf16
        else "pass the FINRA weekly download as a pipe-delimited text file (unzip it first)",
        details={"line_no": line_no},
    )


def check_other_delimiters(text: str, line_no: int) -> None:
    """Raise :class:`SourceUnreadable` naming the problem when ``text`` is a known header gone wrong:
    several lines joined by CR alone, or a pipe layout's header with another delimiter."""
    if "\r" in text and detect_layout_or_none(text.split("\r", 1)[0]) is not None:
        raise SourceUnreadable(
            f"line {line_no} holds several lines separated by CR alone (old Mac line ends)",
            hint="convert the file to LF or CRLF line ends",
            details={"line_no": line_no},
        )
    for delimiter in (",", "\t", ";"):
        for layout in LAYOUTS:
            if _names(text, delimiter) == _names(layout.header, DELIMITER):
                raise SourceUnreadable(
                    f"the header on line {line_no} is the {layout.name} layout delimited by "
                    f"{delimiter!r}, but these files are '|'-delimited",
                    hint=f"save the file with '|' between fields: {layout.header}",
                    details={"line_no": line_no, "layout": layout.name},
                )


def no_layout_error(text: str, line_no: int, also: str = "") -> SourceUnreadable:
    """The error for a header no layout has; ``also`` names further accepted formats."""
    shown = text if len(text) <= 200 else text[:200] + "..."
    expected = "; ".join(f"{lay.name}: {lay.header}" for lay in LAYOUTS)
    return SourceUnreadable(
        f"the header on line {line_no} matches no known layout: {shown!r}",
        hint=f"expected one of these headers: {expected}" + (f"; {also}" if also else ""),
        details={"line_no": line_no, "expected": {lay.name: lay.header for lay in LAYOUTS}},
    )


def detect_layout_or_none(header: str) -> Layout | None:
    """The layout whose header is ``header`` (case, spaces around names and a BOM ignored)."""
    names = _names(header.replace(_BOM, ""), DELIMITER)
    return next((layout for layout in LAYOUTS if names == _names(layout.header, DELIMITER)), None)


def _names(text: str, delimiter: str) -> list[str]:
    return [name.strip().lower() for name in text.split(delimiter)]


def _looks_binary(line: str) -> bool:
    # A text file decoded as UTF-8 never holds NUL; a binary one (zip, gzip, xlsx, UTF-16)
    # decodes into NULs or mostly U+FFFD. A few U+FFFD alone are left to the header match.
    if "\x00" in line:
        return True
    return len(line) > 0 and line.count(_REPLACEMENT) * 3 >= len(line)
