"""Spine's domains: pure code (spine_core and the standard library only, no I/O).

:func:`build_registry` makes a registry holding every domain's pipelines and workflows; the
bootstrap calls it once at start-up and hands the registry to whatever needs it. Importing a
domain registers nothing.
"""

from __future__ import annotations

from spine_core.framework.registry import PipelineRegistry

__all__ = ["build_registry"]


def build_registry() -> PipelineRegistry:
    """A fresh registry with every domain's pipelines and workflows registered."""
    # Imported here so that importing one domain module does not load every domain.
    from spine_domains.finra_otc import registration as finra_otc
    from spine_domains.reference.exchange_calendar import registration as exchange_calendar

    registry = PipelineRegistry()
    finra_otc.register(registry)
    exchange_calendar.register(registry)
    return registry
