"""Spine's core: pure, synchronous platform primitives.

Temporal types (three clocks), execution context, rejects, quality results, the calc version
registry, row blocks, the write-side aggregates and the framework (registry, params, runner).
This package imports nothing from infrastructure: no asyncio, drivers, NATS, FastStream,
FastAPI or pydantic (``tests/architecture`` enforces it).
"""

from spine_core.context import ExecutionContext, Lane, TriggerSource
from spine_core.errors import SpineError
from spine_core.temporal import Clocks, WeekEnding

__all__ = ["ExecutionContext", "Lane", "TriggerSource", "SpineError", "Clocks", "WeekEnding"]
