"""Line validation: each problem gets its reason and a detail naming the field and value."""

from __future__ import annotations

import random

import pytest

from spine_core.rejects import Reject
from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.formats import FINRA_DOWNLOAD, SIMPLE
from spine_domains.finra_otc.generator import generate_lines
from spine_domains.finra_otc.row import Row
from spine_domains.finra_otc.tiers import Tier
from spine_domains.finra_otc.validation import MAX_INT64, LineValidator
from tests.unit.domain.support import DOWNLOAD_HEADER, SIMPLE_HEADER, assert_accounted, ats_row, run_ingest

WEEK, TIER = "2025-11-14", "NMS_TIER_1"


def dl(
    symbol: str = "AAPL",
    name: str = "Apple Inc. Common Stock",
    participant: str = "UBSA UBS ATS",
    mpid: str = "UBSA",
    shares: str = "1000",
    trades: str = "12",
    updated: str = "2025-12-01",
    tier: str = "NMS Tier 1",
) -> str:
    return "|".join((tier, symbol, name, participant, mpid, shares, trades, updated))


GOOD = dl(symbol="AA", mpid="ALPX")  # sorts before the lines under test

CASES: list[tuple[str, str, str | None]] = [
    # (line, reason, detail)
    (dl(shares="-50000000"), "NEGATIVE_VALUE", "totalWeeklyShareQuantity '-50000000' is negative"),
    (dl(trades="-1"), "NEGATIVE_VALUE", "totalWeeklyTradeCount '-1' is negative"),
    (dl(shares="12.5"), "INVALID_NUMBER", "totalWeeklyShareQuantity '12.5' is not a whole number"),
    (dl(shares="1,000"), "INVALID_NUMBER", "totalWeeklyShareQuantity '1,000' is not a whole number"),
    (dl(shares="1_000"), "INVALID_NUMBER", "totalWeeklyShareQuantity '1_000' is not a whole number"),
    (dl(shares="1e6"), "INVALID_NUMBER", "totalWeeklyShareQuantity '1e6' is not a whole number"),
    (dl(trades="twelve"), "INVALID_NUMBER", "totalWeeklyTradeCount 'twelve' is not a whole number"),
    (dl(shares="١٢"), "INVALID_NUMBER", "totalWeeklyShareQuantity '١٢' is not a whole number"),
    (dl(shares=str(2**63)), "OUT_OF_RANGE", f"totalWeeklyShareQuantity '{2**63}' exceeds the 64-bit limit 2**63-1"),
    (
        dl(shares="9" * 5000),
        "OUT_OF_RANGE",
        f"totalWeeklyShareQuantity '{'9' * 40}'... (5000 characters) exceeds the 64-bit limit 2**63-1",
    ),
    (dl(shares=""), "MISSING_FIELD", "totalWeeklyShareQuantity is empty"),
    (dl(symbol=""), "MISSING_FIELD", "issueSymbolIdentifier is empty"),
    (dl(symbol="   "), "MISSING_FIELD", "issueSymbolIdentifier is empty"),
    (
        dl(mpid="", participant=""),
        "MISSING_FIELD",
        "MPID and marketParticipantName are both empty "
        "(an ATS row needs the MPID, a non-ATS firm row the participant name)",
    ),
    (dl(mpid=" ", participant="  "), "MISSING_FIELD", None),
    (dl(updated=""), "MISSING_FIELD", "lastUpdateDate is empty"),
    (dl(tier=""), "MISSING_FIELD", "tierDescription is empty"),
    (dl(updated="2025-13-01"), "INVALID_DATE", "lastUpdateDate '2025-13-01' is not a date of the form YYYY-MM-DD"),
    (dl(updated="2025-02-30"), "INVALID_DATE", None),
    (dl(updated="20251201"), "INVALID_DATE", None),
    (dl(updated="12/01/2025"), "INVALID_DATE", None),
    (dl(tier="OTC"), "TIER_MISMATCH", "tierDescription 'OTC' is OTC, but this run ingests NMS_TIER_1"),
    (dl(tier="Tier 9"), "UNKNOWN_TIER", "tierDescription 'Tier 9' is not a known tier"),
    ("NMS Tier 1,AAPL,Apple,UBSA UBS ATS,UBSA,1000,12,2025-12-01", "WRONG_FIELD_COUNT", None),
    ("NMS Tier 1|AAPL|Apple|UBSA UBS ATS|UBSA|1000", "WRONG_FIELD_COUNT", None),
    (dl(name="Apple | Inc."), "WRONG_FIELD_COUNT", None),
    (dl(name="Caf\ufffd Holdings"), "INVALID_ENCODING", "the line holds bytes that are not UTF-8 (shown as U+FFFD)"),
    (dl(name="Nul\x00 Corp"), "INVALID_ENCODING", "the line holds a NUL character"),
    ("", "BLANK_LINE", "blank line"),
    ("   \t", "BLANK_LINE", "blank line"),
]


