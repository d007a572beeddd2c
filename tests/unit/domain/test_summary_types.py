"""Summary types: non-ATS firm rows and the De Minimis bucket in the download layout, codes, keys."""

from __future__ import annotations

import random

import pytest

from spine_core.errors import InvalidParameter
from spine_core.rejects import Reject
from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.formats import FINRA_DOWNLOAD
from spine_domains.finra_otc.natural_keys import NaturalKeys, natural_key
from spine_domains.finra_otc.summary_types import SummaryType
from spine_domains.finra_otc.tiers import Tier
from spine_domains.finra_otc.validation import LineValidator
from tests.unit.domain.support import DOWNLOAD_HEADER, SIMPLE_HEADER, assert_accounted, ats_row, run_ingest

WEEK, TIER = "2025-11-14", "OTC"


def dl(symbol: str, participant: str, mpid: str, shares: str = "100") -> str:
    return "|".join(("OTC", symbol, f"{symbol} Corp", participant, mpid, shares, "3", "2025-12-15"))


def test_an_empty_mpid_with_a_participant_name_is_a_non_ats_firm_row() -> None:
    lines = [
        DOWNLOAD_HEADER,
        dl("AABB", "OTCN OTC LINK NQB IDQS", "OTCN"),
        dl("AABB", "CITADEL SECURITIES LLC", ""),
        dl("AABB", "VIRTU AMERICAS LLC", ""),
        dl("AABB", "De Minimis Firms", ""),
        dl("AACB", "DE MINIMIS FIRMS", ""),
        dl("AACB", "de minimis firms", "", shares="0"),  # the same firm name again: a duplicate
        dl("AACB", "", ""),
        dl("AACB", "   ", " "),
    ]
    result = run_ingest(lines, WEEK, TIER)
    assert_accounted(result, len(lines))
    non_ats = "OTC_W_SMBL_FIRM"
    assert result.rows == [
        ats_row(2, "AABB", "AABB Corp", "OTCN", "OTCN OTC LINK NQB IDQS", 100, 3, "2025-12-15"),
        ats_row(3, "AABB", "AABB Corp", None, "CITADEL SECURITIES LLC", 100, 3, "2025-12-15", code=non_ats),
        ats_row(4, "AABB", "AABB Corp", None, "VIRTU AMERICAS LLC", 100, 3, "2025-12-15", code=non_ats),
        ats_row(5, "AABB", "AABB Corp", None, "De Minimis Firms", 100, 3, "2025-12-15", code=non_ats),
        ats_row(6, "AACB", "AACB Corp", None, "DE MINIMIS FIRMS", 100, 3, "2025-12-15", code=non_ats),
        ats_row(7, "AACB", "AACB Corp", None, "de minimis firms", 0, 3, "2025-12-15", code=non_ats),
    ]
    assert [(r.line_no, r.reason.value) for r in result.rejects] == [(8, "MISSING_FIELD"), (9, "MISSING_FIELD")]
    assert result.summary["summary_types"] == {
        "ATS_W_SMBL_FIRM": {"rows": 1, "total_shares": 100},
        "OTC_W_SMBL_FIRM": {"rows": 5, "total_shares": 400},
    }
    assert result.summary["symbols"] == 2


def test_non_ats_duplicates_are_keyed_by_participant_name() -> None:
    lines = [
        DOWNLOAD_HEADER,
        dl("AABB", "CITADEL SECURITIES LLC", ""),
        dl("AABB", "CITADEL", "CITADEL"),  # an ATS row whose MPID equals a firm name: another key
        dl("AABB", "CITADEL SECURITIES LLC", ""),
    ]
    result = run_ingest(lines, WEEK, TIER)
    assert [r.detail for r in result.rejects] == [
        "issueSymbolIdentifier 'AABB' with marketParticipantName 'CITADEL SECURITIES LLC' "
        "(a non-ATS firm, OTC_W_SMBL_FIRM) already appeared on line 2"
    ]


