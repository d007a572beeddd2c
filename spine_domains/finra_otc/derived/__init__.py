"""Derived FINRA OTC stages: normalize, aggregate and the calcs (venue share, concentration, ...)."""
