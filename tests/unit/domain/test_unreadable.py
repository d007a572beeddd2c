"""Sources that cannot be read fail with SourceUnreadable and a helpful message; nothing else escapes."""

from __future__ import annotations

import random

import pytest

from spine_core.errors import InvalidParameter, MissingData, SourceUnreadable
from spine_core.framework.pipeline import PipelineInputs
from spine_domains.finra_otc.pipelines import IngestWeek
from tests.unit.domain.support import (
    DOWNLOAD_HEADER,
    SIMPLE_HEADER,
    VENUE_HEADER,
    assert_accounted,
    run_ingest,
)


def _unreadable(lines: list[str]) -> SourceUnreadable:
    with pytest.raises(SourceUnreadable) as raised:
        run_ingest(lines, "2025-11-14", "OTC")
    error = raised.value
    assert error.code == "source_unreadable" and error.message and error.hint
    return error


def test_empty_source() -> None:
    error = _unreadable([])
    assert "empty" in error.message
    assert error.hint is not None and DOWNLOAD_HEADER in error.hint


def test_only_comments_and_blank_lines() -> None:
    error = _unreadable(["# FINRA OTC Transparency Data", "", "   ", "# Week Ending: 2025-11-14"])
    assert "only comment or blank lines (4)" in error.message


def test_unknown_header_lists_the_expected_ones() -> None:
    error = _unreadable(["symbol,venue,week,shares", "AAPL,UBSA,2025-11-14,1"])
    assert "matches no known layout" in error.message
    assert error.hint is not None
    for header in (DOWNLOAD_HEADER, SIMPLE_HEADER, VENUE_HEADER):
        assert header in error.hint
    assert "weeklySummary records" in error.hint and "JSON" in error.hint


def test_a_table_derived_from_api_records_is_named() -> None:
    error = _unreadable(["issueSymbolIdentifier,issueName,weekStartDate,ats_shares", "AAPL,Apple,2025-07-14,1"])
    assert "lacks totalWeeklyShareQuantity, totalWeeklyTradeCount" in error.message
    assert "not a file of weeklySummary records" in error.message and "ats_shares" in error.message
    assert error.hint is not None and "weeklySummary records themselves" in error.hint


def test_a_known_header_with_another_delimiter_is_named() -> None:
    error = _unreadable([DOWNLOAD_HEADER.replace("|", ",")])
    assert "finra_download layout delimited by ','" in error.message


def test_cr_only_line_ends_are_named() -> None:
    error = _unreadable([DOWNLOAD_HEADER + "\rOTC|AABB|Asia|OTCN X|OTCN|1|1|2025-12-15\r"])
    assert "CR alone" in error.message


@pytest.mark.parametrize(
    "first_line",
    [
        "PK\x03\x04\x14\x00\x06\x00\x08\x00",  # a zip (xlsx) file
        "\x1f\ufffd\x08\x00\ufffd\ufffd",  # gzip
        "\ufffd\ufffd\ufffd\ufffdJFIF\ufffd",  # mostly undecodable bytes
    ],
)
def test_binary_content(first_line: str) -> None:
    error = _unreadable([first_line, "\x00\x00\x00"])
    assert "binary" in error.message


def test_utf16_text_is_named() -> None:
    header = DOWNLOAD_HEADER.encode("utf-16").decode("utf-8", errors="replace")
    assert "UTF-16" in _unreadable([header]).message


def test_missing_source() -> None:
    pipeline = IngestWeek()
    params = pipeline.parse_params({"week_ending": "2025-11-14", "tier": "OTC"})
    with pytest.raises(SourceUnreadable):
        list(pipeline.run(params, PipelineInputs(source=None)))


@pytest.mark.parametrize("header", [DOWNLOAD_HEADER, SIMPLE_HEADER, VENUE_HEADER])
def test_header_tolerates_bom_spaces_and_case(header: str) -> None:
    variant = "\ufeff  " + header.lower().replace("|", " | ") + " \t"
    result = run_ingest(["# a comment", "", variant], "2025-11-14", "OTC")
    assert result.summary["comment_lines"] == 2 and result.summary["rows_accepted"] == 0
    assert_accounted(result, 3)


def test_bom_before_a_leading_comment() -> None:
    result = run_ingest(["\ufeff# exported 2025-12-15", DOWNLOAD_HEADER], "2025-11-14", "OTC")
    assert result.summary["comment_lines"] == 1


