"""Derived FINRA OTC pipelines (registered on import)."""
