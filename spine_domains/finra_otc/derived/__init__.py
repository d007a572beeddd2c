"""Derived FINRA OTC stages: normalize, aggregate and the calcs (venue share, concentration, ...).

Each stage reads earlier captures through the framework's CaptureReader and is pure. Importing
:mod:`spine_domains.finra_otc.derived.pipelines` (which :func:`spine_domains.load` does)
registers every stage and the weekly refresh workflow (:mod:`spine_domains.finra_otc.workflow`).
"""

__all__: list[str] = []