@pytest.mark.parametrize("after_good_line", [False, True], ids=["full-check", "after-fast-path-warmed"])
@pytest.mark.parametrize(("line", "reason", "detail"), CASES)
def test_reject_reason_and_detail(line: str, reason: str, detail: str | None, after_good_line: bool) -> None:
    lines = [DOWNLOAD_HEADER, GOOD, line] if after_good_line else [DOWNLOAD_HEADER, line]
    result = run_ingest(lines, WEEK, TIER)
    assert len(result.rejects) == 1, result.rows
    reject = result.rejects[0]
    assert (reject.line_no, reject.reason.value, reject.raw) == (len(lines), reason, line)
    if detail is not None:
        assert reject.detail == detail
    assert_accounted(result, len(lines))


def test_the_wrong_field_count_details_explain_the_likely_cause() -> None:
    lines = [
        DOWNLOAD_HEADER,
        "NMS Tier 1,AAPL,Apple,UBSA UBS ATS,UBSA,1000,12,2025-12-01",
        "NMS Tier 1|AAPL|Apple|UBSA UBS ATS|UBSA|1000",
        dl(name="Apple | Inc."),
    ]
    details = [r.detail for r in run_ingest(lines, WEEK, TIER).rejects]
    assert details == [
        "expected 8 '|'-separated fields, found 1: the line seems to use ',' as delimiter",
        "expected 8 '|'-separated fields, found 6: the line looks truncated",
        "expected 8 '|'-separated fields, found 9: is there a '|' inside a value?",
    ]


@pytest.mark.parametrize("value", ["0", str(2**31), str(2**63 - 1), " 42 ", "+7", "007"])
def test_accepted_counts(value: str) -> None:
    result = run_ingest([DOWNLOAD_HEADER, GOOD, dl(shares=value)], WEEK, TIER)
    assert result.rejects == []
    assert result.rows[-1][5] == int(value)
    assert result.rows[-1][5] <= MAX_INT64


@pytest.mark.parametrize("symbol", ["BRK.B", "BF.A", "KKR$D", "BA$A", "brk.b", "A"])
def test_symbols_keep_punctuation_and_case(symbol: str) -> None:
    result = run_ingest([DOWNLOAD_HEADER, dl(symbol=symbol)], WEEK, TIER)
    assert result.rows[0][1] == symbol


def test_row_shape_and_optional_names() -> None:
    result = run_ingest(
        [DOWNLOAD_HEADER, dl(symbol="A", name="Agilent  Technologies, Inc."), dl(symbol="B", name="", participant="")],
        WEEK,
        TIER,
    )
    assert result.rows == [
        ats_row(2, "A", "Agilent  Technologies, Inc.", "UBSA", "UBSA UBS ATS", 1000, 12, "2025-12-01"),
        ats_row(3, "B", None, "UBSA", None, 1000, 12, "2025-12-01"),
    ]


def test_any_tier_spelling_in_the_file_is_accepted_for_the_run_tier() -> None:
    lines = [
        DOWNLOAD_HEADER,
        dl(symbol="A", tier="NMS Tier 1"),
        dl(symbol="B", tier="T1"),
        dl(symbol="C", tier="nms_tier_1"),
    ]
    assert run_ingest(lines, WEEK, TIER).rejects == []


def test_duplicates_name_the_first_line_even_when_the_file_is_unsorted() -> None:
    lines = [
        DOWNLOAD_HEADER,
        dl(symbol="B"),
        dl(symbol="A"),
        dl(symbol="B"),
        dl(symbol="A"),
        dl(symbol="C"),
        dl(symbol="A"),
    ]
    result = run_ingest(lines, WEEK, TIER, batch_lines=2)
    assert [row[1] for row in result.rows] == ["B", "A", "C"]
    assert [(r.line_no, r.detail) for r in result.rejects] == [
        (4, "issueSymbolIdentifier 'B' with MPID 'UBSA' already appeared on line 2"),
        (5, "issueSymbolIdentifier 'A' with MPID 'UBSA' already appeared on line 3"),
        (7, "issueSymbolIdentifier 'A' with MPID 'UBSA' already appeared on line 3"),
    ]


def test_a_rejected_line_does_not_claim_its_key() -> None:
    lines = [DOWNLOAD_HEADER, dl(shares="-1"), dl(shares="5")]
    result = run_ingest(lines, WEEK, TIER)
    assert [r.reason.value for r in result.rejects] == ["NEGATIVE_VALUE"]
    assert result.rows[0][5] == 5


def test_simple_layout_week_checks() -> None:
    lines = [
        SIMPLE_HEADER,
        "2025-11-14|NMS Tier 1|A|ALPX|982|23",
        "2025-11-21|NMS Tier 1|A|BIDS|1|1",
        "14/11/2025|NMS Tier 1|A|BLUE|1|1",
        "|NMS Tier 1|A|CODA|1|1",
        "2025-11-14|NMS Tier 2|A|EBXL|1|1",
    ]
    result = run_ingest(lines, WEEK, TIER)
    assert [(r.reason.value, r.detail) for r in result.rejects] == [
        ("WEEK_MISMATCH", "WeekEnding '2025-11-21' is not the run's week ending 2025-11-14"),
        ("INVALID_DATE", "WeekEnding '14/11/2025' is not a date of the form YYYY-MM-DD"),
        ("MISSING_FIELD", "WeekEnding is empty"),
        ("TIER_MISMATCH", "Tier 'NMS Tier 2' is NMS_TIER_2, but this run ingests NMS_TIER_1"),
    ]


