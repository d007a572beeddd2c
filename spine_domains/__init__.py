"""Spine's domains: pure code (spine_core and the standard library only, no I/O).

Call :func:`load` once at start-up to register every domain's pipelines in
``spine_core.framework.registry.REGISTRY``.
"""

from __future__ import annotations

import importlib

__all__ = ["DOMAIN_MODULES", "load"]

#: Modules whose import registers pipelines.
DOMAIN_MODULES: tuple[str, ...] = (
    "spine_domains.finra_otc.pipelines",
    "spine_domains.finra_otc.derived.pipelines",
    "spine_domains.reference.exchange_calendar.pipelines",
)


def load() -> None:
    """Register every domain pipeline. Safe to call any number of times."""
    for module in DOMAIN_MODULES:
        # Python imports a module once; the registry accepts the same class registered again.
        importlib.import_module(module)
