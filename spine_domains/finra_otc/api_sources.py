"""FINRA API ``weeklySummary`` records as sources: a JSON array, JSON Lines, or CSV with a header.

The framework hands a source's lines; these readers turn them into records for
:class:`~spine_domains.finra_otc.api_records.RecordValidator`:

* a JSON array (one line or pretty-printed over many) is parsed whole (API responses hold at
  most 5,000 records); a record's number is its 1-based index, its raw text compact JSON;
* JSON Lines and CSV are checked line by line; a record's number is its physical line.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass

from spine_core.errors import SourceUnreadable
from spine_core.rejects import Reject, RejectReason, split_outcomes
from spine_domains.finra_otc.api_records import API_FIELDS, REQUIRED_CSV_FIELDS, RecordValidator, canonical_name
from spine_domains.finra_otc.fields import shown
from spine_domains.finra_otc.row import Row

__all__ = [
    "ApiCsv",
    "ApiJson",
    "API_FORMATS_HINT",
    "MAX_JSON_CHARS",
    "detect_api_csv",
    "detect_api_json",
    "parse_json_array",
    "CsvChecker",
    "JsonLinesChecker",
]

#: Largest JSON array read whole (FINRA's responses are ~2 MB at their 5,000-record cap).
MAX_JSON_CHARS = 256 * 1024 * 1024
API_FORMATS_HINT = (
    "or FINRA API weeklySummary records: a JSON array or JSON Lines of objects, or CSV whose header "
    "names the API fields (" + ",".join(REQUIRED_CSV_FIELDS) + ", ...)"
)
_BOM = "\ufeff"
_KNOWN = {name.lower() for name in API_FIELDS}


@dataclass(frozen=True, slots=True)
class ApiCsv:
    """API records as CSV: the header's column names, FINRA's spelling where known."""

    columns: tuple[str, ...]
    name: str = "finra_api_csv"


@dataclass(frozen=True, slots=True)
class ApiJson:
    """API records as JSON: one array (``lines=False``) or one object per line."""

    lines: bool

    @property
    def name(self) -> str:
        return "finra_api_jsonl" if self.lines else "finra_api_json"


def detect_api_json(first_line: str) -> ApiJson | None:
    """JSON when the first line opens an array or object; JSON Lines when it is a whole object."""
    text = first_line.replace(_BOM, "").strip()
    if text.startswith("["):
        return ApiJson(lines=False)
    if not text.startswith("{"):
        return None
    try:
        whole = json.loads(text)
    except ValueError:
        return ApiJson(lines=False)  # a pretty-printed document: parsed whole, must be an array
    return ApiJson(lines=isinstance(whole, dict))


def detect_api_csv(header: str, line_no: int) -> ApiCsv | None:
    """The CSV layout of ``header`` when it names weeklySummary fields; None when it names none.

    Raises :class:`SourceUnreadable` for a header naming API fields but not the counts and the
    week of weeklySummary records: a table derived from them (a pivot, a week-over-week
    comparison) is not something to ingest.
    """
    try:
        names = next(csv.reader([header.replace(_BOM, "")]))
    except (csv.Error, StopIteration):
        return None
    known = [name for name in names if name.strip().lower() in _KNOWN]
    if len(known) < 2 or len(names) < 3:
        return None
    present = {canonical_name(name) for name in names}
    lacking = [name for name in REQUIRED_CSV_FIELDS if name not in present]
    if lacking:
        others = [name.strip() for name in names if name.strip().lower() not in _KNOWN]
        raise SourceUnreadable(
            f"the header on line {line_no} names FINRA API fields ({', '.join(known[:4])}) but lacks "
            f"{', '.join(lacking)}: this is not a file of weeklySummary records"
            + (f" but a table derived from them (columns {', '.join(others[:6])})" if others else ""),
            hint="ingest the weeklySummary records themselves (JSON, or CSV with the columns "
            + ", ".join(("issueSymbolIdentifier", *REQUIRED_CSV_FIELDS, "tierIdentifier", "summaryTypeCode"))
            + ") or a FINRA weekly download file",
            details={"line_no": line_no, "lacking": lacking, "expected": list(REQUIRED_CSV_FIELDS)},
        )
    return ApiCsv(tuple(canonical_name(name) for name in names))


def parse_json_array(lines: Iterable[str]) -> tuple[list[object], int]:
    """The records of a JSON array source, and how many lines it spanned.

    Raises :class:`SourceUnreadable` for invalid JSON, a document that is not an array, or one
    too large to read whole.
    """
    parts: list[str] = []
    size = 0
    for line in lines:
        parts.append(line)
        size += len(line) + 1
        if size > MAX_JSON_CHARS:
            raise SourceUnreadable(
                f"the JSON source exceeds {MAX_JSON_CHARS // (1024 * 1024)} MiB, too large to read as one array",
                hint="write the records as JSON Lines (one object per line), which is read line by line",
            )
    text = "\n".join(parts).replace(_BOM, "", 1)
    try:
        document = json.loads(text)
    except ValueError as error:
        line_no = getattr(error, "lineno", None)
        raise SourceUnreadable(
            f"the source is not valid JSON: {error}",
            hint="pass a JSON array of weeklySummary records as FINRA's API returns it, or JSON Lines",
            details={"json_line": line_no} if line_no else {},
        ) from None
    if not isinstance(document, list):
        what = "an object" if isinstance(document, dict) else f"a {type(document).__name__}"
        calendar = isinstance(document, dict) and "holidays" in document
        raise SourceUnreadable(
            f"the JSON source is {what}, not a list of weeklySummary records"
            + (" (it looks like an exchange calendar)" if calendar else ""),
            hint="ingest calendars with `spine run reference.exchange_calendar.ingest_year`"
            if calendar
            else "pass a JSON array of weeklySummary objects as FINRA's API returns it, or JSON Lines",
        )
    return document, len(parts)


class CsvChecker:
    """Checks batches of CSV lines (RFC 4180 quoting, one record per physical line)."""

    def __init__(self, layout: ApiCsv, validator: RecordValidator) -> None:
        self.columns = layout.columns
        self.validator = validator

    def check_batch(self, lines: list[str], first_line_no: int) -> tuple[list[Row], list[Reject]]:
        return split_outcomes(self._check(line_no, line) for line_no, line in enumerate(lines, first_line_no))

    def _check(self, line_no: int, line: str) -> Row | Reject:
        problem = _line_problem(line)
        if problem is not None:
            return Reject(line_no, problem[0], problem[1], line)
        text = line[:-1] if line.endswith("\r") else line
        try:
            values = next(csv.reader([text], strict=True))
        except csv.Error as error:
            return Reject(line_no, RejectReason.INVALID_RECORD, f"the line is not valid CSV: {error}", line)
        if len(values) != len(self.columns):
            found = len(values)
            cause = "the line looks truncated" if found < len(self.columns) else "is a value with a comma unquoted?"
            return Reject(
                line_no,
                RejectReason.WRONG_FIELD_COUNT,
                f"expected {len(self.columns)} ','-separated fields, found {found}: {cause}",
                line,
            )
        return self.validator.validate(line_no, dict(zip(self.columns, values, strict=True)), line)


class JsonLinesChecker:
    """Checks batches of JSON Lines: each line one weeklySummary object."""

    def __init__(self, validator: RecordValidator) -> None:
        self.validator = validator

    def check_batch(self, lines: list[str], first_line_no: int) -> tuple[list[Row], list[Reject]]:
        return split_outcomes(self._check(line_no, line) for line_no, line in enumerate(lines, first_line_no))

    def _check(self, line_no: int, line: str) -> Row | Reject:
        problem = _line_problem(line)
        if problem is not None:
            return Reject(line_no, problem[0], problem[1], line)
        try:
            record = json.loads(line)
        except ValueError as error:
            return Reject(
                line_no, RejectReason.INVALID_RECORD, f"the line is not a JSON object: {error} in {shown(line)}", line
            )
        return self.validator.validate(line_no, record, line)


def _line_problem(line: str) -> tuple[RejectReason, str] | None:
    if "\ufffd" in line:
        return RejectReason.INVALID_ENCODING, "the line holds bytes that are not UTF-8 (shown as U+FFFD)"
    if "\x00" in line:
        return RejectReason.INVALID_ENCODING, "the line holds a NUL character"
    if not line.strip():
        return RejectReason.BLANK_LINE, "blank line"
    return None