# --------------------------------------------------------------------------- fast path == full check
def _mutations(seed: int, count: int) -> list[str]:
    """Lines near the valid ones: each field replaced now and then by something odd."""
    rng = random.Random(seed)
    odd = ["", " ", "-1", "0", "1.5", " 7", "99999999999999999999", "NMS Tier 1", "OTC", "T1", "2025-12-01",
           "2025-12-01 ", "2025-12-08", "x\ufffd", "a\x00", "AAPL", "UBSA", "|", ","]  # fmt: skip
    odd_symbols = ["", " ", "x\ufffd", "a\x00", "|", ",", "0", "-1"]
    drawn = {"".join(rng.choices("ABCDEF", k=rng.randint(1, 5))) for _ in range(count)}
    symbols = sorted(drawn | {"BRK.B", "BF.A", "KKR$D", "BA$A", " A", "A A", "Aa", "a"})
    mpids = ["UBSA", "JPMX", "INCR"]
    lines: list[str] = []
    for i in range(count):
        # Mostly ascending keys, as in FINRA's files, so the fast path does most of the work.
        fields = [
            "NMS Tier 1",
            symbols[i % len(symbols)] if rng.random() < 0.95 else rng.choice(symbols[: i + 1]),  # earlier: a duplicate
            "Name, Inc.",
            "X NAME",
            "UBSA" if rng.random() < 0.9 else rng.choice(mpids),
            str(rng.randrange(0, 10**12)),
            str(rng.randrange(0, 10**6)),
            "2025-12-01",
        ]
        for f in range(len(fields)):
            if rng.random() < 0.06:
                # An accepted odd symbol sorting high (say "UBSA") would send every later line
                # to the full check, so the symbol only gets odd values that fail or sort low.
                fields[f] = rng.choice(odd_symbols if f == 1 else odd)
        lines.append("|".join(fields))
    return lines


@pytest.mark.parametrize("seed", range(8))
def test_fast_path_agrees_with_the_full_check(seed: int) -> None:
    week = WeekEnding.parse(WEEK)
    lines = _mutations(seed, 600)
    fast = LineValidator(FINRA_DOWNLOAD, week, Tier.NMS_TIER_1)
    slow = LineValidator(FINRA_DOWNLOAD, week, Tier.NMS_TIER_1)
    full_checks = 0
    full_check = fast.validate

    def counting_validate(line_no: int, line: str) -> Row | Reject:
        nonlocal full_checks
        full_checks += 1
        return full_check(line_no, line)

    fast.validate = counting_validate  # type: ignore[method-assign]  # count the full checks
    fast_rows, fast_rejects = [], []
    for start in range(0, len(lines), 97):
        rows, rejects = fast.check_batch(lines[start : start + 97], start + 2)
        fast_rows += rows
        fast_rejects += rejects
    outcomes = [slow.validate(n, line) for n, line in enumerate(lines, 2)]
    assert fast_rows == [o for o in outcomes if not isinstance(o, Reject)]
    assert fast_rejects == [o for o in outcomes if isinstance(o, Reject)]
    assert fast.update_dates == slow.update_dates
    # Both paths were exercised: many lines took the fast path, the others the full check.
    assert full_checks < len(lines) - 150 and len(fast_rejects) > 100


def test_simple_layout_validator_has_no_fast_path_surprises() -> None:
    validator = LineValidator(SIMPLE, WeekEnding.parse(WEEK), Tier.NMS_TIER_1)
    rows, rejects = validator.check_batch(["2025-11-14|T1|A|X|1|1", "2025-11-14|T1|A|X|1|1"], 2)
    assert rows == [ats_row(2, "A", None, "X", None, 1, 1, None)]
    assert [r.reason.value for r in rejects] == ["DUPLICATE_KEY"]


def test_unsorted_file_with_duplicates_matches_a_reference() -> None:
    rng = random.Random(11)
    generated = list(generate_lines(3_000, week_ending=WeekEnding.parse(WEEK), tier=Tier.NMS_TIER_1, seed=4))
    body = generated[1:] + rng.sample(generated[1:], 200)  # 200 duplicates
    rng.shuffle(body)
    result = run_ingest([generated[0], *body], WEEK, TIER, batch_lines=256)
    first_seen: dict[tuple[str, str], int] = {}
    expected: list[tuple[int, str]] = []
    for line_no, line in enumerate(body, start=2):
        fields = line.split("|")
        first = first_seen.setdefault((fields[1], fields[4]), line_no)
        if first != line_no:
            expected.append((line_no, f"already appeared on line {first}"))
    assert len(result.rejects) == len(expected) == 200
    for reject, (line_no, ending) in zip(result.rejects, expected, strict=True):
        assert reject.line_no == line_no and reject.detail.endswith(ending)
    assert len(result.rows) == 3_000
