"""The FINRA OTC data plane: venue volume rows of each capture, queryable by week and tier."""

from projections.finra_otc.spec import SPEC

__all__ = ["SPEC"]
