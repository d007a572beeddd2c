"""Reference data: exchange calendars (market holidays per exchange and year)."""

from projections.reference.spec import SPEC

__all__ = ["SPEC"]
