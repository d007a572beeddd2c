"""Seeded generator of realistic FINRA weekly download files, for scale tests and benchmarks.

Output follows the real download layout and ordering (sorted by symbol, then MPID; every
(symbol, MPID) once) with realistic content: 1-5 letter symbols plus a few ``BRK.B``-style and
``$`` preferred symbols, issue names with commas and the occasional double space, venues from
:mod:`venue_pool`, and share quantities and trade counts at the magnitudes of real weeks:

* Tier 1, calibrated on FINRA's per-symbol ATS totals (2,424 symbols in the week of
  2025-07-21: median 507 thousand shares, p99 25 million, largest 94.5 million): a symbol's
  median week is about 500 thousand shares over a dozen ATSs, the largest a few hundred
  million at most; ATS trades average 150-300 shares.
* Tier 2: FINRA publishes no per-symbol figures we hold, and its ATS volume is a fraction of
  Tier 1's, so a symbol's median is taken an order of magnitude below Tier 1's (about 50
  thousand shares) over half as many venues; same trade sizes.
* OTC, calibrated on real OTC download files (about 5,300 rows: median row 4,000 shares, p99
  2.2 million, largest 250 million; median symbol 5,200; 1.7 venues a symbol; trades of
  thousands of shares, as penny stocks trade). One symbol in 16,384 is a sub-penny stock
  trading 2-4 billion shares on its main venue, beyond 32 bits, as real ones do: every OTC
  file of more than about 28,000 rows holds one.

Volumes are capped per tier, so a symbol of a million-row file is no larger than the largest
of a real week. Memory stays bounded: lines are produced one at a time from small lookup tables
drawn once per call, which also keeps the rate at 0.5-1.2 million lines per second on one core.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

from spine_core.temporal import WeekEnding
from spine_domains.finra_otc.formats import FINRA_DOWNLOAD
from spine_domains.finra_otc.tiers import Tier
from spine_domains.finra_otc.venue_pool import NMS_VENUES, OTC_VENUES, Venue

__all__ = ["generate_lines", "generate_text", "publication_date"]

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_SUBSET_BITS = 10  # 1,024 pre-drawn venue sets, one picked per symbol
_NAME_BITS = 11  # 2,048 pre-drawn issue names
_TABLE_BITS = 12  # 4,096 pre-drawn volume scales, multipliers and trade sizes
_SUBPENNY_EVERY = 1 << 14  # one OTC symbol in 16,384 is a sub-penny stock trading billions
_SUBPENNY_SHARES = 2**31  # its main venue's weekly shares: 1-2x this, so beyond 32 bits
_PUNCTUATED_ODDS = 100  # one short symbol in this many gets a class or preferred sibling

# fmt: off
_STEMS = (
    "Asia Broadband", "Apex", "Pacific", "Northern Star", "Blue Ridge", "Golden", "Silver Lake",
    "Harbor", "Quantum", "Global Arena", "American Shared", "Aberdeen", "Cascade", "Zenith",
    "Meridian", "Summit", "Atlas", "Beacon", "Crescent", "Evergreen", "Frontier", "Granite",
    "Horizon", "Ironwood", "Juniper", "Keystone", "Liberty", "Mosaic", "Nova", "Orion",
    "Pinnacle", "Redwood", "Sterling", "Titan", "Unity", "Vertex", "Westbridge", "Yukon",
)
_TRADES = (
    "Therapeutics", "Energy", "Mining", "Resources", "Technologies", "Pharmaceuticals",
    "Networks", "Royalty", "Realty", "Minerals", "Gold", "Lithium", "Digital", "Solar",
    "Water", "Data", "Medical", "Foods", "Brands", "Motors", "Bancorp", "Financial",
    "Semiconductor", "Software", "Biosciences", "Capital", "Shipping", "Telecom",
    "Entertainment", "Holdings", "Industries", "Oil & Gas",
)
_LEGAL = (
    "Inc", "Inc.", ", Inc.", "Corp", "Corporation", ", Corp.", "Ltd", "Limited", "PLC",
    "Co., Ltd.", "Holdings Inc", "Group, Inc.", "N.V.", "S.A.", "AG", ", LLC",
)
_SECURITIES = {
    "otc": (
        "Common Stock", "Common Stock", "Ordinary Shares", "Common Shares",
        "Unsponsored ADR (Japan)", "Sponsored ADR (United Kingdom)", "Ordinary Shares (Canada)",
        "Com Par $0.001", "Unsponsored ADR (Cayman Islands)", "Common Stock", "Warrants",
        "Ordinary Shares (Germany)", "Common Stock", "Units", "Ordinary Shares", "Common Stock",
    ),
    "nms": (
        "Common Stock", "Common Stock", "Class A Common Stock", "Ordinary Shares",
        "American Depositary Shares", "Common Stock", "Common Shares of Beneficial Interest",
        "Common Stock", "ETF", "Common Stock", "Class A Ordinary Shares", "Common Stock",
        "Depositary Shares", "Common Stock", "Units", "Common Stock",
    ),
}
# (symbol suffix, text replacing the security type) for class shares and preferreds
_PUNCTUATED = (
    (".A", "Class A Common Stock"), (".B", "Class B Common Stock"),
    ("$A", "Depositary Shares Series A"), ("$B", "Depositary Shares Series B"),
    ("$C", "Preferred Stock Series C"), ("$D", "Depositary Shares Series D"),
)
# fmt: on


@dataclass(frozen=True, slots=True)
class _Magnitude:
    """A tier's lognormal parameters: a symbol's volume scale and a row's average trade size."""

    volume_mu: float
    volume_sigma: float
    volume_cap: float  # the largest scale: bounds a symbol's volume, however large the file
    trade_mu: float
    trade_sigma: float


