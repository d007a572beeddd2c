"""Quality: rejected input lines with their reasons (core_rejects), per capture."""

from projections.quality.spec import SPEC

__all__ = ["SPEC"]
