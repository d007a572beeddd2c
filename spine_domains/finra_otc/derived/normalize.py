"""normalize_week: ingest rows -> venue-level and symbol-level rows with stable venue ids.

Every later stage reads these rows, so the hard decisions are made once, here:

* the granularity of a row comes from FINRA's ``summaryTypeCode`` (inferred for layouts that
  have none: a download file lists ATS venues by MPID; a row without MPID is a non-ATS firm),
  and firm-level totals (``*_W_FIRM``) are not carried — added to venue rows they would count
  the same volume twice;
* a venue is identified by its MPID (ATS), else its CRD number, else its name (non-ATS firms
  have no MPID); FINRA's "De Minimis Firms" bucket is one venue of its own kind.

Rejected ingest lines are not in the capture, so line numbers may have gaps; nothing here
assumes they are consecutive. The loop does plain tuple and dict work per row, and resolves a
venue's id once per distinct (code, MPID, name, CRD), not once per row.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from itertools import islice
from typing import Any

from spine_core.framework.pipeline import CaptureRef, RowBatch
from spine_core.quality import CheckStatus, QualityResult, Severity
from spine_domains.finra_otc.derived.base import MAX_BATCH_ROWS, DerivedPipeline, DerivedRun
from spine_domains.finra_otc.derived.inputs import (
    INGEST_FILE_PLACEHOLDER,
    INGEST_PIPELINE,
    InputSpec,
    column_getter,
    run_command,
    week_partition,
)
from spine_domains.finra_otc.derived.vocabulary import (
    ALL_ATS,
    ALL_NON_ATS,
    ATS,
    ATS_VENUE_CODE,
    DE_MINIMIS,
    FIRM,
    NON_ATS,
    NON_ATS_VENUE_CODE,
    NORMALIZED_COLUMNS,
    SUMMARY_TYPES,
    SYMBOL,
    UNIDENTIFIED_ATS,
    UNIDENTIFIED_NON_ATS,
    VENUE,
)
from spine_domains.finra_otc.row import ROW_COLUMNS

__all__ = ["NormalizeWeek", "Normalizer", "classify"]

_UNKNOWN = "unknown"
# The ingest row columns normalize reads, in ROW_COLUMNS order (the loop unpacks them so):
# all but the API-only notional and the week start.
_INGEST_COLUMNS = tuple(c for c in ROW_COLUMNS if c not in ("total_notional", "week_start_date"))
# Captures made from the download layout (or before the API fields existed) lack these.
_OPTIONAL_COLUMNS = ("issue_name", "participant_name", "last_update_date", "summary_type_code", "firm_crd")

# A classified (code, MPID, name, CRD): [granularity, venue_id, venue_name, venue_kind,
# summary_type_code, rows seen, code inferred]. A list, so the loop can count rows in place.
_Venue = list[Any]


def classify(code: str | None, mpid: str | None, name: str | None, crd: str | None) -> _Venue:
    """Granularity, venue id, name and kind of an ingest row, from its code and firm fields."""
    inferred = not code
    if not code:
        code = ATS_VENUE_CODE if mpid else NON_ATS_VENUE_CODE
    known = SUMMARY_TYPES.get(code)
    if known is None:
        return [_UNKNOWN, None, None, None, code, 0, inferred]
    granularity, side = known
    if granularity == FIRM:
        return [FIRM, None, None, side, code, 0, inferred]
    if granularity == SYMBOL:
        total_id = ALL_ATS if side == ATS else ALL_NON_ATS
        return [SYMBOL, total_id, total_id, side, code, 0, inferred]
    clean = " ".join(name.split()) if name else ""
    kind = side
    if side == ATS:
        # An ATS is known by its MPID; one without (a data error) gets an id no non-ATS firm can have.
        venue_id = mpid or (f"ATS_CRD:{crd}" if crd else f"ATS_NAME:{clean.upper()}" if clean else UNIDENTIFIED_ATS)
    elif "de minimis" in clean.lower():
        venue_id = kind = DE_MINIMIS
    elif crd:
        venue_id = f"CRD:{crd}"
    elif clean:
        venue_id = f"NAME:{clean.upper()}"
    else:
        venue_id = UNIDENTIFIED_NON_ATS
    return [VENUE, venue_id, clean or venue_id, kind, code, 0, inferred]


class Normalizer:
    """Normalizes the rows of one ingest capture, chunk by chunk, and keeps the counts."""

    def __init__(self, ingest: CaptureRef) -> None:
        self._pick = column_getter(ingest, _INGEST_COLUMNS, optional=_OPTIONAL_COLUMNS)
        self._venues: dict[tuple[str | None, ...], _Venue] = {}
        self._symbols: set[str] = set()
        self.rows_in = 0
        self.rows_out = 0
        self.blank_symbols = 0
        self.clock = ""

    def normalize(self, rows: list[tuple[str | None, ...]]) -> list[tuple[Any, ...]]:
        out: list[tuple[Any, ...]] = []
        append = out.append
        pick = self._pick
        venues = self._venues
        add_symbol = self._symbols.add
        clock = self.clock
        blank = 0
        for row in rows:
            line, symbol, issue, mpid, name, shares, trades, updated, code, crd = pick(row)
            if updated is not None and updated > clock:
                clock = updated
            key = (code, mpid, name, crd)
            venue = venues.get(key)
            if venue is None:
                venue = venues[key] = classify(code, mpid, name, crd)
            venue[5] += 1
            if venue[1] is None:  # firm-level total or unknown code: not carried
                continue
            if not symbol:
                symbol = ""
                blank += 1
            add_symbol(symbol)
            append(
                (symbol, issue, venue[1], venue[2], venue[3], venue[0], venue[4], int(shares), int(trades), int(line))
            )
        self.clock = clock
        self.blank_symbols += blank
        self.rows_in += len(rows)
        self.rows_out += len(out)
        return out

    def counts(self) -> dict[str, Any]:
        by_granularity: dict[str, dict[str, int]] = {
            VENUE: {ATS: 0, NON_ATS: 0, DE_MINIMIS: 0},
            SYMBOL: {ATS: 0, NON_ATS: 0},
        }
        firm = inferred = 0
        unknown: dict[str, int] = {}
        venue_ids: set[str] = set()
        for granularity, venue_id, _name, kind, code, seen, was_inferred in self._venues.values():
            if not seen:
                continue
            inferred += seen if was_inferred else 0
            if granularity == _UNKNOWN:
                unknown[code] = unknown.get(code, 0) + seen
            elif granularity == FIRM:
                firm += seen
            else:
                by_granularity[granularity][kind] += seen
                if granularity == VENUE:
                    venue_ids.add(venue_id)
        return {
            "rows_by_granularity": by_granularity,
            "firm_rows_dropped": firm,
            "unknown_summary_type_rows": dict(sorted(unknown.items())),
            "summary_type_inferred_rows": inferred,
            "blank_symbol_rows": self.blank_symbols,
            "venues": len(venue_ids),
            "symbols": len(self._symbols),
        }


class NormalizeWeek(DerivedPipeline):
    """Venue-level and symbol-level rows of one week and tier, with venue ids and kinds."""

    name = "finra.otc_transparency.normalize_week"
    stage = "normalize"
    description = (
        "Normalize an ingested week: one row per venue-level or symbol-level FINRA row, with a "
        "stable venue id (MPID, CRD:<number>, NAME:<name>, DE_MINIMIS, ALL_ATS, ALL_NON_ATS), the "
        "venue kind (ATS, NON_ATS, DE_MINIMIS) and the granularity. Firm-level totals are counted, "
        "not carried: summing them with venue rows would count volume twice."
    )
    row_columns = NORMALIZED_COLUMNS

    def input_specs(self, params: Mapping[str, Any]) -> list[InputSpec]:
        week, tier = self.week_and_tier(params)
        command = run_command(INGEST_PIPELINE, week, tier, file=INGEST_FILE_PLACEHOLDER)
        return [InputSpec("ingest", INGEST_PIPELINE, week_partition(week, tier), command)]

    def batches(self, run: DerivedRun) -> Iterator[RowBatch]:
        """One batch per chunk of ``batch_lines`` ingest rows (less the rows not carried)."""
        normalizer = Normalizer(run.captures["ingest"])
        size = min(max(1, run.batch_lines), MAX_BATCH_ROWS)
        source = run.rows("ingest")
        first = 1
        while chunk := list(islice(source, size)):
            rows = normalizer.normalize(chunk)
            if rows:
                yield RowBatch(first_line=first, last_line=first + len(rows) - 1, rows=rows)
                first += len(rows)
        counts = normalizer.counts()
        run.check(_summary_type_check(counts["unknown_summary_type_rows"]))
        run.details.update(rows_in=normalizer.rows_in, source_last_update_max=normalizer.clock or None, **counts)


def _summary_type_check(unknown: Mapping[str, int]) -> QualityResult:
    """Whether every row had a known summaryTypeCode (rows with another are not carried)."""
    if unknown:
        listed = ", ".join(f"{code!r} ({n} rows)" for code, n in unknown.items())
        return QualityResult(
            check="summary_type_codes",
            status=CheckStatus.WARN,
            severity=Severity.WARN,
            message=f"rows with an unknown summaryTypeCode were not carried: {listed}",
            value=float(sum(unknown.values())),
            details={"unknown": unknown},
        )
    return QualityResult(
        check="summary_type_codes",
        status=CheckStatus.PASS,
        message="every row has a known summaryTypeCode (or a layout that implies one)",
        value=0.0,
    )
