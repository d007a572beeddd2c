"""The shape of an accepted row: the ingest pipeline's ``row_columns`` (schema v2) and their types."""

from __future__ import annotations

__all__ = ["Row", "ROW_COLUMNS", "MAX_INT64"]

#: (line_no, symbol, issue_name, mpid, participant_name, total_shares, total_trades,
#: last_update_date, summary_type_code, firm_crd, total_notional, week_start_date).
#: None where the input has no such value; dates as ISO text. ``symbol`` is None only for
#: ``*_W_FIRM`` rows, ``mpid`` for non-ATS firms and ``*_W_SMBL`` rows; ``week_start_date``
#: (the Monday of the run's week) is always set.
Row = tuple[int, str | None, str | None, str | None, str | None, int, int, str | None, str, str | None, int | None, str]

ROW_COLUMNS: tuple[str, ...] = (
    "line_no",
    "symbol",
    "issue_name",
    "mpid",
    "participant_name",
    "total_shares",
    "total_trades",
    "last_update_date",
    "summary_type_code",
    "firm_crd",
    "total_notional",
    "week_start_date",
)

#: Largest share or trade count accepted (the 64-bit columns downstream).
MAX_INT64 = 2**63 - 1