# Calibrated against real weeks (see the module docstring): Tier 1 on FINRA's per-symbol ATS
# totals, Tier 2 a tenth of Tier 1 per symbol, OTC on the real OTC download files.
_MAGNITUDES = {
    Tier.NMS_TIER_1: _Magnitude(volume_mu=10.55, volume_sigma=1.4, volume_cap=5e6, trade_mu=5.45, trade_sigma=0.6),
    Tier.NMS_TIER_2: _Magnitude(volume_mu=8.85, volume_sigma=1.4, volume_cap=1e6, trade_mu=5.45, trade_sigma=0.6),
    Tier.OTC: _Magnitude(volume_mu=8.3, volume_sigma=2.6, volume_cap=1e7, trade_mu=8.3, trade_sigma=1.2),
}


def publication_date(week_ending: WeekEnding, tier: Tier) -> str:
    """The Monday FINRA first publishes the week (``lastUpdateDate`` of generated rows)."""
    return (week_ending.value + timedelta(days=tier.publication_lag_days)).isoformat()


def generate_lines(
    rows: int, *, week_ending: WeekEnding, tier: Tier, seed: int = 0, universe_seed: int | None = None
) -> Iterator[str]:
    """Yield the header, then exactly ``rows`` data lines (no newline characters).

    Deterministic for a given (rows, week_ending, tier, seed, universe_seed). ``universe_seed``
    draws the symbols, issue names, each symbol's venues and its size; ``seed`` draws the rest
    (volumes per venue, trade sizes). Files of consecutive weeks with one universe seed and
    different seeds form a series — the same symbols trading on the same venues, volumes moving
    from week to week — as real weeks do. Without it, ``seed`` draws everything. Raises
    ValueError for a negative count or beyond the 1-5 letter symbol space (tens of millions of
    rows).
    """
    if rows < 0:
        raise ValueError(f"rows must be >= 0, got {rows}")
    rng = random.Random(seed)
    # One generator for both roles when no universe seed is given, in the same order of draws.
    universe = rng if universe_seed is None else random.Random(universe_seed)
    nms = tier is not Tier.OTC
    venue_sets = _venue_sets(universe, NMS_VENUES if nms else OTC_VENUES, 0.5 if tier is Tier.NMS_TIER_2 else 1.0)
    mean_venues = sum(len(v) for v in venue_sets) / len(venue_sets)
    # Per-row volume multipliers and average trade sizes, drawn once: per-row lognormal draws
    # would cost more than everything else together.
    magnitude = _MAGNITUDES[tier]
    multipliers = [rng.lognormvariate(0.0, 0.9) for _ in range(1 << _TABLE_BITS)]
    trade_sizes = [
        max(1, int(rng.lognormvariate(magnitude.trade_mu, magnitude.trade_sigma))) for _ in range(1 << _TABLE_BITS)
    ]
    # The cap bounds a symbol's volume whatever the file's size (a million-row file has no
    # larger stocks than a real week of a few thousand symbols).
    cap = magnitude.volume_cap
    scales = [
        min(cap, universe.lognormvariate(magnitude.volume_mu, magnitude.volume_sigma)) for _ in range(1 << _TABLE_BITS)
    ]
    names = _issue_names(universe, _SECURITIES["nms" if nms else "otc"])
    symbols = _SymbolStream(universe, names, rows / mean_venues, nms)
    # OTC only: the symbols at this offset modulo _SUBPENNY_EVERY are sub-penny stocks, so every
    # OTC file of more than about 28,000 rows has one row beyond 32 bits, as real weeks can.
    subpenny = universe.getrandbits(14) if not nms else -1
    suffix = "|" + publication_date(week_ending, tier)
    bits = rng.getrandbits
    universe_bits = universe.getrandbits

    yield FINRA_DOWNLOAD.header
    remaining = rows
    count = 0
    while remaining > 0:
        symbol, issue_name = symbols.next(remaining / mean_venues)
        venues = venue_sets[universe_bits(_SUBSET_BITS)][:remaining]
        prefix = f"{tier.description}|{symbol}|{issue_name}|"
        scale = scales[universe_bits(_TABLE_BITS)]
        first = 0
        if count % _SUBPENNY_EVERY == subpenny:
            part = venues[0][0]
            shares = _SUBPENNY_SHARES + int(_SUBPENNY_SHARES * rng.random())
            trades = shares // (100 * trade_sizes[bits(_TABLE_BITS)]) or 1
            yield f"{prefix}{part}{shares}|{trades}{suffix}"
            first = 1
        count += 1
        for part, factor in venues[first:]:
            shares = int(scale * factor * multipliers[bits(_TABLE_BITS)]) + 1
            trades = shares // trade_sizes[bits(_TABLE_BITS)] or 1
            yield f"{prefix}{part}{shares}|{trades}{suffix}"
        remaining -= len(venues)


