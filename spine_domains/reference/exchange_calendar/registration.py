"""Register the exchange calendar pipeline in a registry."""

from __future__ import annotations

from spine_core.framework.registry import PipelineRegistry
from spine_domains.reference.exchange_calendar.pipelines import IngestCalendarYear

__all__ = ["PIPELINES", "register"]

#: Every exchange calendar pipeline class.
PIPELINES = (IngestCalendarYear,)


def register(registry: PipelineRegistry) -> None:
    """Register one instance of each exchange calendar pipeline."""
    for cls in PIPELINES:
        registry.register(cls())
