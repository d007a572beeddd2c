"""FINRA OTC Transparency tiers and the many ways people spell them."""

from __future__ import annotations

from enum import StrEnum

from spine_core.errors import UnknownTier

__all__ = ["Tier"]


class Tier(StrEnum):
    """A FINRA OTC Transparency tier. ``str(tier)`` is the canonical value used in partition keys."""

    NMS_TIER_1 = "NMS_TIER_1"
    NMS_TIER_2 = "NMS_TIER_2"
    OTC = "OTC"

    @classmethod
    def parse(cls, text: object) -> Tier:
        """Read a tier from any common spelling ("NMS Tier 1", "tier1", "T1", "nms1", "OTCE", ...).

        Case, spaces, underscores and hyphens do not matter. Raises :class:`UnknownTier` with
        the accepted spellings as hint.
        """
        if isinstance(text, Tier):
            return text
        tier = _SPELLINGS.get(_normalize(str(text)))
        if tier is None:
            raise UnknownTier(
                f"unknown tier {str(text)!r}",
                hint=f"use one of: {_ACCEPTED}",
                details={"given": str(text), "accepted": sorted(_SPELLINGS)},
            )
        return tier

    @property
    def description(self) -> str:
        """FINRA's ``tierDescription`` text, as in the download files ("NMS Tier 1", "OTC")."""
        return _DESCRIPTIONS[self]

    @property
    def api_code(self) -> str:
        """FINRA's API ``tierIdentifier`` ("T1", "T2", "OTCE")."""
        return _API_CODES[self]

    @property
    def publication_lag_days(self) -> int:
        """Days from the week ending (Friday) to FINRA's first publication (a Monday).

        Tier 1 appears two weeks after the week ends, Tier 2 and OTC four weeks after; a Monday
        holiday moves publication a day later, and revisions move ``lastUpdateDate`` later
        still, so a ``lastUpdateDate`` before ``week_ending + lag`` means the week is wrong.
        """
        return 17 if self is Tier.NMS_TIER_1 else 31

    @property
    def publication_delay_days(self) -> int:
        """Days from the week start (Monday, FINRA's ``weekStartDate``) to its first publication.

        NMS Tier 1 is published on the Monday three weeks after the week starts, NMS Tier 2 and
        OTC on the Monday five weeks after (a Monday holiday moves it to the Tuesday).
        """
        return self.publication_lag_days + 4


def _normalize(text: str) -> str:
    return "".join(ch for ch in text.strip().lower() if ch not in " _-\t")


_SPELLINGS: dict[str, Tier] = {
    **dict.fromkeys(("nmstier1", "tier1", "t1", "nms1"), Tier.NMS_TIER_1),
    **dict.fromkeys(("nmstier2", "tier2", "t2", "nms2"), Tier.NMS_TIER_2),
    **dict.fromkeys(("otc", "otce"), Tier.OTC),
}
_DESCRIPTIONS = {Tier.NMS_TIER_1: "NMS Tier 1", Tier.NMS_TIER_2: "NMS Tier 2", Tier.OTC: "OTC"}
_API_CODES = {Tier.NMS_TIER_1: "T1", Tier.NMS_TIER_2: "T2", Tier.OTC: "OTCE"}
_ACCEPTED = (
    "NMS_TIER_1 (also 'NMS Tier 1', 'Tier 1', 'tier1', 'T1', 'nms1'), "
    "NMS_TIER_2 (also 'NMS Tier 2', 'Tier 2', 'tier2', 'T2', 'nms2'), "
    "OTC (also 'OTCE')"
)
