"""Derived FINRA OTC stages: normalize, aggregate and the calcs (venue share, concentration, ...).

Each stage reads earlier captures through the framework's CaptureReader and is pure. Every
stage runs through one template (:class:`~spine_domains.finra_otc.derived.base.DerivedPipeline`):
a calc writes only ``compute`` (its rows, checks and summary facts).
:mod:`spine_domains.finra_otc.registration` registers every stage and the weekly refresh
workflow (:mod:`spine_domains.finra_otc.workflow`).
"""

__all__: list[str] = []
