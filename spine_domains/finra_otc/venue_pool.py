"""A pool of ATS venues (MPID and participant name) for generated FINRA files.

MPIDs are those seen in the real and fixture files; participant names follow the download's
style (``"<MPID> <NAME>"``, upper case). The OTC tier names are copied from real FINRA files
(except VIAT's); the NMS names are illustrative. ``weight`` is how likely a symbol trades on
the venue in its tier.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Venue", "NMS_VENUES", "OTC_VENUES"]


@dataclass(frozen=True, slots=True)
class Venue:
    mpid: str
    name: str
    weight: float

    @property
    def participant_name(self) -> str:
        """``marketParticipantName`` as FINRA writes it: the MPID, a space, the name."""
        return f"{self.mpid} {self.name}"


OTC_VENUES: tuple[Venue, ...] = (
    Venue("OTCN", "OTC LINK NQB IDQS", 0.75),
    Venue("OTCX", "OTC LINK ECN ATS", 0.55),
    Venue("ARCA", "GLOBAL OTC", 0.28),
    Venue("PPEX", "NORTH CAPITAL PRIVATE SECURITIES CORPORATION", 0.14),
    Venue("PROS", "TZERO SECURITIES LLC", 0.01),
    Venue("ALTS", "LODAS SECURITIES ALTERNATIVE TRADING SYSTEM", 0.01),
    Venue("VIAT", "VIA TRADING ATS", 0.005),
    Venue("SWCL", "INX SECURITIES, LLC", 0.003),
    Venue("STEN", "STARTENGINE SECONDARY", 0.003),
    Venue("SMKT", "SECURITIZE MARKETS ATS", 0.003),
)

NMS_VENUES: tuple[Venue, ...] = (
    Venue("UBSA", "UBS ATS", 0.95),
    Venue("INCR", "INTELLIGENT CROSS LLC", 0.9),
    Venue("JPMX", "JPM-X", 0.9),
    Venue("MSPL", "MS POOL (ATS-4)", 0.85),
    Venue("SGMT", "SIGMA X2", 0.8),
    Venue("EBXL", "LEVEL ATS", 0.8),
    Venue("CGXS", "CITADEL CONNECT", 0.75),
    Venue("ICBX", "INSTINET CONTINUOUS BLOCK CROSSING SYSTEM (CBX)", 0.75),
    Venue("IATS", "IBKR ATS", 0.7),
    Venue("BIDS", "BIDS TRADING L.P.", 0.65),
    Venue("KCGM", "VIRTU MATCHIT", 0.6),
    Venue("MLIX", "INSTINCT X", 0.55),
    Venue("CODA", "CODA MARKETS, INC.", 0.5),
    Venue("BNPX", "BNP PARIBAS ATS", 0.5),
    Venue("LATS", "THE BARCLAYS ATS", 0.45),
    Venue("ITGP", "POSIT", 0.45),
    Venue("MSTX", "MS TRAJECTORY CROSS (ATS-1)", 0.4),
    Venue("BLUE", "BLUE OCEAN ATS, LLC", 0.4),
    Venue("ALPX", "ALPHA X US ATS", 0.35),
    Venue("LQNA", "LIQUIDNET NEGOTIATION", 0.35),
    Venue("JPBX", "JPB-X", 0.3),
    Venue("IEOS", "IEX OMNI SYSTEM", 0.3),
    Venue("MSRP", "MS RETAIL POOL", 0.3),
    Venue("ONEC", "ONECHRONOS", 0.25),
    Venue("PURE", "PURESTREAM ATS", 0.2),
    Venue("BOSS", "BOSS ATS", 0.2),
    Venue("XSTM", "CROSSSTREAM", 0.15),
    Venue("STFX", "STIFEL NICOLAUS ATS", 0.12),
    Venue("BLKX", "BLOCKCROSS ATS", 0.1),
    Venue("LQNT", "LIQUIDNET H2O ATS", 0.08),
    Venue("MOON", "MOON ATS", 0.05),
)