def test_the_fast_path_and_the_full_check_agree_on_mixed_files() -> None:
    rng = random.Random(5)
    body = []
    for i in range(3_000):
        symbol = f"S{i // 4:04d}"
        kind = rng.random()
        if kind < 0.7:
            body.append(dl(symbol, "OTCN OTC LINK", f"M{i % 4}"))
        elif kind < 0.95:
            body.append(dl(symbol, f"FIRM {i % 4}", ""))
        else:
            body.append(dl(symbol, "", ""))
    body += rng.sample(body, 100)
    result = run_ingest([DOWNLOAD_HEADER, *body], WEEK, TIER, batch_lines=333)
    full = LineValidator(FINRA_DOWNLOAD, WeekEnding.parse(WEEK), Tier.OTC)
    outcomes = [full.validate(n, line) for n, line in enumerate(body, 2)]
    assert result.rows == [o for o in outcomes if not isinstance(o, Reject)]
    assert result.rejects == [o for o in outcomes if isinstance(o, Reject)]
    shares = sum(row[5] for row in result.rows)
    assert result.summary["summary_types"] == full.by_summary_type(len(result.rows), shares)
    assert result.summary["symbols"] == full.keys.symbol_count() == len({row[1] for row in result.rows})


def test_the_simple_layout_needs_an_mpid() -> None:
    lines = [SIMPLE_HEADER, "2025-11-14|OTC|A||1|1", "2025-11-14|OTC|A|X|1|1"]
    result = run_ingest(lines, WEEK, TIER)
    assert [(r.reason.value, r.detail) for r in result.rejects] == [("MISSING_FIELD", "MPID is empty")]
    assert result.rows[0][8] == "ATS_W_SMBL_FIRM"


# --------------------------------------------------------------------------- codes and keys
def test_summary_type_codes() -> None:
    assert [c.value for c in SummaryType] == [
        "ATS_W_SMBL_FIRM",
        "ATS_W_SMBL",
        "ATS_W_FIRM",
        "OTC_W_SMBL_FIRM",
        "OTC_W_SMBL",
        "OTC_W_FIRM",
    ]
    assert [(c.per_symbol, c.per_firm, c.is_ats) for c in SummaryType] == [
        (True, True, True),
        (True, False, True),
        (False, True, True),
        (True, True, False),
        (True, False, False),
        (False, True, False),
    ]
    assert SummaryType.parse(" ats_w_smbl ") is SummaryType.ATS_W_SMBL
    with pytest.raises(InvalidParameter) as raised:
        SummaryType.parse("ATS")
    assert raised.value.hint is not None and "OTC_W_FIRM" in raised.value.hint


def test_keys_of_different_types_never_collide_and_sort_by_symbol_first() -> None:
    keys = [natural_key(s, v, t) for s in ("A", "AB", "") for v in ("X", "") for t in SummaryType]
    assert len(set(keys)) == len(keys)
    assert natural_key("A", "X") == natural_key("A", "X", "ATS_W_SMBL_FIRM") == "A\x00X"
    mixed = [natural_key("B", "Z"), natural_key("A", "Z", "OTC_W_SMBL_FIRM"), natural_key("A", "Y")]
    assert sorted(mixed) == [natural_key("A", "Z", "OTC_W_SMBL_FIRM"), natural_key("A", "Y"), natural_key("B", "Z")]


@pytest.mark.parametrize("seed", range(6))
def test_symbol_count_matches_a_set(seed: int) -> None:
    rng = random.Random(seed)
    index = NaturalKeys()
    symbols: set[str] = set()
    entries = [
        (rng.choice(["", "A", "AB", "B", "BA", "C"]), rng.choice("XYZ"), rng.choice(list(SummaryType)))
        for _ in range(200)
    ]
    if seed % 2:
        entries.sort()
    for line_no, (symbol, venue, code) in enumerate(entries, 1):
        if index.first_line(natural_key(symbol, venue, code), line_no) == line_no and symbol:
            symbols.add(symbol)
    assert index.symbol_count() == len(symbols)