def test_comment_lines_after_the_header_are_rejected_not_skipped() -> None:
    result = run_ingest([DOWNLOAD_HEADER, "# not a comment any more"], "2025-11-14", "OTC")
    assert result.reasons() == {"WRONG_FIELD_COUNT": 1}


# --------------------------------------------------------------------------- random garbage
_PIECES = [
    "OTC", "NMS Tier 1", "AAPL", "BRK.B", "", " ", "|", "||", ",", "-1", "0", "12", "1.5", "9" * 25,
    "2025-12-15", "2025-11-14", "2025-02-30", "\ufffd", "\x00", "\t", "\ufeff", "#", "OTCN", "é", "\u2028",
]  # fmt: skip


def _garbage_line(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.3:  # a plausible row with a few odd fields
        fields = [
            "OTC",
            rng.choice(["A", "AB", "ABC"]),
            "Name",
            "P",
            rng.choice(["OTCN", "OTCX"]),
            "10",
            "2",
            "2025-12-15",
        ]
        for i in range(len(fields)):
            if rng.random() < 0.2:
                fields[i] = rng.choice(_PIECES)
        return "|".join(fields[: rng.randint(0, 9)] if rng.random() < 0.1 else fields)
    if kind < 0.6:
        return "".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 12)))
    return "".join(chr(rng.randint(0, 0x2FFF)) for _ in range(rng.randint(0, 40)))


@pytest.mark.parametrize("seed", range(40))
def test_random_garbage_never_escapes_as_anything_but_source_unreadable(seed: int) -> None:
    rng = random.Random(seed)
    lines = [_garbage_line(rng) for _ in range(rng.randint(0, 120))]
    if rng.random() < 0.7:  # most runs get a real header somewhere near the top
        position = rng.randint(0, min(3, len(lines)))
        lines.insert(position, rng.choice([DOWNLOAD_HEADER, SIMPLE_HEADER, VENUE_HEADER]))
        lines[:position] = ["# " + line for line in lines[:position]]
    tier = rng.choice(["OTC", "NMS_TIER_1", "NMS_TIER_2"])
    try:
        result = run_ingest(lines, rng.choice(["2025-11-14", "2025-12-12"]), tier, batch_lines=rng.randint(1, 50))
    except SourceUnreadable as error:
        assert error.message and error.hint
        return
    assert_accounted(result, len(lines))
    for reject in result.rejects:
        assert reject.raw == lines[reject.line_no - 1] and reject.detail


@pytest.mark.parametrize("seed", range(40))
def test_random_garbage_with_the_week_and_tier_left_to_the_file(seed: int) -> None:
    """Resolution reads the same garbage: it fails only with a Spine error that says what to do."""
    rng = random.Random(1000 + seed)
    lines = [_garbage_line(rng) for _ in range(rng.randint(0, 60))]
    if rng.random() < 0.7:
        position = rng.randint(0, min(3, len(lines)))
        lines.insert(position, rng.choice([DOWNLOAD_HEADER, SIMPLE_HEADER, VENUE_HEADER, "[", "{"]))
        lines[:position] = ["# " + line for line in lines[:position]]
    try:
        result = run_ingest(lines, None, rng.choice([None, "OTC"]), batch_lines=rng.randint(1, 50))
    except (SourceUnreadable, InvalidParameter, MissingData) as error:
        assert error.message and error.hint
        return
    assert_accounted(result, len(lines))


@pytest.mark.parametrize(
    "lines",
    [
        ["[", '{"weekStartDate": "2025-11-10", "tierIdentifier": "T1"}', "oops"],
        ['{"weekStartDate": "2025-11-10", "tierIdentifier": "T1"}', "[1,", "{"],
        ["issueSymbolIdentifier,weekStartDate,totalWeeklyShareQuantity,totalWeeklyTradeCount", '"AAPL,2025-11-10'],
        ["[1, 2, 3]"],
        ['[{"weekStartDate": 20251110}]'],
    ],
)
def test_odd_api_sources_resolve_or_fail_clearly(lines: list[str]) -> None:
    try:
        result = run_ingest(lines, None, None)
    except (SourceUnreadable, InvalidParameter, MissingData) as error:
        assert error.message and error.hint
        return
    assert_accounted(result, len(lines))
