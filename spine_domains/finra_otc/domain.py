"""The FINRA OTC Transparency domain's name, as pipelines declare it."""

from __future__ import annotations

__all__ = ["DOMAIN"]

DOMAIN = "finra.otc_transparency"
