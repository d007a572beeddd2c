"""Derived FINRA OTC stages: normalize, aggregate and the calcs (venue share, concentration, ...).

Each stage reads earlier captures through the framework's CaptureReader and is pure.
:mod:`spine_domains.finra_otc.registration` registers every stage and the weekly refresh
workflow (:mod:`spine_domains.finra_otc.workflow`).
"""

__all__: list[str] = []
