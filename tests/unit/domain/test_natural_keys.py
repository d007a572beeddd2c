"""NaturalKeys answers like a plain dict of first occurrences, in any arrival order."""

from __future__ import annotations

import random

import pytest

from spine_domains.finra_otc.natural_keys import NaturalKeys, natural_key


def test_keys_sort_like_symbol_mpid_pairs() -> None:
    pairs = [("BRK", "UBSA"), ("BRK.B", "JPMX"), ("BRK$A", "X"), ("BR", "ZZZZ"), ("BRKA", "A"), ("A", "B")]
    assert sorted(pairs) == sorted(pairs, key=lambda p: natural_key(*p))


@pytest.mark.parametrize("seed", range(10))
def test_first_line_matches_a_dict(seed: int) -> None:
    rng = random.Random(seed)
    keys = [f"{rng.randint(0, 60):03d}" for _ in range(400)]
    if seed % 2:
        keys.sort()  # the sorted lane, with duplicates in a row
    index = NaturalKeys()
    reference: dict[str, int] = {}
    for line_no, key in enumerate(keys, start=2):
        assert index.first_line(key, line_no) == reference.setdefault(key, line_no)
    assert len(index) == len(reference)
