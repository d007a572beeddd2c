"""The shape of an accepted row: the ingest pipeline's ``row_columns`` and their types."""

from __future__ import annotations

__all__ = ["Row", "ROW_COLUMNS", "MAX_INT64"]

#: (line_no, symbol, issue_name, mpid, participant_name, total_shares, total_trades,
#: last_update_date); None where the layout has no such column, dates as ISO text.
Row = tuple[int, str, str | None, str, str | None, int, int, str | None]

ROW_COLUMNS: tuple[str, ...] = (
    "line_no",
    "symbol",
    "issue_name",
    "mpid",
    "participant_name",
    "total_shares",
    "total_trades",
    "last_update_date",
)

#: Largest share or trade count accepted (the 64-bit columns downstream).
MAX_INT64 = 2**63 - 1
