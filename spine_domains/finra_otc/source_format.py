"""Which format a source is in, from its first line that is not a comment.

Formats: the three pipe-delimited layouts (:mod:`formats`), and FINRA API ``weeklySummary``
records as a JSON array, JSON Lines or CSV (:mod:`api_sources`). A line that fits none raises
:class:`~spine_core.errors.SourceUnreadable` saying what is wrong and what is expected.
"""

from __future__ import annotations

from collections.abc import Iterator

from spine_core.errors import SourceUnreadable
from spine_domains.finra_otc.api_sources import API_FORMATS_HINT, ApiCsv, ApiJson, detect_api_csv, detect_api_json
from spine_domains.finra_otc.formats import (
    Layout,
    check_other_delimiters,
    check_text,
    detect_layout_or_none,
    is_comment,
    no_layout_error,
)

__all__ = ["SourceFormat", "detect_format", "read_first_line"]

SourceFormat = Layout | ApiCsv | ApiJson

_BOM = "\ufeff"
_DOWNLOAD_HEADER = (
    "tierDescription|issueSymbolIdentifier|issueName|marketParticipantName|MPID|"
    "totalWeeklyShareQuantity|totalWeeklyTradeCount|lastUpdateDate"
)


def read_first_line(lines: Iterator[str]) -> tuple[str, int, int]:
    """Consume lines up to and including the first that is not a comment (``#``) or blank.

    Returns ``(line, line_no, comment_lines)``. Raises :class:`SourceUnreadable` when there is
    no such line.
    """
    line_no = 0
    comments = 0
    for line in lines:
        line_no += 1
        if is_comment(line) or not line.replace(_BOM, "").strip():
            comments += 1
            continue
        return line, line_no, comments
    what = "is empty" if line_no == 0 else f"has only comment or blank lines ({line_no})"
    raise SourceUnreadable(
        f"the source {what}: no header line",
        hint=f"expected a FINRA weekly download starting with the header {_DOWNLOAD_HEADER}, {API_FORMATS_HINT}",
        details={"lines_read": line_no},
    )


def detect_format(first_line: str, line_no: int) -> SourceFormat:
    """The format whose header (or JSON opening) is ``first_line``."""
    check_text(first_line, line_no)
    json_format = detect_api_json(first_line)
    if json_format is not None:
        return json_format
    text = first_line.replace(_BOM, "").strip()
    layout = detect_layout_or_none(text)
    if layout is not None:
        return layout
    check_other_delimiters(text, line_no)
    csv_format = detect_api_csv(first_line, line_no)
    if csv_format is not None:
        return csv_format
    raise no_layout_error(text, line_no, also=API_FORMATS_HINT)
