"""FINRA's ``summaryTypeCode``: who (ATS or non-ATS firms) and at what granularity a row counts.

Rows of different summary types overlap (``ATS_W_SMBL`` is the sum of the ``ATS_W_SMBL_FIRM``
rows of a symbol): never add them up across types.
"""

from __future__ import annotations

from enum import StrEnum

from spine_core.errors import InvalidParameter

__all__ = ["SummaryType"]


class SummaryType(StrEnum):
    ATS_W_SMBL_FIRM = "ATS_W_SMBL_FIRM"
    ATS_W_SMBL = "ATS_W_SMBL"
    ATS_W_FIRM = "ATS_W_FIRM"
    OTC_W_SMBL_FIRM = "OTC_W_SMBL_FIRM"
    OTC_W_SMBL = "OTC_W_SMBL"
    OTC_W_FIRM = "OTC_W_FIRM"

    @classmethod
    def parse(cls, text: object) -> SummaryType:
        """A code in any case; raises :class:`InvalidParameter` listing the codes."""
        if isinstance(text, SummaryType):
            return text
        found = cls.lookup(str(text))
        if found is None:
            raise InvalidParameter(
                f"unknown summary type {str(text)!r}",
                hint=f"use one of: {', '.join(cls)}",
                details={"given": str(text), "accepted": list(cls)},
            )
        return found

    @classmethod
    def lookup(cls, text: str) -> SummaryType | None:
        return _BY_TEXT.get(text.strip().upper())

    @property
    def per_symbol(self) -> bool:
        """Rows name a symbol (``*_W_SMBL*``); ``*_W_FIRM`` rows total a firm over all symbols."""
        return "_W_SMBL" in self.value

    @property
    def per_firm(self) -> bool:
        """Rows name a venue or firm (``*_FIRM``); ``*_W_SMBL`` rows total a symbol over all venues."""
        return self.value.endswith("_FIRM")

    @property
    def is_ats(self) -> bool:
        return self.value.startswith("ATS_")


_BY_TEXT = {code.value: code for code in SummaryType}
