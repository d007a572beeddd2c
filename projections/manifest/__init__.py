"""Manifest and executions: what ran, how it ended, which stages each partition reached."""

from projections.manifest.spec import SPEC

__all__ = ["SPEC"]