def generate_text(
    rows: int, *, week_ending: WeekEnding, tier: Tier, seed: int = 0, universe_seed: int | None = None
) -> str:
    """The whole file as one string (LF line ends, final newline); for small sizes."""
    lines = generate_lines(rows, week_ending=week_ending, tier=tier, seed=seed, universe_seed=universe_seed)
    return "\n".join(lines) + "\n"


_Name = tuple[str, str, str]  # company, separator (one or two spaces), security type


def _venue_sets(rng: random.Random, pool: tuple[Venue, ...], density: float) -> list[tuple[tuple[str, float], ...]]:
    """Pre-drawn venue sets, each sorted by MPID, as ("participant|MPID|", volume factor)."""
    ordered = sorted(pool, key=lambda v: v.mpid)
    busiest = max(pool, key=lambda v: v.weight)
    out: list[tuple[tuple[str, float], ...]] = []
    for _ in range(1 << _SUBSET_BITS):
        popularity = rng.lognormvariate(-0.3, 0.8) * density
        chosen = [v for v in ordered if rng.random() < v.weight * popularity] or [busiest]
        out.append(tuple((f"{v.participant_name}|{v.mpid}|", 0.3 + v.weight) for v in chosen))
    return out


def _issue_names(rng: random.Random, securities: tuple[str, ...]) -> list[_Name]:
    names: list[_Name] = []
    for _ in range(1 << _NAME_BITS):
        legal = rng.choice(_LEGAL)
        company = f"{rng.choice(_STEMS)} {rng.choice(_TRADES)}" + (legal if legal.startswith(",") else " " + legal)
        # Real files have double spaces in 3% of issue names; they must survive verbatim.
        separator = "  " if rng.random() < 0.03 else " "
        names.append((company, separator, rng.choice(securities)))
    return names


class _SymbolStream:
    """Symbols in sorted order, spread over the symbol space, with their issue names."""

    def __init__(self, rng: random.Random, names: list[_Name], expected: float, nms: bool) -> None:
        self._rng = rng
        self._names = names
        # NMS symbols are mostly 1-4 letters; fall back to 5 when a huge file needs more.
        self._max_len = 4 if nms and expected * 1.5 < _space_size(4) else 5
        self._size = _space_size(self._max_len)
        self._position = -1
        self._pending: tuple[str, str] | None = None

    def next(self, expected_left: float) -> tuple[str, str]:
        """The next symbol, spacing them so that about ``expected_left`` more still fit."""
        if self._pending is not None:
            pending, self._pending = self._pending, None
            return pending
        rng = self._rng
        left = self._size - self._position - 1
        # Gaps average left / (1.25 * expected_left + 2) and never exceed the space left, so the
        # symbols spread over the alphabet and still suffice when the estimate is low.
        mean_gap = left / (1.25 * max(expected_left, 0.0) + 2.0)
        self._position += 1 + int(rng.random() * (2.0 * mean_gap - 2.0)) if mean_gap > 1.0 else 1
        if self._position >= self._size:
            raise ValueError(f"the {self._max_len}-letter symbol space is exhausted: ask for fewer rows")
        symbol = _symbol_at(self._position, self._max_len)
        company, separator, security = self._names[rng.getrandbits(_NAME_BITS)]
        if len(symbol) <= 4 and rng.random() * _PUNCTUATED_ODDS < 1.0:
            # "BRK" then "BRK.B" (or "KKR$D"): '$' and '.' sort before letters, so the sibling
            # comes right after its base symbol and the output stays sorted.
            mark, kind = _PUNCTUATED[rng.getrandbits(8) % len(_PUNCTUATED)]
            self._pending = (symbol + mark, company + separator + kind)
        return symbol, company + separator + security


def _space_size(max_len: int) -> int:
    """How many symbols of 1..max_len letters exist."""
    return sum(26**k for k in range(1, max_len + 1))


# _SUBTREES[m][d]: with symbols of at most m letters, how many start with a given d-letter
# prefix (the prefix itself included).
_SUBTREES = tuple(tuple(_space_size(m - d) + 1 for d in range(m + 1)) for m in range(6))


def _symbol_at(index: int, max_len: int) -> str:
    """The index-th of all 1..max_len letter symbols in sorted order (A, AA, AAA, ..., AB, ...)."""
    subtrees = _SUBTREES[max_len]
    symbol = ""
    depth = 1
    while True:
        letter, index = divmod(index, subtrees[depth])
        symbol += _LETTERS[letter]
        if index == 0:
            return symbol
        index -= 1
        depth += 1
